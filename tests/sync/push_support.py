"""A phone for push tests: its client ids and mutation counter, and jobs ready to work."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dala.db import get_session
from dala.storage import files
from dala.sync.models import SyncBlob
from dala.tenancy import context
from tests.support import work
from tests.support.world import Person, TenantWorld, call

API = "/api/v1"
PUSH = f"{API}/sync/push"


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Phone:
    """One app instance of ``person``: it numbers what it sends 1, 2, 3, ..."""

    def __init__(self, client: FlaskClient, person: Person) -> None:
        self.client = client
        self.person = person
        self.group_id = str(uuid.uuid4())
        self.client_id = str(uuid.uuid4())
        self.counter = 0

    def batch(self, *commands: tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str]) -> Any:
        """Mutations with the next ids; each command is (name, args[, client_ts])."""
        out = []
        for command in commands:
            self.counter += 1
            name, args = command[0], command[1]
            client_ts = command[2] if len(command) > 2 else now_iso()  # type: ignore[misc]
            out.append({"id": self.counter, "name": name, "args": args, "client_ts": client_ts})
        return out

    def body(self, mutations: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "client_group_id": self.group_id,
            "client_id": self.client_id,
            "schema_version": 1,
            "mutations": mutations,
            **extra,
        }

    def push(self, mutations: list[dict[str, Any]], status: int = 200, **extra: Any) -> Any:
        r = call(
            self.client,
            "POST",
            PUSH,
            self.person,
            json=self.body(mutations, **extra),
            headers={"X-Dala-Client": "app"},
        )
        assert r.status_code == status, r.json
        return r.json


def move(client: FlaskClient, t: TenantWorld, job_id: str, to: str, role: str = "owner") -> None:
    r = call(client, "POST", f"{API}/jobs/{job_id}/transitions", t[role], json={"to": to})
    assert r.status_code == 201, r.json


def dispatched_job(
    client: FlaskClient, t: TenantWorld, checklist: tuple[str, ...] = ("Filter", "Pressure")
) -> dict[str, Any]:
    """A job of tomorrow assigned to the world's technician, dispatched, with a checklist."""
    job = work.job(
        client,
        t,
        scheduled_start=work.tomorrow().isoformat(),
        duration_minutes=90,
        technician_ids=[work.technician(client, t)["id"]],
        checklist=list(checklist),
    )
    move(client, t, job["id"], "dispatched")
    return job


def get(client: FlaskClient, t: TenantWorld, url: str, role: str = "owner") -> Any:
    r = call(client, "GET", f"{API}{url}", t[role])
    assert r.status_code == 200, (url, r.json)
    return r.json


@contextmanager
def tenant_db(app: Flask, t: TenantWorld) -> Iterator[Session]:
    """A session in ``t``'s scope, to look at what the API does not show."""
    with app.test_request_context("/"), context.tenant_scope(t.tenant_id):
        yield get_session()


def uploaded(app: Flask, t: TenantWorld, data: bytes, content_type: str = "image/jpeg") -> str:
    """A blob uploaded whole (as ``dala.sync.blobs`` leaves it): its SHA-256."""
    sha256 = hashlib.sha256(data).hexdigest()
    with tenant_db(app, t) as db:
        address = files.put(t.tenant_id, data)
        db.add(
            SyncBlob(
                sha256=sha256,
                size=len(data),
                received=len(data),
                content_type=content_type,
                blob=address,
                uploaded_by=t["technician"].user_id,
            )
        )
        db.commit()
    return sha256
