"""GET /api/v1/scheduling/board and the pins: shape, times, order, queries, who may."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from dala.audit.models import AuditEvent
from dala.db import get_session
from dala.tenancy import context
from tests.support.work import API, customer, made
from tests.support.world import TenantWorld, World, call
from tests.test_platform import count_queries

# A Monday; the "Other" branch keeps Moscow time, UTC+3 all year.
DAY = "2030-01-07"
BOARD = f"{API}/scheduling/board"
HOURS = [
    {"weekday": d, "start": s, "end": e}
    for d in range(5)
    for s, e in (("09:00", "13:00"), ("14:00", "18:00"))
]


@dataclass
class Day:
    t: TenantWorld
    technician: dict[str, Any]
    site: dict[str, Any]
    far_site: dict[str, Any]

    def job(self, client: FlaskClient, **body: Any) -> dict[str, Any]:
        site = body.pop("site", self.site)
        base = {
            "customer_id": site["customer_id"],
            "site_id": site["id"],
            "title": "Boiler service",
        }
        return made(client, self.t, "/jobs", {**base, **body})

    def board(self, client: FlaskClient, role: str = "owner", **query: Any) -> Any:
        params = {"branch_id": str(self.t.other), "from": DAY, **query}
        return call(client, "GET", BOARD, self.t[role], query_string=params)


def _site(client: FlaskClient, t: TenantWorld, lat: float, lon: float) -> dict[str, Any]:
    body = {
        "customer_id": customer(client, t, name="Aigerim Bekova")["id"],
        "branch_id": str(t.other),
        "label": "Office",
        "address": "ул. Тверская 1, Москва",
        "latitude": lat,
        "longitude": lon,
    }
    return made(client, t, "/sites", body)


@pytest.fixture
def day(client: FlaskClient, world: World) -> Day:
    t = world.a
    tech = made(
        client,
        t,
        "/technicians",
        {
            "user_id": str(t["technician"].user_id),
            "branch_id": str(t.other),
            "working_hours": HOURS,
            "home_latitude": 55.75,
            "home_longitude": 37.60,
            "hourly_cost_minor": 100000,
        },
    )
    return Day(t, tech, _site(client, t, 55.76, 37.62), _site(client, t, 55.80, 37.70))


def test_board_shows_a_technicians_day_in_utc(client: FlaskClient, day: Day) -> None:
    tech_id = day.technician["id"]
    call(
        client,
        "POST",
        f"{API}/technicians/{tech_id}/time-off",
        day.t["owner"],
        json={
            "starts_at": "2030-01-07T12:00:00Z",
            "ends_at": "2030-01-07T13:00:00Z",
            "reason": "training",
        },
    )
    first = day.job(
        client,
        technician_ids=[tech_id],
        scheduled_start="2030-01-07T07:00:00Z",
        duration_minutes=90,
        required_skills=[],
    )
    second = day.job(
        client,
        site=day.far_site,
        technician_ids=[tech_id],
        scheduled_start="2030-01-07T09:00:00Z",
        duration_minutes=60,
    )
    r = day.board(client)
    assert r.status_code == 200, r.json
    body = r.json
    assert body["branch"] == {"id": str(day.t.other), "name": "Other", "time_zone": "Europe/Moscow"}
    assert (body["from"], body["days"]) == (DAY, 1)
    # day_start 08:00 Moscow; the last shift ends 18:00 Moscow.
    assert body["window"] == {"start": "2030-01-07T05:00:00Z", "end": "2030-01-07T15:00:00Z"}
    (row,) = body["technicians"]
    assert row["id"] == tech_id
    assert row["home"] == {"lat": 55.75, "lon": 37.60}
    assert row["shifts"] == [{"start": "2030-01-07T06:00:00Z", "end": "2030-01-07T15:00:00Z"}]
    assert row["breaks"] == [{"start": "2030-01-07T10:00:00Z", "end": "2030-01-07T11:00:00Z"}]
    assert [(o["start"], o["end"], o["reason"]) for o in row["time_off"]] == [
        ("2030-01-07T12:00:00Z", "2030-01-07T13:00:00Z", "training")
    ]
    assert row["capacity_minutes"] == 8 * 60 - 60
    assert row["load_minutes"] == 90 + 60
    assert [j["id"] for j in body["jobs"]] == [first["id"], second["id"]]
    job = body["jobs"][0]
    assert job["customer_name"] == "Aigerim Bekova"
    assert job["site"] == {"lat": 55.76, "lon": 37.62, "label": "Office"}
    assert (job["scheduled_start"], job["scheduled_end"]) == (
        "2030-01-07T07:00:00Z",
        "2030-01-07T08:30:00Z",
    )
    assert job["technician_ids"] == [tech_id]
    assert job["pinned"] is False
    etag = call(client, "GET", f"{API}/jobs/{first['id']}", day.t["owner"]).headers["ETag"]
    assert (job["etag"], job["version"]) == (etag, first["version"])
    legs = [(leg["from_job_id"], leg["to_job_id"]) for leg in body["travel"]]
    assert legs == [(None, first["id"]), (first["id"], second["id"])]
    home_leg, between = body["travel"]
    assert 0 < home_leg["seconds"] < between["seconds"]
    assert home_leg["meters"] > 0
    assert {s["value"] for s in body["priorities"]} == {"low", "normal", "high", "emergency"}
    assert "completed" in {s["value"] for s in body["statuses"]}


def test_three_days_give_a_shift_per_working_day(client: FlaskClient, day: Day) -> None:
    # Friday to Sunday: one working day.
    body = day.board(client, **{"from": "2030-01-11", "days": 3}).json
    assert [s["start"] for s in body["technicians"][0]["shifts"]] == ["2030-01-11T06:00:00Z"]


def test_queue_is_unplanned_work_emergency_first(client: FlaskClient, day: Day) -> None:
    normal = day.job(client, priority="normal")
    emergency = day.job(client, priority="emergency")
    high = day.job(
        client,
        priority="high",
        window_start="2030-01-07T06:00:00Z",
        window_end="2030-01-07T12:00:00Z",
    )
    day.job(
        client,
        priority="emergency",
        window_start="2030-01-09T06:00:00Z",
        window_end="2030-01-09T12:00:00Z",
    )
    unassigned_planned = day.job(client, scheduled_start="2030-01-07T08:00:00Z")
    planned = day.job(
        client, technician_ids=[day.technician["id"]], scheduled_start="2030-01-07T08:00:00Z"
    )
    body = day.board(client).json
    # Then by the end of the window asked for (none last), then by number.
    assert [j["id"] for j in body["queue"]] == [
        emergency["id"],
        high["id"],
        normal["id"],
        unassigned_planned["id"],
    ]
    assert [j["id"] for j in body["jobs"]] == [planned["id"]]


def test_board_reads_a_fixed_number_of_statements(
    app: Flask, client: FlaskClient, day: Day
) -> None:
    def statements() -> int:
        with count_queries(app) as seen:
            assert day.board(client).status_code == 200
        return len(seen)

    def add(n: int) -> None:
        for i in range(n):
            planned = i % 2 == 0
            day.job(
                client,
                site=day.site if i % 3 else _site(client, day.t, 55.7 + i / 100, 37.6),
                technician_ids=[day.technician["id"]] if planned else [],
                scheduled_start=f"2030-01-07T{6 + i % 9:02d}:00:00Z" if planned else None,
            )

    add(5)
    few = statements()
    add(45)
    many = statements()
    body = day.board(client).json
    assert len(body["jobs"]) + len(body["queue"]) == 50
    assert many == few


def test_viewer_reads_technician_does_not(client: FlaskClient, world: World) -> None:
    t = world.a
    params = {"branch_id": str(t.main), "from": DAY}
    assert call(client, "GET", BOARD, t["viewer"], query_string=params).status_code == 200
    assert call(client, "GET", BOARD, t["dispatcher"], query_string=params).status_code == 200
    assert call(client, "GET", BOARD, t["technician"], query_string=params).status_code == 403
    # The dispatcher plans the main branch only.
    other = {"branch_id": str(t.other), "from": DAY}
    assert call(client, "GET", BOARD, t["dispatcher"], query_string=other).status_code == 403


def test_another_companys_branch_is_not_found(client: FlaskClient, world: World) -> None:
    params = {"branch_id": str(world.b.main)}
    assert call(client, "GET", BOARD, world.a["owner"], query_string=params).status_code == 404


@pytest.mark.parametrize(
    "query",
    [{"days": 8}, {"days": 0}, {"from": "2030-13-01"}, {"branch_id": "nope"}, {"branch_id": None}],
)
def test_bad_arguments_are_refused(
    client: FlaskClient, world: World, query: dict[str, Any]
) -> None:
    params = {"branch_id": str(world.a.main), "from": DAY, **query}
    params = {k: v for k, v in params.items() if v is not None}
    r = call(client, "GET", BOARD, world.a["owner"], query_string=params)
    assert r.status_code == 422, r.json


def _switch(client: FlaskClient, t: TenantWorld, on: bool | None) -> None:
    r = call(
        client,
        "PATCH",
        f"{API}/modules/dala_scheduling",
        t["owner"],
        json={"branch_id": str(t.other), "enabled": on},
    )
    assert r.status_code == 200, r.json


def test_board_and_pins_are_not_found_where_scheduling_is_off(
    client: FlaskClient, day: Day
) -> None:
    job = day.job(client)
    _switch(client, day.t, False)
    assert day.board(client).status_code == 404
    pin = f"{API}/scheduling/jobs/{job['id']}/pin"
    assert call(client, "POST", pin, day.t["owner"]).status_code == 404
    main = {"branch_id": str(day.t.main), "from": DAY}
    assert call(client, "GET", BOARD, day.t["owner"], query_string=main).status_code == 200
    _switch(client, day.t, None)
    assert day.board(client).status_code == 200


def _pin_audit(app: Flask, t: TenantWorld, job_id: str) -> list[tuple[str, uuid.UUID | None]]:
    with app.app_context(), context.tenant_scope(t.tenant_id):
        rows = get_session().scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "dala_scheduling_pin", AuditEvent.target_id == job_id)
            .order_by(AuditEvent.at)
        )
        return [(e.action, e.user_id) for e in rows]


def test_pin_and_unpin(app: Flask, client: FlaskClient, day: Day) -> None:
    job = day.job(
        client, technician_ids=[day.technician["id"]], scheduled_start="2030-01-07T07:00:00Z"
    )
    url = f"{API}/scheduling/jobs/{job['id']}/pin"
    owner = day.t["owner"]
    r = call(client, "POST", url, owner)
    assert r.status_code == 200, r.json
    assert (r.json["id"], r.json["pinned"], r.json["customer_name"]) == (
        job["id"],
        True,
        "Aigerim Bekova",
    )
    assert call(client, "POST", url, owner).json["pinned"] is True  # again: still one pin
    assert day.board(client).json["jobs"][0]["pinned"] is True
    assert call(client, "DELETE", url, owner).json["pinned"] is False
    assert day.board(client).json["jobs"][0]["pinned"] is False
    assert _pin_audit(app, day.t, job["id"]) == [
        ("created", owner.user_id),
        ("deleted", owner.user_id),
    ]


def test_who_may_pin(client: FlaskClient, world: World) -> None:
    t = world.a
    made_job = made(
        client,
        t,
        "/jobs",
        {
            "customer_id": (c := customer(client, t))["id"],
            "title": "Leak",
            "branch_id": str(t.main),
        },
    )
    url = f"{API}/scheduling/jobs/{made_job['id']}/pin"
    assert c
    assert call(client, "POST", url, t["dispatcher"]).status_code == 200
    assert call(client, "POST", url, t["viewer"]).status_code == 403
    assert call(client, "POST", url, t["technician"]).status_code in (403, 404)
    assert call(client, "POST", url, world.b["owner"]).status_code == 404
    assert call(client, "DELETE", url, world.b["owner"]).status_code == 404
