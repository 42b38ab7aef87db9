"""Carrying out the demo's plan with the services, so every status change is a recorded,
legal transition at its planned time; then back-dating what the services stamp with the
current time (creation, assignments, ticks) to when the plan says it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, update
from sqlalchemy.orm import Session

from dala.tenancy import context
from dala.tenancy.scoping import TenantScoped
from dala.work.checklists import items_query, update_item
from dala.work.job_models import (
    ChecklistItem,
    Job,
    JobAssignment,
    JobStatus,
    JobTransition,
    Source,
)
from dala.work.jobs import Actor, create_job, transition, update_job

from .jobs import FIELD_STEPS, MINUTE, Plan, World

S = JobStatus


def run(session: Session, world: World, plans: list[Plan]) -> None:
    """Create every planned job and walk it through its statuses, oldest first."""
    stamps = Stamps()
    for plan in plans:
        _run(session, plan, Actor(world.dispatchers[plan.branch], Source.WEB), world.now, stamps)
    stamps.write(session)


@dataclass
class Stamps:
    """The planned times of what the services stamped "now", written in a few statements."""

    jobs: list[dict[str, object]] = field(default_factory=list)
    created: list[dict[str, object]] = field(default_factory=list)  # the first transitions
    assignments: list[dict[str, object]] = field(default_factory=list)
    checklists: list[dict[str, object]] = field(default_factory=list)
    ticks: list[dict[str, object]] = field(default_factory=list)

    def write(self, session: Session) -> None:
        session.flush()
        backdate(session, Job, ("id",), self.jobs)
        first = JobTransition.__table__.c.from_status.is_(None)
        backdate(session, JobTransition, ("job_id",), self.created, first)
        backdate(session, JobAssignment, ("job_id",), self.assignments)
        backdate(session, ChecklistItem, ("job_id",), self.checklists)
        backdate(session, ChecklistItem, ("id",), self.ticks)


def backdate(
    session: Session,
    model: type[TenantScoped],
    keys: tuple[str, ...],
    rows: list[dict[str, object]],
    *where: ColumnElement[bool],
) -> None:
    """Set columns of the current tenant's rows found by ``keys``: one executemany."""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    tenant_id = context.current_tenant_id()
    columns = [c for c in rows[0] if c not in keys]
    statement = (
        update(table)
        .where(table.c.tenant_id == bindparam("k_tenant_id"))
        .where(*(table.c[k] == bindparam(f"k_{k}") for k in keys), *where)
        .values({c: bindparam(f"v_{c}") for c in columns})
    )
    session.execute(
        statement,
        [
            {"k_tenant_id": tenant_id}
            | {f"k_{k}": row[k] for k in keys}
            | {f"v_{c}": row[c] for c in columns}
            for row in rows
        ],
    )


def _run(session: Session, plan: Plan, office: Actor, now: datetime, stamps: Stamps) -> None:
    lead = Actor(plan.crew[0].user_id, Source.APP) if plan.crew else office
    data: dict[str, object] = {
        "customer_id": plan.client.customer_id,
        "site_id": plan.site_id,
        "job_type_id": plan.job_type_id,
        "priority": plan.priority,
        "description": plan.description,
        "duration_minutes": plan.minutes,
    }
    if plan.window is not None:
        data["window_start"], data["window_end"] = plan.window
    planned = {"scheduled_start": plan.start, "technician_ids": [c.id for c in plan.crew]}
    if plan.path[0] == S.SCHEDULED:
        data |= planned
    job = create_job(session, data, plan.creator)
    created, last = plan.times[0], plan.times[-1]
    for i, step in enumerate(plan.path[1:], 1):
        before, at = plan.path[i - 1], plan.times[i]
        if step == S.SCHEDULED and before == S.DRAFT and job.scheduled_start is None:
            update_job(session, job, planned, office)
        if step in (S.COMPLETED, S.ON_HOLD) and before == S.ON_SITE:
            _tick(session, job, plan, plan.times[i - 1], at, stamps)
        actor = lead if (before, step) in FIELD_STEPS and plan.crew else office
        # At the planned time, so the record, the job and the event (which plug-ins
        # such as a warranty tracker keep) all say when it happened.
        transition(session, job, step, actor, plan.reasons[i], at=at)
    if job.status == S.ON_SITE:
        _tick(session, job, plan, last, now - MINUTE, stamps)
    stamps.created.append({"job_id": job.id, "at": created})
    stamps.jobs.append(
        {
            "id": job.id,
            "created_at": created,
            "updated_at": last,
            "status_changed_at": last,
            "completed_at": last if job.status == S.COMPLETED else None,
        }
    )
    assigned = plan.times[1 if len(plan.times) > 1 else 0]
    stamps.assignments.append({"job_id": job.id, "created_at": assigned, "updated_at": assigned})
    stamps.checklists.append({"job_id": job.id, "created_at": created, "updated_at": created})


def _tick(
    session: Session, job: Job, plan: Plan, begun: datetime, until: datetime, stamps: Stamps
) -> None:
    """Tick the first ``plan.ticks`` checklist items, spread between ``begun`` and ``until``."""
    items = list(session.scalars(items_query(job.id)))[: plan.ticks]
    for n, item in enumerate(items, 1):
        update_item(session, job, item, {"done": True}, plan.crew[0].user_id)
        done_at = (begun + (until - begun) * n / (len(items) + 1)).replace(microsecond=0)
        stamps.ticks.append({"id": item.id, "done_at": done_at, "updated_at": done_at})
