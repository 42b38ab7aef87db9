"""Suggestions, one-click assign with bumps, plan-the-day runs and automatic re-planning."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dala.db import get_session, utcnow
from dala.tenancy import context
from dala_scheduling.models import PlanTrigger
from dala_scheduling.replan import replan_overruns
from tests.scheduling.helpers import (
    ALL_DAY,
    ALMATY,
    API,
    at,
    get_job,
    job,
    move,
    next_weekday,
    technician,
)
from tests.support import work
from tests.support.world import World, call

S = f"{API}/scheduling"


@pytest.fixture(autouse=True)
def _quick_plans(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "SCHEDULING_PLAN_SECONDS", 0.3)


def test_suggestions_rank_who_fits_with_reasons_and_assign_checks_the_etag(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    day = next_weekday()
    hvac = work.skill(client, t, "HVAC")["id"]
    expert = technician(client, t, "technician", [{"skill_id": hvac, "level": 4}])
    junior = technician(client, t, "dispatcher", [{"skill_id": hvac, "level": 2}])
    first = job(client, t, start=at(day, 10), technician_id=expert["id"], minutes=90)
    wanted = job(
        client,
        t,
        required_skills=[{"skill_id": hvac, "min_level": 3}],
        window_start=at(day, 11).isoformat(),
        window_end=at(day, 15).isoformat(),
    )

    r = call(client, "GET", f"{S}/jobs/{wanted['id']}/suggestions?date={day}", t["owner"])
    assert r.status_code == 200, r.json
    (best,) = r.json["suggestions"]
    assert best["technician_id"] == expert["id"]
    assert best["start"] == at(day, 11, 30).strftime("%Y-%m-%dT%H:%M:%SZ")
    codes = {reason["code"]: reason["text"] for reason in best["reasons"]}
    assert codes["skill"] == "Has HVAC (level 4)"
    # Free until the latest start of lunch (13:00 in the working hours, movable by an hour).
    assert codes["free"] == "Free 11:30\u201314:00"
    assert codes["load"] == "Load 1.5 h of 8 h"
    assert codes["travel"] == f"0 min from job #{first['number']}"
    (unsuitable,) = r.json["unsuitable"]
    assert unsuitable["technician_id"] == junior["id"]
    assert unsuitable["reasons"][0]["code"] == "missing_skill"
    assert r.json["job"]["etag"] == f'"{wanted["version"]}"'

    body = {"technician_id": expert["id"], "start": best["start"], "if_match": '"999"'}
    stale = call(client, "POST", f"{S}/jobs/{wanted['id']}/assign", t["owner"], json=body)
    assert stale.status_code == 412, stale.json
    assert get_job(client, t, wanted["id"])["technician_ids"] == []

    body["if_match"] = r.json["job"]["etag"]
    done = call(client, "POST", f"{S}/jobs/{wanted['id']}/assign", t["owner"], json=body)
    assert done.status_code == 200, done.json
    assigned = done.json["job"]
    assert assigned["technician_ids"] == [expert["id"]]
    assert assigned["status"] == "scheduled"
    assert done.headers["ETag"] == assigned["etag"]

    # The slot is taken now: asking for it again is a conflict, nothing changes.
    again = job(
        client, t, window_start=at(day, 11, 30).isoformat(), window_end=at(day, 11, 31).isoformat()
    )
    body = {"technician_id": expert["id"], "start": best["start"]}
    taken = call(client, "POST", f"{S}/jobs/{again['id']}/assign", t["owner"], json=body)
    assert taken.status_code == 409, taken.json


def test_an_emergency_nobody_is_free_for_bumps_lower_priority_work(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    day = next_weekday()
    tech = technician(client, t, "technician")
    low = job(client, t, start=at(day, 9), technician_id=tech["id"], minutes=240, priority="low")
    normal = job(client, t, start=at(day, 14), technician_id=tech["id"], minutes=240)
    urgent = job(
        client,
        t,
        priority="emergency",
        window_start=at(day, 9).isoformat(),
        window_end=at(day, 12).isoformat(),
    )
    r = call(client, "GET", f"{S}/jobs/{urgent['id']}/suggestions?date={day}", t["owner"])
    assert r.status_code == 200, r.json
    (only,) = r.json["suggestions"]
    (bump,) = only["bumps"]
    assert bump["job_id"] == low["id"] and bump["consequence"] == "unassigned"
    assert bump["text"] == f"Job #{low['number']} (low) would be unassigned"

    body = {"technician_id": tech["id"], "start": only["start"]}
    refused = call(client, "POST", f"{S}/jobs/{urgent['id']}/assign", t["owner"], json=body)
    assert refused.status_code == 409, refused.json
    assert get_job(client, t, low["id"])["technician_ids"] == [tech["id"]]

    body["bump"] = True
    done = call(client, "POST", f"{S}/jobs/{urgent['id']}/assign", t["owner"], json=body)
    assert done.status_code == 200, done.json
    assert done.json["job"]["technician_ids"] == [tech["id"]]
    assert [b["id"] for b in done.json["bumped"]] == [low["id"]]
    assert get_job(client, t, low["id"])["technician_ids"] == []
    assert get_job(client, t, normal["id"])["scheduled_start"] == normal["scheduled_start"]


def _plan(client: FlaskClient, world: World, day: Any) -> dict[str, Any]:
    t = world.a
    r = call(
        client, "POST", f"{S}/plans", t["owner"], json={"branch_id": str(t.main), "date": str(day)}
    )
    assert r.status_code == 202, r.json
    assert r.json["status"] in ("queued", "proposed")
    shown = call(client, "GET", f"{S}/plans/{r.json['id']}", t["owner"])
    assert shown.status_code == 200, shown.json
    return dict(shown.json)


def test_plan_the_day_proposes_and_apply_skips_changed_pinned_and_under_way_jobs(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    day = next_weekday()
    one = technician(client, t, "technician")
    two = technician(client, t, "dispatcher")
    queued = [job(client, t) for _ in range(3)]
    pinned = job(client, t, start=at(day, 16), technician_id=one["id"])
    assert call(client, "POST", f"{S}/jobs/{pinned['id']}/pin", t["owner"]).status_code in (
        200,
        201,
    )

    run = _plan(client, world, day)
    assert run["status"] == "proposed", run
    proposal = run["proposal"]
    placed = {v["job_id"] for route in proposal["routes"] for v in route["jobs"]}
    assert {q["id"] for q in queued} <= placed
    assert proposal["totals"]["proposed"]["placed"] == 4
    assert proposal["totals"]["current"]["placed"] == 1
    assert {r["name"] for r in proposal["routes"]} <= {"Technician", "Dispatcher"}
    assert two["id"] or one["id"]

    edited = call(
        client, "PATCH", f"{API}/jobs/{queued[0]['id']}", t["owner"], json={"title": "Changed"}
    )
    assert edited.status_code == 200
    applied = call(client, "POST", f"{S}/plans/{run['id']}/apply", t["owner"])
    assert applied.status_code == 200, applied.json
    assert applied.json["skipped"] == [
        {"job_id": queued[0]["id"], "reason": "changed", "text": "Changed since the plan was made."}
    ]
    assert applied.json["applied"] == 2
    for q in queued[1:]:
        now = get_job(client, t, q["id"])
        assert now["technician_ids"] and now["status"] == "scheduled"
    assert get_job(client, t, queued[0]["id"])["technician_ids"] == []
    assert get_job(client, t, pinned["id"])["version"] == pinned["version"]
    assert call(client, "POST", f"{S}/plans/{run['id']}/apply", t["owner"]).status_code == 409

    listed = call(client, "GET", f"{S}/plans?branch_id={t.main}&date={day}", t["owner"])
    assert [p["id"] for p in listed.json["items"]] == [run["id"]]
    assert listed.json["items"][0]["status"] == "applied"

    second = _plan(client, world, day)
    assert (
        call(client, "POST", f"{S}/plans/{second['id']}/discard", t["owner"]).json["status"]
        == "discarded"
    )


def test_the_proposal_lists_every_technician_at_work_those_left_free_with_no_jobs(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    day = next_weekday()
    busy = technician(client, t, "technician")
    free = technician(client, t, "dispatcher")
    away = technician(client, t, "viewer")
    body = {
        "starts_at": at(day, 0).isoformat(),
        "ends_at": at(day + timedelta(days=1), 0).isoformat(),
    }
    r = call(client, "POST", f"{API}/technicians/{away['id']}/time-off", t["owner"], json=body)
    assert r.status_code == 201, r.json
    pinned = job(client, t, start=at(day, 10), technician_id=busy["id"])
    assert call(client, "POST", f"{S}/jobs/{pinned['id']}/pin", t["owner"]).status_code in (
        200,
        201,
    )

    proposal = _plan(client, world, day)["proposal"]
    routes = {r["technician_id"]: r for r in proposal["routes"]}
    assert set(routes) == {busy["id"], free["id"]}  # the one away that day is not at work
    assert [v["job_id"] for v in routes[busy["id"]]["jobs"]] == [pinned["id"]]
    assert routes[free["id"]] | {"name": None} == {
        "technician_id": free["id"],
        "name": None,
        "jobs": [],
        "travel_seconds": 0,
        "idle_seconds": 0,
        "overtime_seconds": 0,
    }
    assert routes[free["id"]]["name"] == "Dispatcher"
    # The free technician's row adds nothing: the totals are the rows' sums.
    proposed = proposal["totals"]["proposed"]
    assert proposed["placed"] == sum(len(r["jobs"]) for r in proposal["routes"]) == 1
    for key in ("travel_seconds", "idle_seconds", "overtime_seconds"):
        assert proposed[key] == sum(r[key] for r in proposal["routes"])


@pytest.mark.parametrize("policy", ["propose", "apply"])
def test_a_sick_technician_re_plans_the_day_by_the_branch_policy(
    client: FlaskClient, world: World, policy: str
) -> None:
    t = world.a
    day = next_weekday()
    sick = technician(client, t, "technician")
    well = technician(client, t, "dispatcher")
    jobs_of_sick = [job(client, t, start=at(day, h), technician_id=sick["id"]) for h in (10, 12)]
    setting = {"branch_id": str(t.main), "settings": {"replan_policy": policy}}
    r = call(client, "PATCH", f"{API}/modules/dala_scheduling", t["owner"], json=setting)
    assert r.status_code == 200, r.json

    body = {"from": at(day, 0).isoformat(), "to": at(day, 23).isoformat(), "reason": "sick"}
    r = call(client, "POST", f"{S}/technicians/{sick['id']}/unavailable", t["owner"], json=body)
    assert r.status_code == 202, r.json
    run = call(client, "GET", f"{S}/plans/{r.json['id']}", t["owner"]).json
    assert run["trigger"] == "sick"
    moved = {
        v["job_id"]
        for route in run["proposal"]["routes"]
        if route["technician_id"] == well["id"]
        for v in route["jobs"]
    }
    assert moved == {j["id"] for j in jobs_of_sick}
    holders = [get_job(client, t, j["id"])["technician_ids"] for j in jobs_of_sick]
    if policy == "apply":
        assert run["status"] == "applied"
        assert holders == [[well["id"]], [well["id"]]]
    else:
        assert run["status"] == "proposed"
        assert holders == [[sick["id"]], [sick["id"]]]


def test_a_job_running_over_re_plans_that_day_once(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    tech = technician(client, t, "technician", working_hours=ALL_DAY)
    now = utcnow()
    over = job(client, t, start=now - timedelta(hours=3), technician_id=tech["id"])
    move(client, t, over["id"], "dispatched", "en_route", "on_site")
    job(client, t, start=now + timedelta(hours=1), technician_id=tech["id"])
    with app.app_context(), context.tenant_scope(t.tenant_id):
        session = get_session()
        runs = replan_overruns(session, now)
        session.commit()
        assert [(r.trigger, r.day) for r in runs] == [
            (PlanTrigger.OVERRUN, now.astimezone(ALMATY).date())
        ]
        assert replan_overruns(session, now + timedelta(minutes=1)) == []
