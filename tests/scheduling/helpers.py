"""A branch day to plan, made through the API: technicians with skills, jobs at local times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from tests.support import work
from tests.support.world import TenantWorld, call

API = "/api/v1"
ALMATY = ZoneInfo("Asia/Almaty")
ALL_DAY = [{"weekday": d, "start": "00:00", "end": "23:59"} for d in range(7)]


def next_weekday(days_ahead: int = 7) -> date:
    """A Monday to Friday at least ``days_ahead`` days away in Almaty (no 'now' in it)."""
    day = datetime.now(ALMATY).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` in Almaty on ``day``, in UTC."""
    return datetime.combine(day, time(hour, minute), ALMATY).astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def technician(
    client: FlaskClient,
    t: TenantWorld,
    role: str,
    skills: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"home_latitude": 43.24, "home_longitude": 76.9, **extra}
    if skills is not None:
        body["skills"] = skills
    return work.technician(client, t, role, **body)


def job(
    client: FlaskClient,
    t: TenantWorld,
    *,
    start: datetime | None = None,
    technician_id: str | None = None,
    minutes: int = 60,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"duration_minutes": minutes, **extra}
    if start is not None:
        body["scheduled_start"] = iso(start)
    if technician_id is not None:
        body["technician_ids"] = [technician_id]
    return work.job(client, t, **body)


def get_job(client: FlaskClient, t: TenantWorld, job_id: str) -> dict[str, Any]:
    r = call(client, "GET", f"{API}/jobs/{job_id}", t["owner"])
    assert r.status_code == 200, r.json
    return dict(r.json)


def move(client: FlaskClient, t: TenantWorld, job_id: str, *steps: str) -> None:
    for to in steps:
        r = call(client, "POST", f"{API}/jobs/{job_id}/transitions", t["owner"], json={"to": to})
        assert r.status_code == 201, r.json
