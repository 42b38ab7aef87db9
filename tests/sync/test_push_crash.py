"""A server killed in the middle of a push keeps nothing of the batch; the same batch sent
again applies every mutation exactly once, and once more changes nothing.

The server is a real process (``tests.support.server``, restarted on the same port) on
the test database: the SQLite file on the SQLite pass, the PostgreSQL test database on
the PostgreSQL pass. The fault-injection
switch ``DALA_SYNC_CRASH_AFTER`` makes it SIGKILL itself after applying that many
mutations of a batch, before the commit, as a power cut or an OOM kill would.
"""

from __future__ import annotations

import http.client
import json
import signal
import urllib.error
import urllib.request
import uuid
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
from tests.conftest import TestDatabase
from tests.support.server import ServerProcess
from tests.support.world import TenantWorld, World
from tests.sync.push_support import Phone, dispatched_job, get, tenant_db


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

    with ServerProcess(database, tmp_path / "server.log") as server:
        server.start(SYNC_CRASH_AFTER="4")
        with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
            _push(server.url, phone, sent)
        assert server.wait() == -signal.SIGKILL
        assert _state(app, t, phone, jobs) == before  # not one mutation of the batch, no client
        assert get(client, t, f"/jobs/{j}")["status"] == "dispatched"

        server.start()
        first = _push(server.url, phone, sent)
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

        again = _push(server.url, phone, sent)
        assert again["results"] == [r | {"replayed": True} for r in first["results"]]
        assert again["last_mutation_id"] == first["last_mutation_id"] == sent[-1]["id"]
        assert _state(app, t, phone, jobs) == applied
