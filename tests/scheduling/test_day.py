"""The day builder: a branch's day from the database as a planning problem, and back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from dala.db import database, get_session, utcnow
from dala.tenancy import context
from dala_scheduling.day import Day, build_day, to_changes
from dala_scheduling.planning.planner import plan, schedule
from dala_scheduling.planning.problem import Break
from dala_scheduling.planning.travel import HaversineTravel
from tests.scheduling.helpers import ALL_DAY, ALMATY, API, at, job, move, next_weekday, technician
from tests.scheduling.planning_check import violations
from tests.support import work
from tests.support.world import TenantWorld, World, call

TRAVEL = HaversineTravel(30 / 3.6)


def _day(app: Flask, t: TenantWorld, day: Any, now: datetime | None = None) -> Day:
    with app.app_context(), context.tenant_scope(t.tenant_id):
        built = build_day(get_session(), t.main, day, TRAVEL, now=now)
        # Read what the assertions need while the session is open.
        for job_row in built.jobs.values():
            _ = job_row.technician_ids, job_row.number
        return built


def test_shifts_breaks_time_off_skills_windows_and_pins(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    day = next_weekday()
    hvac = work.skill(client, t, "HVAC")["id"]
    expert = technician(client, t, "technician", [{"skill_id": hvac, "level": 4}])
    junior = technician(client, t, "dispatcher", [{"skill_id": hvac, "level": 2}])
    away = technician(client, t, "viewer")
    late = technician(client, t, "branch_admin")
    for who, start, end in ((away, at(day, 0), at(day, 23)), (late, at(day, 8), at(day, 11))):
        body = {"starts_at": start.isoformat(), "ends_at": end.isoformat(), "reason": "sick"}
        work.made(client, t, f"/technicians/{who['id']}/time-off", body)
    planned = job(client, t, start=at(day, 10), technician_id=expert["id"], minutes=90)
    queued = job(
        client,
        t,
        required_skills=[{"skill_id": hvac, "min_level": 3}],
        window_start=at(day, 14).isoformat(),
        window_end=at(day, 16).isoformat(),
    )
    pinned = job(client, t, start=at(day, 15), technician_id=junior["id"])
    r = call(client, "POST", f"{API}/scheduling/jobs/{pinned['id']}/pin", t["owner"])
    assert r.status_code in (200, 201), r.json
    other_day = job(client, t, start=at(day + timedelta(days=1), 10), technician_id=expert["id"])

    built = _day(app, t, day)

    # Local midnight in Almaty is the previous evening in UTC.
    assert built.origin == datetime.combine(day, datetime.min.time(), built.zone).astimezone(UTC)
    resources = {r.id: r for r in built.problem.resources}
    assert set(resources) == {expert["id"], junior["id"], late["id"]}
    assert built.absent[away["id"]] == "time_off"
    e = resources[expert["id"]]
    assert (e.shift_start, e.shift_end) == (9 * 3600, 18 * 3600)
    # Lunch at 13:00 for an hour, which the planner may move an hour either way.
    assert e.breaks == (Break(12 * 3600, 14 * 3600, 3600),)
    assert e.start_location == (43.24, 76.9)
    assert resources[late["id"]].shift_start == 11 * 3600
    assert f"{hvac}:4" in e.skills and f"{hvac}:1" in e.skills
    assert f"{hvac}:3" not in resources[junior["id"]].skills

    tasks = {task.id: task for task in built.problem.tasks}
    assert set(tasks) == {planned["id"], queued["id"], pinned["id"]}
    assert other_day["id"] not in tasks
    assert tasks[queued["id"]].skills == frozenset({f"{hvac}:3"})
    assert tasks[queued["id"]].window == (14 * 3600, 16 * 3600)
    assert tasks[planned["id"]].duration == 90 * 60
    assert tasks[pinned["id"]].pinned_to == junior["id"]
    assert tasks[pinned["id"]].window == (15 * 3600, 15 * 3600)
    assert built.problem.current == {expert["id"]: (planned["id"],), junior["id"]: (pinned["id"],)}

    # The plan in force read back keeps everyone's technician (the planner times jobs
    # without a window as early as it can); moving the queued job to the expert assigns it.
    current = schedule(built.problem, built.problem.current)
    kept = {c.job_id: c.technician_ids for c in to_changes(built, current)}
    assert set(kept.values()) <= {(uuid.UUID(expert["id"]),)}
    moved = schedule(
        built.problem,
        {expert["id"]: (planned["id"], queued["id"]), junior["id"]: (pinned["id"],)},
    )
    (change,) = [c for c in to_changes(built, moved) if c.job_id == uuid.UUID(queued["id"])]
    assert change.job_id == uuid.UUID(queued["id"])
    assert change.technician_ids == (uuid.UUID(expert["id"]),)
    assert change.scheduled_start == at(day, 14)
    assert change.scheduled_end == at(day, 15)


def test_work_under_way_moves_the_start_of_the_rest_of_the_day(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    tech = technician(client, t, "technician", working_hours=ALL_DAY)
    now = utcnow()
    started = job(client, t, start=now - timedelta(minutes=30), technician_id=tech["id"])
    move(client, t, started["id"], "dispatched", "en_route", "on_site")
    later = job(client, t, start=now + timedelta(hours=2), technician_id=tech["id"])
    today = now.astimezone(ALMATY).date()
    built = _day(app, t, today, now=now)
    (resource,) = built.problem.resources
    assert [task.id for task in built.problem.tasks] == [later["id"]]
    assert resource.start_location == (43.2389, 76.8897)  # the site being worked on
    # On site for an hour's job: free about an hour after arriving, not before now.
    assert resource.shift_start >= built.seconds(now)
    assert resource.shift_start >= built.seconds(now) + 50 * 60


def test_the_day_loads_in_a_fixed_number_of_queries(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    day = next_weekday()
    hvac = work.skill(client, t, "HVAC")["id"]

    def count() -> int:
        statements: list[str] = []
        engine = database(app).engine

        def seen(*_args: Any) -> None:
            statements.append("q")

        event.listen(engine, "before_cursor_execute", seen)
        try:
            _day(app, t, day)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        return len(statements)

    tech = technician(client, t, "technician", [{"skill_id": hvac, "level": 3}])
    job(client, t, start=at(day, 10), technician_id=tech["id"])
    small = count()
    for role in ("dispatcher", "viewer", "branch_admin"):
        more = technician(client, t, role, [{"skill_id": hvac, "level": 2}])
        for hour in (9, 11, 15):
            job(client, t, start=at(day, hour), technician_id=more["id"])
        job(client, t)
    assert count() == small


def test_a_job_pinned_at_the_start_of_the_shift_is_placed_at_its_time(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    day = next_weekday()
    tech = technician(client, t, "technician")  # 09:00-13:00 and 14:00-18:00
    other = technician(client, t, "dispatcher")
    pinned = job(client, t, start=at(day, 9), technician_id=tech["id"])
    r = call(client, "POST", f"{API}/scheduling/jobs/{pinned['id']}/pin", t["owner"])
    assert r.status_code in (200, 201), r.json
    queued = [job(client, t, minutes=45) for _ in range(3)]

    built = _day(app, t, day)
    resources = {r.id: r for r in built.problem.resources}
    task = built.task(pinned["id"])
    assert task is not None
    home, site = resources[tech["id"]].start_location, task.location
    drive = TRAVEL.durations([home, site])[0][1]
    assert drive > 0
    # The pinned technician leaves home in time for it; nobody else's day moves.
    assert resources[tech["id"]].shift_start == 9 * 3600 - drive
    assert resources[other["id"]].shift_start == 9 * 3600

    found = plan(built.problem, seconds=0.3)
    assert found.unassigned == ()
    assert violations(built.problem, found) == []
    (route,) = [r for r in found.routes if any(v.task_id == pinned["id"] for v in r.visits)]
    assert route.resource_id == tech["id"]
    (visit,) = [v for v in route.visits if v.task_id == pinned["id"]]
    assert visit.start == 9 * 3600
    placed = {v.task_id for r in found.routes for v in r.visits}
    assert placed == {pinned["id"], *(q["id"] for q in queued)}
    # Applied, the job keeps exactly its time and technician.
    assert all(c.job_id != uuid.UUID(pinned["id"]) for c in to_changes(built, found))


def test_a_break_moves_within_an_hour_and_stays_inside_the_shift() -> None:
    from dala_scheduling.day import _lunch

    assert _lunch(13 * 3600, 14 * 3600, 9 * 3600, 18 * 3600) == Break(12 * 3600, 14 * 3600, 3600)
    # A shift from 12:30: the break cannot start before it, nor end after the shift.
    assert _lunch(13 * 3600, 14 * 3600, 12 * 3600 + 1800, 14 * 3600 + 1800) == Break(
        12 * 3600 + 1800, 13 * 3600 + 1800, 3600
    )
