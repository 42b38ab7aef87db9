# ruff: noqa: RUF001 - Russian addresses and names, as a Kazakh company's data is
"""A technician's working day for the app's tests: real jobs made through the API.

Three jobs today in the branch's time zone (Asia/Almaty) at real Almaty addresses,
each with a customer who has a phone, a site with coordinates and access notes, and
a checklist, dispatched to ``world[...]["technician"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from tests.support import work
from tests.support.world import TenantWorld, call

API = "/api/v1"
ZONE = ZoneInfo("Asia/Almaty")


@dataclass(frozen=True)
class Plan:
    hour: int
    title: str
    customer: str
    phone: str
    address: str
    access_notes: str
    latitude: float
    longitude: float
    checklist: tuple[str, ...]
    description: str


PLANS = (
    Plan(
        10,
        "AC not cooling",
        "Айгерим Нурланова",
        "+7 701 555 01 01",
        "пр. Абая 150, кв. 12, Алматы",
        "Домофон 12, 3 этаж",
        43.2389,
        76.8897,
        ("Check refrigerant pressure", "Clean the filters", "Test run for 10 minutes"),
        "Кондиционер шумит и почти не охлаждает. Клиент дома после 9:00.",
    ),
    Plan(
        13,
        "Boiler service",
        "ТОО «Самал Строй»",
        "+7 727 355 44 10",
        "мкр. Самал-2, 58, Алматы",
        "Въезд со стороны ул. Жолдасбекова, охрана на входе",
        43.2331,
        76.9535,
        ("Check the burner", "Flush the heat exchanger"),
        "Плановое обслуживание котла, договор №17.",
    ),
    Plan(
        16,
        "Leak under the sink",
        "Ерлан Садыков",
        "+7 705 222 33 44",
        "ул. Толе би 59, кв. 4, Алматы",
        "Код подъезда 2580",
        43.2545,
        76.9283,
        ("Find the leak", "Replace the seal"),
        "Течёт под раковиной на кухне.",
    ),
)


def today_at(hour: int) -> datetime:
    """Today in Almaty at ``hour`` o'clock, in UTC."""
    day = datetime.now(ZONE).date()
    return datetime.combine(day, time(hour), ZONE).astimezone(UTC)


def move(client: FlaskClient, t: TenantWorld, job_id: str, to: str, role: str = "owner") -> None:
    body: dict[str, Any] = {"to": to}
    if to in ("on_hold", "cancelled"):
        body["reason"] = "The customer called the office"
    answer = call(client, "POST", f"{API}/jobs/{job_id}/transitions", t[role], json=body)
    assert answer.status_code == 201, answer.json


def technicians_day(client: FlaskClient, t: TenantWorld) -> list[dict[str, Any]]:
    """The day's three jobs, dispatched to the technician, in start order."""
    technician = work.technician(client, t)
    made = []
    for plan in PLANS:
        customer = work.made(client, t, "/customers", {"name": plan.customer, "phone": plan.phone})
        site = work.made(
            client,
            t,
            "/sites",
            {
                "customer_id": customer["id"],
                "branch_id": str(t.main),
                "label": "Home",
                "address": plan.address,
                "access_notes": plan.access_notes,
                "latitude": plan.latitude,
                "longitude": plan.longitude,
            },
        )
        start = today_at(plan.hour)
        job = work.made(
            client,
            t,
            "/jobs",
            {
                "customer_id": customer["id"],
                "site_id": site["id"],
                "title": plan.title,
                "description": plan.description,
                "scheduled_start": start.isoformat(),
                "duration_minutes": 90,
                "window_start": start.isoformat(),
                "window_end": (start + timedelta(hours=2)).isoformat(),
                "technician_ids": [technician["id"]],
            },
        )
        for label in plan.checklist:
            url = f"{API}/jobs/{job['id']}/checklist"
            added = call(client, "POST", url, t["owner"], json={"label": label})
            assert added.status_code == 201, added.json
        if job["status"] == "draft":
            move(client, t, job["id"], "scheduled")
        move(client, t, job["id"], "dispatched")
        made.append(job)
    return made


def phone_view(client: FlaskClient, t: TenantWorld) -> dict[str, dict[str, Any]]:
    """The technician's job documents as a fresh phone would pull them, by job id."""
    answer = call(client, "GET", f"{API}/sync/pull", t["technician"])
    assert answer.status_code == 200, answer.json
    return {job["id"]: job for job in answer.json["jobs"]}
