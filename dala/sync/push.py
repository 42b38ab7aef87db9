"""Push: a phone's batch of mutations, each applied once ever, all in one transaction.

The phone numbers its mutations 1, 2, 3, ...; the server remembers per client
the last id it took and the outcome of each (``SyncMutation``), so a batch sent
again answers as it did and changes nothing. Each new mutation runs in a
savepoint: one that is refused is undone alone and recorded as rejected, and
the queue behind it goes on. The caller commits once, at the end: a crash or a
lost connection before that leaves nothing of the batch, and the phone sends
it again.
"""

from __future__ import annotations

import os
import signal
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.auth.guard import Principal
from dala.db import utcnow
from dala.errors import Conflict, DalaError, Forbidden, NotFound, TooLarge, ValidationFailed
from dala.events.domain import checkpoint
from dala.sync import conflicts, mutations
from dala.sync.models import MutationStatus, SyncClient, SyncMutation
from dala.work import jobs
from dala.work.job_models import Job, Source
from dala.work.technicians import technician_of_user

#: The protocol versions this server speaks (``schema_version`` of a push).
SCHEMA_VERSIONS = (1,)
MAX_MUTATIONS = 200
_MESSAGE_LENGTH = 500  # SyncMutation.message


def check_envelope(data: dict[str, Any]) -> None:
    """Refuse a batch this server cannot take at all (nothing is applied)."""
    if data["schema_version"] not in SCHEMA_VERSIONS:
        message = _("This version of the sync protocol is not supported; update the app.")
        raise Conflict(message, errors={"supported": list(SCHEMA_VERSIONS)})
    if len(data["mutations"]) > MAX_MUTATIONS:
        raise TooLarge(
            _("Send at most %(count)s mutations at a time.", count=MAX_MUTATIONS),
            errors={"mutations": [_("Too many.")]},
        )


def client_of(session: Session, principal: Principal, data: dict[str, Any]) -> SyncClient:
    """The client, registered to the user on its first push; locked until the commit so
    two pushes from one client (a retry while the first still runs) take turns."""
    client = session.scalars(
        select(SyncClient).where(SyncClient.id == data["client_id"]).with_for_update()
    ).one_or_none()
    if client is None:
        client = SyncClient(
            id=data["client_id"],
            client_group_id=data["client_group_id"],
            user_id=principal.user.id,
            last_mutation_id=0,
        )
        session.add(client)
        session.flush()
        return client
    if client.user_id != principal.user.id:
        raise NotFound(_("Sync client not found."))
    if client.client_group_id != data["client_group_id"]:
        message = _("This client belongs to another client group.")
        raise ValidationFailed(message, errors={"client_group_id": [message]})
    return client


@dataclass
class Outcome:
    status: MutationStatus
    code: str | None = None
    message: str | None = None
    job_id: uuid.UUID | None = None
    conflict_id: uuid.UUID | None = None


def _code(error: DalaError) -> str:
    if isinstance(error, Conflict) and "allowed" in error.errors:
        return "illegal_transition"
    if type(error) is Conflict:
        return "not_allowed"  # "conflict" would read like the status of the same name
    return error.code


class _Batch:
    """One push: the technician as the mutations' author, and the jobs met so far."""

    def __init__(self, session: Session, principal: Principal, client: SyncClient) -> None:
        self.session = session
        self.client = client
        technician = technician_of_user(session, principal.user.id)
        self.worker = mutations.Worker(
            principal.user.id,
            technician.id if technician else None,
            jobs.Actor(principal.user.id, Source.APP),
            principal,
        )
        self.now = utcnow()
        self.jobs: dict[uuid.UUID, Job] = {}
        self.taken: list[SyncMutation] = []

    def job(self, job_id: uuid.UUID) -> Job:
        if job_id not in self.jobs:
            self.jobs[job_id] = jobs.get_job(self.session, job_id)
        return self.jobs[job_id]

    def apply(self, raw: dict[str, Any], outcome: Outcome) -> None:
        """Apply one mutation or keep it with a conflict; refusals raise DalaError."""
        mutation, args = mutations.parse(raw["name"], raw.get("args", {}))
        phone_time = mutations.parse_time(raw["client_ts"])
        outcome.job_id = args["job_id"]
        job = self.job(args["job_id"])
        user_id = self.worker.user_id
        try:
            mutation.check_access(self.session, self.worker, job)
            kind = conflicts.office_stop(self.session, job, user_id)
        except (NotFound, Forbidden):
            if not conflicts.lost(self.session, user_id, job.id):
                raise
            kind = conflicts.REASSIGNED
        if kind is not None:
            entry = mutations.to_json(raw["id"], raw["name"], raw.get("args", {}), phone_time)
            conflict = conflicts.hold(
                self.session, job, kind=kind, user_id=user_id, client_id=self.client.id, entry=entry
            )
            outcome.status, outcome.conflict_id = MutationStatus.CONFLICT, conflict.id
            return
        mutation.apply(self.session, self.worker, job, args, mutations.Clock(self.now), phone_time)

    def take(self, raw: dict[str, Any]) -> Outcome:
        outcome = Outcome(MutationStatus.APPLIED)
        undo_events = checkpoint(self.session)
        try:
            with self.session.begin_nested():
                self.apply(raw, outcome)
        except DalaError as error:
            undo_events()
            outcome.status, outcome.conflict_id = MutationStatus.REJECTED, None
            outcome.code, outcome.message = _code(error), error.message[:_MESSAGE_LENGTH]
        self.taken.append(
            SyncMutation(
                client_id=self.client.id,
                mutation_id=raw["id"],
                name=raw["name"],
                status=outcome.status,
                code=outcome.code,
                message=outcome.message,
                job_id=outcome.job_id,
                conflict_id=outcome.conflict_id,
                received_at=self.now,
            )
        )
        return outcome

    def record(self) -> None:
        """The outcomes and the client's last id, written together at the end: the batch
        commits as one, so they become visible with its changes, never before."""
        self.session.add_all(self.taken)
        if self.taken:
            self.client.last_mutation_id = self.taken[-1].mutation_id
        self.client.last_seen_at = self.now
        self.session.flush()


def _result(mutation_id: int, outcome: Outcome | SyncMutation, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"id": mutation_id, "status": outcome.status.value}
    for key in ("code", "message", "conflict_id"):
        if getattr(outcome, key) is not None:
            result[key] = getattr(outcome, key)
    return result | extra


def _crash_if_asked(taken: int) -> None:
    """The fault-injection switch ``DALA_SYNC_CRASH_AFTER`` (see ``dala.config``)."""
    limit = int(current_app.config["SYNC_CRASH_AFTER"] or 0)
    if limit and taken >= limit:
        os.kill(os.getpid(), signal.SIGKILL)


def push(session: Session, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Apply a push (``data`` as the API schema loaded it) and answer per mutation.

    Writes through ``session`` without committing: the caller commits once.
    """
    check_envelope(data)
    client = client_of(session, principal, data)
    batch = _Batch(session, principal, client)
    last = client.last_mutation_id
    ids = [m["id"] for m in data["mutations"]]
    recorded = {
        row.mutation_id: row
        for row in session.scalars(
            select(SyncMutation).where(
                SyncMutation.client_id == client.id,
                SyncMutation.mutation_id.in_([i for i in ids if i <= last]),
            )
        )
    }
    results = []
    for raw in data["mutations"]:
        mutation_id = raw["id"]
        if mutation_id > last:
            results.append(_result(mutation_id, batch.take(raw)))
            _crash_if_asked(len(batch.taken))
        elif mutation_id in recorded:
            results.append(_result(mutation_id, recorded[mutation_id], replayed=True))
        else:
            results.append(_skipped(mutation_id, last))
    batch.record()
    return {"last_mutation_id": client.last_mutation_id, "results": results}


def _skipped(mutation_id: int, last: int) -> dict[str, Any]:
    """An id below the last one taken that was never sent before: ids only grow, so the
    server never takes it (a client that reused a counter)."""
    return {
        "id": mutation_id,
        "status": MutationStatus.REJECTED.value,
        "code": "out_of_order",
        "message": _(
            "Mutation ids must grow: this one is not above %(last)s, the last one taken, "
            "and was never applied.",
            last=last,
        ),
    }
