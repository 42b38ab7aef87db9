"""The overrun check runs once at a time across workers: a copy due while another worker runs
it is skipped (Huey's lock in the shared task storage), on SQLite and on Redis storage."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from huey.api import Task
from sqlalchemy.orm import Session

from dala import create_app
from dala.events.periodic import SKIPPED
from dala.events.task_queue import TaskQueue, queue_of
from dala_scheduling import replan
from tests.conftest import TestDatabase, app_config
from tests.support.mailbox import Mailbox

OVERRUN_TASK = "dala_scheduling.tasks.overruns_every_minute"
# A db of its own, flushed before and after: nothing else of the suite lives there.
REDIS_URL = os.environ.get("DALA_TEST_LOCK_REDIS_URL", "redis://127.0.0.1:6379/12")
WAIT = 10.0


@pytest.fixture(params=["sqlite", "redis"])
def web(
    request: pytest.FixtureRequest,
    app: Flask,
    database: TestDatabase,
    mailbox: Mailbox,
    tmp_path: Path,
) -> Iterator[Flask]:
    """An app that enqueues to real task storage, as the workers sharing it see it (the
    session's ``app`` has migrated the database)."""
    storage: dict[str, Any] = {"TASKS_NAME": f"dala-test-{uuid.uuid4().hex[:8]}"}
    client = None
    if request.param == "sqlite":
        storage["TASKS_URL"] = f"sqlite:///{tmp_path / 'tasks.db'}"
    else:
        client = redis.Redis.from_url(REDIS_URL)
        client.flushdb()
        storage["TASKS_URL"] = REDIS_URL
    queued = create_app(
        app_config(database, mailbox, TASKS_IMMEDIATE=False, LIVE_URL="memory://", **storage)
    )
    try:
        yield queued
    finally:
        queued.extensions["dala.db"].engine.dispose()
        if client is not None:
            client.flushdb()
            client.close()


def _due(queue: TaskQueue) -> Task:
    """A fresh copy of the overrun check, as a worker's scheduler enqueues it each minute."""
    queue.register_periodic()
    (task,) = [t for t in queue.huey.read_periodic(None) if t.name == OVERRUN_TASK]
    return task


def test_a_second_copy_is_skipped_while_one_runs(
    web: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = queue_of(web)
    inside, release = threading.Event(), threading.Event()
    real = replan.companies_with_overruns

    def held(session: Session, now: Any) -> Any:
        # The first copy stays inside its run until the second has tried.
        inside.set()
        assert release.wait(WAIT)
        return real(session, now)

    monkeypatch.setattr(replan, "companies_with_overruns", held)
    results: dict[str, Any] = {}

    def worker(key: str) -> None:
        results[key] = queue.huey.execute(_due(queue))

    first = threading.Thread(target=worker, args=("first",))
    first.start()
    try:
        assert inside.wait(WAIT)
        assert queue.huey.is_locked(OVERRUN_TASK)  # held in the storage the workers share
        second = threading.Thread(target=worker, args=("second",))
        second.start()
        second.join(WAIT)
        assert not second.is_alive()  # skipped at once, neither waiting nor queued again
        assert results["second"] == SKIPPED
        assert first.is_alive() and "first" not in results
    finally:
        release.set()
        first.join(WAIT)
    assert "companies" in results["first"]
    assert not queue.huey.is_locked(OVERRUN_TASK)
    # The skipped copy is neither retried nor queued again. (The run itself may have queued
    # per-company checks: the suite's shared database holds other tests' overrunning jobs.)
    waiting = [t.name for t in (*queue.huey.pending(), *queue.huey.scheduled())]
    assert OVERRUN_TASK not in waiting
    # The lock is free again: the next minute's copy runs.
    assert "companies" in queue.huey.execute(_due(queue))


def test_a_failing_run_frees_the_lock(web: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    queue = queue_of(web)

    def broken(session: Session, now: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(replan, "companies_with_overruns", broken)
    assert queue.huey.execute(_due(queue)) is None  # Huey logs the error
    assert not queue.huey.is_locked(OVERRUN_TASK)


def test_a_starting_worker_clears_a_lock_left_by_a_dead_one(web: Flask) -> None:
    queue = queue_of(web)
    queue.register_periodic()
    queue.huey.lock_task(OVERRUN_TASK).acquire()  # a worker killed mid-run left it
    assert queue.huey.execute(_due(queue)) == SKIPPED
    queue.consumer(1)
    assert not queue.huey.is_locked(OVERRUN_TASK)
    assert "companies" in queue.huey.execute(_due(queue))
