"""Background tasks: run as the company and user that enqueued them, context reset after,
progress and result readable by the company only — at once (immediate mode) and through a
real ``dala worker`` process on SQLite storage and on Redis."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask, g

from dala import create_app
from dala.auth.models import User
from dala.db import get_session
from dala.errors import NoTenantContext, NotFound
from dala.events.task_queue import queue_of
from dala.events.tasks import (
    TaskStatus,
    enqueue,
    enqueue_after_commit,
    report_progress,
    task_status,
)
from dala.tenancy import context
from dala.tenancy.models import Tenant
from dala.tenancy.scoping import get_scoped
from dala.web.services import session_principal
from tests.conftest import TestDatabase, app_config
from tests.events import task_probe
from tests.support.mailbox import Mailbox
from tests.support.worker import WorkerProcess
from tests.support.world import TenantWorld, World

REDIS_URL = os.environ.get("DALA_TEST_TASKS_REDIS_URL", "redis://127.0.0.1:6379/14")
WAIT = 30.0  # generous: includes the worker process starting


def enqueue_as(app: Flask, t: TenantWorld, role: str, task: Any, *args: Any) -> str:
    """Enqueue from a request of ``role`` in ``t``'s main branch, as a view would."""
    with app.test_request_context("/"):
        session = get_session()
        context.activate(t.tenant_id, t.main)
        user = get_scoped(session, User, t[role].user_id)
        tenant = session.get(Tenant, t.tenant_id)
        assert user is not None and tenant is not None
        g.principal = session_principal(session, user, tenant)
        return enqueue(task, *args)


def status_of(app: Flask, t: TenantWorld, task_id: str) -> TaskStatus:
    with app.app_context(), context.tenant_scope(t.tenant_id):
        return task_status(task_id)


def finished(app: Flask, t: TenantWorld, task_id: str, timeout: float = WAIT) -> TaskStatus:
    deadline = time.monotonic() + timeout
    while True:
        status = status_of(app, t, task_id)
        if status.state in ("done", "failed"):
            return status
        assert time.monotonic() < deadline, f"task {task_id} still {status.state}"
        time.sleep(0.05)


def check_ran_as(status: TaskStatus, t: TenantWorld, role: str, tag: str) -> None:
    assert status.state == "done", status
    assert status.result == {
        "tag": tag,
        "tenant": str(t.tenant_id),
        "branch": str(t.main),
        "user": str(t[role].user_id),
        "task": status.id,
        "branches_seen": 2,  # its own company's two, through the tenant-scoped session
    }
    assert status.progress == 1.0 and status.message == "looking around"
    assert status.user_id == t[role].user_id
    assert status.enqueued_at <= status.started_at <= status.finished_at  # type: ignore[operator]


def check_failed_quietly(status: TaskStatus) -> None:
    assert status.state == "failed" and status.error == "ValueError"
    assert status.finished_at is not None
    assert "Алия" not in repr(status)  # the exception's text may hold customer details


# --- immediate mode (the test app's), in this process ----------------------------------------


def test_a_task_runs_as_the_company_branch_and_user_that_enqueued_it(
    app: Flask, world: World
) -> None:
    task_id = enqueue_as(app, world.a, "dispatcher", task_probe.where_am_i, "A")
    check_ran_as(status_of(app, world.a, task_id), world.a, "dispatcher", "A")
    other = enqueue_as(app, world.b, "owner", task_probe.where_am_i, "B")
    check_ran_as(status_of(app, world.b, other), world.b, "owner", "B")


def test_the_enqueuing_context_comes_back_after_a_task_even_a_failing_one(
    app: Flask, world: World
) -> None:
    with app.app_context(), context.tenant_scope(world.a.tenant_id, world.a.other):
        failed = enqueue(task_probe.fail, "x")
        done = enqueue(task_probe.where_am_i, "system")
        assert context.current() == context.TenantContext(world.a.tenant_id, world.a.other)
        check_failed_quietly(task_status(failed))
        result = task_status(done).result
    assert context.current() is None
    assert result["branch"] == str(world.a.other) and result["user"] is None


def test_another_company_cannot_read_a_task(app: Flask, world: World) -> None:
    task_id = enqueue_as(app, world.a, "owner", task_probe.where_am_i, "A")
    with pytest.raises(NotFound):
        status_of(app, world.b, task_id)
    with pytest.raises(NotFound):
        status_of(app, world.a, str(uuid.uuid4()))


def test_a_task_needs_a_company(app: Flask) -> None:
    with app.app_context(), pytest.raises(NoTenantContext):
        enqueue(task_probe.where_am_i, "nobody")


def test_enqueue_after_commit_runs_nothing_on_rollback(app: Flask, world: World) -> None:
    with app.test_request_context("/"), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        dropped = enqueue_after_commit(session, task_probe.where_am_i, "dropped")
        session.rollback()
        kept = enqueue_after_commit(session, task_probe.where_am_i, "kept")
        assert task_status(kept).state == "queued"
        session.commit()
        assert task_status(kept).state == "done"
        assert task_status(dropped).state == "queued"  # never sent to the queue


def test_report_progress_outside_a_task_does_nothing() -> None:
    report_progress(0.5, "nobody listens")


# --- a real worker process --------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "redis"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Task settings for the worker and the web app alike; a queue of this test's own."""
    name = f"dala-test-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        yield {"TASKS_URL": f"sqlite:///{tmp_path / 'tasks.db'}", "TASKS_NAME": name}
        return
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    yield {"TASKS_URL": REDIS_URL, "TASKS_NAME": name}
    # This test's queue, schedule, results and statuses only: other runs may share the db.
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)
    client.close()


def test_a_worker_process_runs_tasks_as_their_company_and_resets_it_after_each(
    database: TestDatabase,
    mailbox: Mailbox,
    world: World,
    storage: dict[str, Any],
    tmp_path: Path,
) -> None:
    web = create_app(
        app_config(database, mailbox, TASKS_IMMEDIATE=False, LIVE_URL="memory://", **storage)
    )
    a, b = world.a, world.b
    ids = {
        "a": enqueue_as(web, a, "dispatcher", task_probe.where_am_i, "A"),
        "fail": enqueue_as(web, a, "owner", task_probe.fail, "A"),
        "b": enqueue_as(web, b, "owner", task_probe.where_am_i, "B"),
        "wait": enqueue_as(web, a, "owner", task_probe.wait_for_go),
    }
    assert status_of(web, a, ids["a"]).state == "queued"
    worker = WorkerProcess(database, {k: str(v) for k, v in storage.items()}, tmp_path / "w.log")
    try:
        started = time.monotonic()
        check_ran_as(finished(web, a, ids["a"]), a, "dispatcher", "A")
        took = time.monotonic() - started
        print(f"\n{storage['TASKS_URL'].split(':')[0]}: first task done {took:.2f} s after start")
        check_failed_quietly(finished(web, a, ids["fail"]))
        check_ran_as(finished(web, b, ids["b"]), b, "owner", "B")
        # The web side reads the progress of a task still running in the worker.
        deadline = time.monotonic() + WAIT
        while (running := status_of(web, a, ids["wait"])).progress != 0.25:
            assert time.monotonic() < deadline, running
            time.sleep(0.05)
        assert (running.state, running.message) == ("running", "waiting for go")
        queue_of(web).huey.put(f"go:{ids['wait']}", True)
        went = finished(web, a, ids["wait"])
        assert (went.state, went.result, went.progress) == ("done", "went", 1.0)
        # After every task, failing or not, the worker thread held no company any more
        # (noted by Huey's post-execute hook, which runs just after the status is written).
        huey = queue_of(web).huey
        deadline = time.monotonic() + WAIT
        while (after := [huey.get(f"after:{ids[k]}", peek=True) for k in ids])[-1] is None:
            assert time.monotonic() < deadline, after
            time.sleep(0.05)
        assert after == ["none"] * 4
    except AssertionError:
        print(worker.tail())
        raise
    finally:
        worker.stop()
        web.extensions["dala.db"].engine.dispose()
