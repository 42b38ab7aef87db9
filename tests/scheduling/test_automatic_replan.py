"""What re-plans a day without a dispatcher asking: jobs running over, checked every minute
across companies, and a waiting job that becomes an emergency."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from dala.db import get_session, utcnow
from dala.events.task_queue import queue_of
from dala.tenancy import context
from dala.tenancy.models import Tenant, TenantStatus
from dala_scheduling.models import PlanRun, PlanTrigger
from dala_scheduling.replan import companies_with_overruns
from dala_scheduling.tasks import overruns_every_minute
from tests.conftest import TestDatabase
from tests.scheduling.helpers import ALL_DAY, ALMATY, API, job, move, technician
from tests.support.worker import WorkerProcess
from tests.support.world import TenantWorld, World, call

OVERRUN_TASK = "dala_scheduling.tasks.overruns_every_minute"


@pytest.fixture(autouse=True)
def _quick_plans(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "SCHEDULING_PLAN_SECONDS", 0.3)


def runs(app: Flask, t: TenantWorld, trigger: PlanTrigger) -> list[PlanRun]:
    with app.app_context(), context.tenant_scope(t.tenant_id):
        return list(
            get_session().scalars(
                select(PlanRun).where(PlanRun.branch_id == t.main, PlanRun.trigger == trigger)
            )
        )


def on_site(client: FlaskClient, t: TenantWorld, since_hours: float) -> str:
    """A technician on site at an hour's job that started ``since_hours`` ago; another
    job of theirs later today."""
    tech = technician(client, t, "technician", working_hours=ALL_DAY)
    now = utcnow()
    started = job(client, t, start=now - timedelta(hours=since_hours), technician_id=tech["id"])
    move(client, t, started["id"], "dispatched", "en_route", "on_site")
    job(client, t, start=now + timedelta(hours=2), technician_id=tech["id"])
    return str(started["id"])


def set_status(app: Flask, t: TenantWorld, status: TenantStatus) -> None:
    with app.app_context(), context.tenant_scope(t.tenant_id):
        session = get_session()
        tenant = session.get(Tenant, t.tenant_id)
        assert tenant is not None
        tenant.status = status
        session.commit()


def test_every_minute_only_companies_with_a_job_running_over_re_plan_once(
    app: Flask, client: FlaskClient, world: World
) -> None:
    a, b = world.a, world.b
    on_site(client, a, since_hours=3)  # an hour's job, three hours on site
    on_site(client, b, since_hours=0.25)  # on site, within its hour
    with app.app_context():
        late = companies_with_overruns(get_session(), utcnow())
    assert a.tenant_id in late and b.tenant_id not in late

    for _minute in range(2):
        with app.app_context():
            overruns_every_minute.func()
    (run,) = runs(app, a, PlanTrigger.OVERRUN)
    assert run.status.value == "proposed"
    assert runs(app, b, PlanTrigger.OVERRUN) == []


def test_a_company_not_in_use_is_not_checked(app: Flask, client: FlaskClient, world: World) -> None:
    b = world.b
    on_site(client, b, since_hours=3)
    set_status(app, b, TenantStatus.SUSPENDED)
    try:
        with app.app_context():
            assert b.tenant_id not in companies_with_overruns(get_session(), utcnow())
            overruns_every_minute.func()
        assert runs(app, b, PlanTrigger.OVERRUN) == []
    finally:
        set_status(app, b, TenantStatus.ACTIVE)


def test_a_branch_without_scheduling_is_not_re_planned(
    app: Flask, client: FlaskClient, world: World
) -> None:
    a = world.a
    on_site(client, a, since_hours=3)
    off = {"branch_id": str(a.main), "enabled": False}
    r = call(client, "PATCH", f"{API}/modules/dala_scheduling", a["owner"], json=off)
    assert r.status_code == 200, r.json
    with app.app_context():
        assert a.tenant_id not in companies_with_overruns(get_session(), utcnow())


def test_dala_worker_starts_the_overrun_check_every_minute(
    app: Flask, database: TestDatabase, tmp_path: Path
) -> None:
    # In the app: a consumer's Huey lists it as due at any minute.
    queue = queue_of(app)
    queue.register_periodic()
    due = {task.name for task in queue.huey.read_periodic(utcnow().replace(minute=17))}
    assert OVERRUN_TASK in due
    # A real worker names it among the periodic tasks its consumer starts.
    storage = {
        "TASKS_URL": f"sqlite:///{tmp_path / 'tasks.db'}",
        "TASKS_NAME": f"dala-test-{uuid.uuid4().hex[:8]}",
    }
    worker = WorkerProcess(database, storage, tmp_path / "worker.log", imports=())
    try:
        deadline = time.monotonic() + 30
        while "periodic:" not in worker.log.read_text(errors="replace"):
            assert worker.process.poll() is None, worker.tail()
            assert time.monotonic() < deadline, worker.tail()
            time.sleep(0.1)
        (line,) = [x for x in worker.tail().splitlines() if "periodic:" in x]
        assert OVERRUN_TASK in [n.strip() for n in line.split("periodic:", 1)[1].split(",")]
    finally:
        worker.stop()


def test_a_waiting_job_that_becomes_an_emergency_re_plans_today(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    technician(client, t, "technician", working_hours=ALL_DAY)
    waiting = job(client, t, priority="normal")
    url = f"{API}/jobs/{waiting['id']}"
    assert runs(app, t, PlanTrigger.EMERGENCY) == []

    r = call(client, "PATCH", url, t["owner"], json={"title": "Gas smell in the kitchen"})
    assert r.status_code == 200, r.json
    assert runs(app, t, PlanTrigger.EMERGENCY) == []

    r = call(client, "PATCH", url, t["owner"], json={"priority": "emergency"})
    assert r.status_code == 200, r.json
    (run,) = runs(app, t, PlanTrigger.EMERGENCY)
    assert run.day == utcnow().astimezone(ALMATY).date()
    placed = {v["job_id"] for route in run.proposal["routes"] for v in route["jobs"]}
    assert waiting["id"] in placed

    # Already an emergency: a change of anything else starts nothing more.
    r = call(client, "PATCH", url, t["owner"], json={"duration_minutes": 30})
    assert r.status_code == 200, r.json
    assert len(runs(app, t, PlanTrigger.EMERGENCY)) == 1


def test_an_assigned_job_that_becomes_an_emergency_re_plans_nothing(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    tech = technician(client, t, "technician", working_hours=ALL_DAY)
    held = job(client, t, start=utcnow() + timedelta(hours=1), technician_id=tech["id"])
    url = f"{API}/jobs/{held['id']}"
    r = call(client, "PATCH", url, t["owner"], json={"priority": "emergency"})
    assert r.status_code == 200, r.json
    assert runs(app, t, PlanTrigger.EMERGENCY) == []
