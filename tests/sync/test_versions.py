"""Change versions for sync: stamped in the writing transaction, per company, in order;
technicians who lose a job get a revocation at the version they lost it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from dala.db import get_session
from dala.sync.models import SyncRevocation
from dala.tenancy import context
from dala.tenancy.models import Tenant
from dala.work.job_models import Job
from tests.support import work
from tests.support.world import TenantWorld, World, call

API = "/api/v1"


def _versions(app: Flask, t: TenantWorld, *job_ids: str) -> tuple[int, list[int]]:
    """(the company's last version, each job's version)."""
    with app.app_context(), context.tenant_scope(t.tenant_id):
        db = get_session()
        seq = db.scalar(select(Tenant.sync_seq).where(Tenant.id == t.tenant_id))
        jobs = {
            j.id: j.sync_version
            for j in db.scalars(select(Job).where(Job.id.in_([uuid.UUID(i) for i in job_ids])))
        }
        return int(seq or 0), [jobs[uuid.UUID(i)] for i in job_ids]


def _revocations(app: Flask, t: TenantWorld) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    with app.app_context(), context.tenant_scope(t.tenant_id):
        rows = get_session().scalars(select(SyncRevocation).order_by(SyncRevocation.version))
        return [(r.user_id, r.job_id, r.version) for r in rows]


def _patch(client: FlaskClient, t: TenantWorld, url: str, body: dict[str, Any]) -> Any:
    r = call(client, "PATCH", f"{API}{url}", t["owner"], json=body)
    assert r.status_code == 200, r.json
    return r.json


def _cancel(client: FlaskClient, t: TenantWorld, job_id: str) -> None:
    url = f"{API}/jobs/{job_id}/transitions"
    assert call(client, "POST", url, t["owner"], json={"to": "cancelled"}).status_code == 201


def test_a_change_to_a_job_or_what_is_on_it_takes_the_next_version(
    client: FlaskClient, world: World, app: Flask
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)
    other = work.scheduled_job(client, t)
    seq, (v_job, v_other) = _versions(app, t, job["id"], other["id"])
    assert 0 < v_job < v_other == seq

    item = call(client, "GET", f"{API}/jobs/{job['id']}/checklist", t["owner"]).json
    _patch(client, t, f"/jobs/{job['id']}", {"title": "AC leaking"})
    seq2, (v_job2, v_other2) = _versions(app, t, job["id"], other["id"])
    assert v_job2 == seq2 > seq and v_other2 == v_other  # only the job changed moves
    assert item is not None

    r = call(
        client, "POST", f"{API}/jobs/{job['id']}/transitions", t["owner"], json={"to": "dispatched"}
    )
    assert r.status_code == 201, r.json
    seq3, (v_job3,) = _versions(app, t, job["id"])
    assert v_job3 == seq3 > seq2


def test_a_site_change_moves_its_open_jobs_only(
    client: FlaskClient, world: World, app: Flask
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)
    seq, (before,) = _versions(app, t, job["id"])
    _patch(client, t, f"/sites/{job['site_id']}", {"access_notes": "Код 4411"})
    seq2, (after,) = _versions(app, t, job["id"])
    assert after == seq2 > seq >= before
    _cancel(client, t, job["id"])
    _seq, (cancelled,) = _versions(app, t, job["id"])
    _patch(client, t, f"/sites/{job['site_id']}", {"access_notes": "Код 5522"})
    assert _versions(app, t, job["id"])[1] == [cancelled]  # closed jobs stay where they were


def test_losing_a_job_records_a_revocation_for_the_technician(
    client: FlaskClient, world: World, app: Flask
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)  # assigned to world.a["technician"]
    tech_user = t["technician"].user_id
    other_tech = work.technician(client, t, "dispatcher")
    _patch(client, t, f"/jobs/{job['id']}", {"technician_ids": [other_tech["id"]]})
    seq, _ = _versions(app, t, job["id"])
    lost = [(u, j) for u, j, v in _revocations(app, t) if 0 < v <= seq]
    assert lost == [(tech_user, uuid.UUID(job["id"]))]

    doomed = work.scheduled_job(client, t)
    _cancel(client, t, doomed["id"])
    r = call(client, "DELETE", f"{API}/jobs/{doomed['id']}", t["owner"])
    assert r.status_code == 204, r.json
    assert any(
        user == tech_user and job_id == uuid.UUID(doomed["id"])
        for user, job_id, _v in _revocations(app, t)
    )
    assert _revocations(app, world.b) == []  # nothing written to the other company


def test_a_rolled_back_change_takes_no_version(
    client: FlaskClient, world: World, app: Flask
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)
    seq, (version,) = _versions(app, t, job["id"])
    with app.app_context(), context.tenant_scope(t.tenant_id):
        db = get_session()
        row = db.get(Job, (t.tenant_id, uuid.UUID(job["id"])))
        assert row is not None
        row.title = "Never saved"
        db.flush()
        db.rollback()
    assert _versions(app, t, job["id"]) == (seq, [version])
