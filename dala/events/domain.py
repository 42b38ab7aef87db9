"""Domain events: recorded on the session during a change, delivered after it commits.

Services call :func:`publish`; nothing is delivered if the transaction rolls
back, and plug-ins never see a change that did not happen. Events carry ids and
plain values, never ORM objects, so a receiver can outlive the session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from dala.db import on_commit
from dala.tenancy import context


@dataclass(frozen=True)
class JobEvent:
    """Something happened to a job: which one, in which company and branch, by whom."""

    tenant_id: uuid.UUID
    branch_id: uuid.UUID
    job_id: uuid.UUID
    number: int
    at: datetime
    user_id: uuid.UUID | None
    source: str  # web, app, api or system


@dataclass(frozen=True)
class JobCreated(JobEvent):
    status: str = "draft"


@dataclass(frozen=True)
class JobScheduled(JobEvent):
    """The planned start or end changed (``None`` when the plan was taken away)."""

    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None


@dataclass(frozen=True)
class JobAssigned(JobEvent):
    """The assigned technicians changed; ``technician_ids`` is the new set, lead first."""

    technician_ids: tuple[uuid.UUID, ...] = ()
    added: tuple[uuid.UUID, ...] = ()
    removed: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class JobStatusChanged(JobEvent):
    from_status: str | None = None
    to_status: str = "draft"
    reason: str | None = field(default=None, repr=False)  # may hold customer details


def publish(session: Session, evt: JobEvent) -> None:
    """Deliver ``evt`` to plug-ins once the session's transaction commits."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def deliver() -> None:
        from dala.modules.host import hooks

        with app.app_context(), context.tenant_scope(evt.tenant_id, evt.branch_id):
            facade = hooks(app)
            facade.job_event(evt, facade.enabled_in(evt.branch_id))

    on_commit(session, deliver)
