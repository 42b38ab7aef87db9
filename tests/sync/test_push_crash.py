"""A server killed in the middle of a push keeps nothing of the batch; the same batch sent
again applies every mutation exactly once, and once more changes nothing.

The server is a real process (werkzeug) on the test database: the SQLite file on the
SQLite pass, the PostgreSQL test database on the PostgreSQL pass. The fault-injection
switch ``DALA_SYNC_CRASH_AFTER`` makes it SIGKILL itself after applying that many
mutations of a batch, before the commit, as a power cut or an OOM kill would.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dala.sync.models import SyncClient, SyncMutation
from dala.tenancy.models import Tenant
from dala.work.field_models import JobNote, PartUsage, TimeEntry
from dala.work.job_models import JobTransition
from tests.conftest import FILES_DIR, TEST_MASTER_KEY, TestDatabase
from tests.support.world import TenantWorld, World
from tests.sync.push_support import Phone, dispatched_job, get, tenant_db

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SERVE = (
    "import sys; from dala import create_app; "
    "create_app().run(host=sys.argv[1], port=int(sys.argv[2]), threaded=True, use_reloader=False)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _server(database: TestDatabase, log: Path, **settings: str) -> Iterator[tuple[str, Any]]:
    """The app in a process of its own; yields its base URL and the process."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALA_")}
    env.update(
        {
            "DALA_SECRET_KEY": "crash-test-secret-key-that-is-long-enough",
            "DALA_MASTER_KEY": TEST_MASTER_KEY,
            "DALA_DATABASE_URL": database.app_url,
            "DALA_MIGRATION_DATABASE_URL": database.owner_url,
            "DALA_DB_APP_ROLE": database.app_role,
            "DALA_FILES_DIR": FILES_DIR,
            "DALA_PUBLIC_URL": f"http://{HOST}:{port}",
            "PYTHONUNBUFFERED": "1",
            **{f"DALA_{k}": v for k, v in settings.items()},
        }
    )
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, HOST, str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/api/openapi.json", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


def _push(base: str, phone: Phone, mutations: list[dict[str, Any]]) -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        f"{base}/api/v1/sync/push",
        data=json.dumps(phone.body(mutations)).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {phone.person.token}",
            "X-Dala-Client": "app",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
        return json.loads(response.read())


def _state(app: Flask, t: TenantWorld, phone: Phone, job_ids: list[str]) -> dict[str, Any]:
    """Everything the batch can write, as counts, with the company's change version."""
    jobs = [uuid.UUID(j) for j in job_ids]
    client_id = uuid.UUID(phone.client_id)
    with tenant_db(app, t) as db:

        def count(model: Any, *where: Any) -> int:
            return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        return {
            "clients": count(SyncClient, SyncClient.id == client_id),
            "mutations": count(SyncMutation, SyncMutation.client_id == client_id),
            "notes": count(JobNote, JobNote.job_id.in_(jobs)),
            "parts": count(PartUsage, PartUsage.job_id.in_(jobs)),
            "times": count(TimeEntry, TimeEntry.job_id.in_(jobs)),
            "field_steps": count(
                JobTransition,
                JobTransition.job_id.in_(jobs),
                JobTransition.to_status.in_(["en_route", "on_site", "completed"]),
            ),
            "sync_seq": db.scalar(select(Tenant.sync_seq).where(Tenant.id == t.tenant_id)),
        }


def test_a_crash_mid_push_leaves_nothing_and_the_retry_applies_each_mutation_once(
    app: Flask,
    client: FlaskClient,
    world: World,
    database: TestDatabase,
    tmp_path: Path,
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    other = dispatched_job(client, t)
    item = get(client, t, f"/jobs/{job['id']}/checklist")["items"][0]
    j = job["id"]
    phone = Phone(client, t["technician"])
    sent = phone.batch(
        ("job.en_route", {"job_id": j}),
        ("job.arrive", {"job_id": j}),
        ("checklist.set", {"job_id": j, "item_id": item["id"], "done": True}),
        ("note.add", {"id": str(uuid.uuid4()), "job_id": j, "text": "Replaced the filter"}),
        ("part.use", {"id": str(uuid.uuid4()), "job_id": j, "name": "Filter", "quantity": 1}),
        (
            "time.log",
            {
                "id": str(uuid.uuid4()),
                "job_id": j,
                "kind": "work",
                "started_at": "2026-01-05T09:00:00+05:00",
                "ended_at": "2026-01-05T10:15:00+05:00",
            },
        ),
        ("job.complete", {"job_id": j}),
        ("note.add", {"id": str(uuid.uuid4()), "job_id": other["id"], "text": "Tomorrow 10:00"}),
    )
    jobs = [job["id"], other["id"]]
    before = _state(app, t, phone, jobs)
    log = tmp_path / "server.log"

    with _server(database, log, SYNC_CRASH_AFTER="4") as (base, process):
        with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
            _push(base, phone, sent)
        assert process.wait(timeout=20) == -signal.SIGKILL
    assert _state(app, t, phone, jobs) == before  # not one mutation of the batch, no client
    assert get(client, t, f"/jobs/{j}")["status"] == "dispatched"

    with _server(database, log) as (base, _process):
        first = _push(base, phone, sent)
        assert [r["status"] for r in first["results"]] == ["applied"] * len(sent), first
        applied = _state(app, t, phone, jobs)
        assert applied | {"sync_seq": None} == {
            "clients": 1,
            "mutations": len(sent),
            "notes": 2,
            "parts": 1,
            "times": 1,
            "field_steps": 3,
            "sync_seq": None,
        }
        assert applied["sync_seq"] > before["sync_seq"]
        assert get(client, t, f"/jobs/{j}")["status"] == "completed"
        assert get(client, t, f"/jobs/{j}/checklist")["items"][0]["done"]

        again = _push(base, phone, sent)
        assert again["results"] == [r | {"replayed": True} for r in first["results"]]
        assert again["last_mutation_id"] == first["last_mutation_id"] == sent[-1]["id"]
        assert _state(app, t, phone, jobs) == applied
