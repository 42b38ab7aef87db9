"""Putting scheduling's decisions on jobs through core's job services, and auditing them.

Every change goes through :func:`dala.work.jobs.update_job` and
:func:`dala.work.jobs.transition`, so versions (ETags), events, plug-in hooks
and the technicians' phones see a plan's change exactly as a dispatcher's drag.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from dala.audit.models import AuditEvent
from dala.db import utcnow
from dala.work import jobs
from dala.work.job_models import Job, JobStatus
from dala_scheduling.day import Change


def apply_change(session: Session, job: Job, change: Change, actor: jobs.Actor) -> None:
    """Give ``job`` the change's technicians and times (none: back to the queue).

    A draft that gets a time becomes ``scheduled``; a dispatched job that loses
    its technician is recalled to ``scheduled`` first, as core requires.
    """
    if not change.technician_ids:
        if job.status == JobStatus.DISPATCHED:
            jobs.transition(session, job, JobStatus.SCHEDULED, actor)
        jobs.update_job(session, job, {"technician_ids": []}, actor)
        return
    data: dict[str, Any] = {"technician_ids": list(change.technician_ids)}
    if change.scheduled_start is not None:
        data["scheduled_start"] = change.scheduled_start
        data["scheduled_end"] = change.scheduled_end
    jobs.update_job(session, job, data, actor)
    if job.status == JobStatus.DRAFT and job.scheduled_start is not None:
        jobs.transition(session, job, JobStatus.SCHEDULED, actor)


def audit(
    session: Session,
    actor: jobs.Actor,
    target_type: str,
    target_id: uuid.UUID,
    after: dict[str, Any],
) -> None:
    """One audit entry for a scheduling decision (an assignment, a plan applied)."""
    session.add(
        AuditEvent(
            id=uuid.uuid4(),
            at=utcnow(),
            user_id=actor.user_id,
            source=actor.source.value,
            actor=None,
            action="updated",
            target_type=target_type,
            target_id=str(target_id),
            changes={"before": {}, "after": after},
        )
    )
