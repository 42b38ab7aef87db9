"""Pinning: a dispatcher fixes a job where it is, and planning leaves it there."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.audit.models import AuditEvent
from dala.db import utcnow
from dala.work.job_models import Job, Source
from dala_scheduling.models import Pin

#: The audit log's name for a pin (its target id is the job's).
AUDIT_TARGET = "dala_scheduling_pin"


def pinned(session: Session, job_id: uuid.UUID) -> Pin | None:
    return session.scalars(select(Pin).where(Pin.job_id == job_id)).one_or_none()


def _audit(
    session: Session, job: Job, action: str, user_id: uuid.UUID | None, source: Source
) -> None:
    # Core's audit recorder covers its own tables; a plug-in records its changes itself,
    # in the same transaction, so a pin that rolls back leaves no entry.
    what = {"job_id": str(job.id), "number": job.number}
    session.add(
        AuditEvent(
            id=uuid.uuid4(),
            at=utcnow(),
            user_id=user_id,
            source=source.value,
            action=action,
            target_type=AUDIT_TARGET,
            target_id=str(job.id),
            changes={
                "before": {} if action == "created" else what,
                "after": what if action == "created" else {},
            },
        )
    )


def pin(session: Session, job: Job, user_id: uuid.UUID | None, source: Source) -> Pin:
    """Pin ``job`` (pinning a pinned job changes nothing and records nothing)."""
    existing = pinned(session, job.id)
    if existing is not None:
        return existing
    record = Pin(job_id=job.id, pinned_by=user_id, pinned_at=utcnow())
    session.add(record)
    _audit(session, job, "created", user_id, source)
    return record


def unpin(session: Session, job: Job, user_id: uuid.UUID | None, source: Source) -> None:
    """Take the pin off ``job`` (a job without one stays as it is)."""
    existing = pinned(session, job.id)
    if existing is None:
        return
    session.delete(existing)
    _audit(session, job, "deleted", user_id, source)
