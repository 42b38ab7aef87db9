"""Domain events: recorded on the session during a change, delivered after it commits.

Services call :func:`publish`; nothing is delivered if the transaction rolls
back, and plug-ins never see a change that did not happen. Events carry ids and
plain values, never ORM objects, so a receiver can outlive the session.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from dala.db import on_commit, pending_on_commit
from dala.tenancy import context

log = logging.getLogger(__name__)


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
class JobUpdated(JobEvent):
    """Details changed: ``changed`` names the fields (title, description, priority,
    window_start, window_end, duration_minutes, required_skills, site_id, branch_id);
    ``from_branch_id`` is the branch it left when ``branch_id`` is among them."""

    changed: tuple[str, ...] = ()
    priority: str = "normal"
    from_branch_id: uuid.UUID | None = None


@dataclass(frozen=True)
class JobStatusChanged(JobEvent):
    from_status: str | None = None
    to_status: str = "draft"
    reason: str | None = field(default=None, repr=False)  # may hold customer details


class _Delivery:
    """The events of one transaction, delivered after it commits.

    Each event is delivered in an app context of its own scoped to its company;
    which modules are on is looked up once per branch for the whole batch.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.events: list[JobEvent] = []

    def __call__(self) -> None:
        from dala.modules.host import hooks

        self._announce()
        facade = hooks(self.app)
        enabled: dict[tuple[uuid.UUID, uuid.UUID], frozenset[str]] = {}
        for evt in self.events:
            with self.app.app_context(), context.tenant_scope(evt.tenant_id, evt.branch_id):
                key = (evt.tenant_id, evt.branch_id)
                if key not in enabled:
                    enabled[key] = facade.enabled_in(evt.branch_id)
                facade.job_event(evt, enabled[key])

    def _announce(self) -> None:
        """Tell the live streams (dispatch boards) which jobs changed, before plug-ins run."""
        from dala.events import live

        stream = live.broker(self.app)
        for evt in self.events:
            # A job moved to another branch is announced in both: it leaves one board.
            branches = [evt.branch_id]
            if isinstance(evt, JobUpdated) and evt.from_branch_id not in (None, evt.branch_id):
                branches.append(evt.from_branch_id)
            try:
                for branch_id in branches:
                    stream.publish(evt.tenant_id, branch_id, "job.changed", live_data(evt))
            except Exception:
                # The change is saved; a board that missed it catches up on its next load.
                log.exception("job %s: the live update could not be sent", evt.job_id)


_WHAT: dict[type[JobEvent], str] = {
    JobCreated: "created",
    JobScheduled: "scheduled",
    JobAssigned: "assigned",
    JobStatusChanged: "status",
    JobUpdated: "updated",
}


def live_data(evt: JobEvent) -> dict[str, Any]:
    """The live ``job.changed`` message of an event: ids and plain values, nothing a
    customer said (a status change's reason stays out)."""
    data: dict[str, Any] = {
        "job_id": evt.job_id,
        "number": evt.number,
        "branch_id": evt.branch_id,
        "what": _WHAT.get(type(evt), "changed"),
        "at": evt.at.isoformat(),
        "source": evt.source,
    }
    if isinstance(evt, JobCreated):
        data["status"] = evt.status
    elif isinstance(evt, JobStatusChanged):
        data["status"] = evt.to_status
        data["from_status"] = evt.from_status
    elif isinstance(evt, JobScheduled):
        data["scheduled_start"] = evt.scheduled_start.isoformat() if evt.scheduled_start else None
        data["scheduled_end"] = evt.scheduled_end.isoformat() if evt.scheduled_end else None
    elif isinstance(evt, JobAssigned):
        data["technician_ids"] = list(evt.technician_ids)
    elif isinstance(evt, JobUpdated):
        data["fields"] = list(evt.changed)
        data["priority"] = evt.priority
        if evt.from_branch_id is not None:
            data["from_branch_id"] = evt.from_branch_id
    return data


def publish(session: Session, evt: JobEvent) -> None:
    """Deliver ``evt`` to plug-ins once the session's transaction commits."""
    pending = pending_on_commit(session)
    if pending and isinstance(pending[-1], _Delivery):
        pending[-1].events.append(evt)
        return
    delivery = _Delivery(current_app._get_current_object())  # type: ignore[attr-defined]
    delivery.events.append(evt)
    on_commit(session, delivery)


def checkpoint(session: Session) -> Callable[[], None]:
    """A function that takes back the events published on ``session`` from now on.

    For a savepoint that rolls back: its changes are undone, so its events must
    not be delivered when the enclosing transaction commits.
    """
    pending = pending_on_commit(session)
    deliveries = [a for a in pending if isinstance(a, _Delivery)]
    counts = [(d, len(d.events)) for d in deliveries]
    actions = len(pending)

    def undo() -> None:
        current = pending_on_commit(session)
        for delivery, count in counts:
            del delivery.events[count:]
        # Actions registered after the checkpoint (new deliveries among them) go too.
        del current[actions:]

    return undo
