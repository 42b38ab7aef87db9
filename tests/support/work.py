"""Building blocks of the work-order domain for tests: customers, sites, technicians, jobs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.support.world import TenantWorld, call

API = "/api/v1"


def made(client: FlaskClient, t: TenantWorld, url: str, body: dict[str, Any]) -> dict[str, Any]:
    r = call(client, "POST", f"{API}{url}", t["owner"], json=body)
    assert r.status_code == 201, (url, r.json)
    return dict(r.json)


def customer(client: FlaskClient, t: TenantWorld, **extra: Any) -> dict[str, Any]:
    body = {"name": f"Customer {uuid.uuid4().hex[:6]}", "phone": "+7 701 555 01 01", **extra}
    return made(client, t, "/customers", body)


def site(client: FlaskClient, t: TenantWorld, customer_id: str | None = None) -> dict[str, Any]:
    body = {
        "customer_id": customer_id or customer(client, t)["id"],
        "branch_id": str(t.main),
        "label": "Home",
        "address": "пр. Абая 150, кв. 12, Алматы",
        "access_notes": "Домофон 12",
        "latitude": 43.2389,
        "longitude": 76.8897,
    }
    return made(client, t, "/sites", body)


def skill(client: FlaskClient, t: TenantWorld, name: str | None = None) -> dict[str, Any]:
    return made(client, t, "/skills", {"name": name or f"Skill {uuid.uuid4().hex[:8]}"})


def technician(
    client: FlaskClient, t: TenantWorld, role: str = "technician", **extra: Any
) -> dict[str, Any]:
    """The technician profile of ``role``'s user (made once per tenant world)."""
    found = call(client, "GET", f"{API}/technicians?page_size=100", t["owner"]).json["items"]
    mine = [x for x in found if x["user_id"] == str(t[role].user_id)]
    if mine:
        return dict(mine[0])
    body = {
        "user_id": str(t[role].user_id),
        "branch_id": str(t.main),
        "working_hours": [{"weekday": d, "start": "09:00", "end": "13:00"} for d in range(5)]
        + [{"weekday": d, "start": "14:00", "end": "18:00"} for d in range(5)],
        "hourly_cost_minor": 450000,
        **extra,
    }
    return made(client, t, "/technicians", body)


def tomorrow(hour: int = 9) -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def job(client: FlaskClient, t: TenantWorld, **extra: Any) -> dict[str, Any]:
    where = site(client, t)
    body = {"customer_id": where["customer_id"], "site_id": where["id"], "title": "AC not cooling"}
    body.update(extra)
    return made(client, t, "/jobs", {k: v for k, v in body.items() if v is not None})


def scheduled_job(
    client: FlaskClient, t: TenantWorld, technician_role: str | None = "technician"
) -> dict[str, Any]:
    start = tomorrow()
    extra: dict[str, Any] = {"scheduled_start": start.isoformat(), "duration_minutes": 90}
    if technician_role:
        extra["technician_ids"] = [technician(client, t, technician_role)["id"]]
    return job(client, t, **extra)
