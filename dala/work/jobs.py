"""Jobs: create, plan, assign, change status and find them; events follow every change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.orm import Session, selectinload

from dala.db import utcnow
from dala.errors import Conflict, NotFound, ValidationFailed
from dala.events.domain import (
    JobAssigned,
    JobCreated,
    JobScheduled,
    JobStatusChanged,
    JobUpdated,
    publish,
)
from dala.sync import versions
from dala.tenancy import context
from dala.tenancy.models import Tenant
from dala.tenancy.services import get_branch
from dala.work import lifecycle
from dala.work.attachments import forget_files
from dala.work.customers import get_customer
from dala.work.job_models import (
    Attachment,
    ChecklistItem,
    Job,
    JobAssignment,
    JobStatus,
    JobTransition,
    Source,
)
from dala.work.job_types import get_job_type, skill_requirements
from dala.work.models import Customer, Technician
from dala.work.sites import get_site


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through what: recorded with transitions, sent with events."""

    user_id: uuid.UUID | None
    source: Source


SYSTEM = Actor(None, Source.SYSTEM)


def jobs_query() -> Select[Any]:
    """Jobs with assignments, customer (with contacts) and site in a fixed number of queries."""
    return select(Job).options(
        selectinload(Job.assignments),
        selectinload(Job.customer).selectinload(Customer.contacts),
        selectinload(Job.site),
    )


@dataclass(frozen=True)
class Visibility:
    """Which jobs a user may see: whole branches, or the jobs they are assigned to."""

    all_branches: bool
    branches: frozenset[uuid.UUID]
    technician_id: uuid.UUID | None


def visible(query: Select[Any], seen: Visibility) -> Select[Any]:
    if seen.all_branches:
        return query
    own = (
        Job.id.in_(
            select(JobAssignment.job_id).where(JobAssignment.technician_id == seen.technician_id)
        )
        if seen.technician_id is not None
        else None
    )
    in_branches = Job.branch_id.in_(seen.branches) if seen.branches else None
    parts = [p for p in (own, in_branches) if p is not None]
    if not parts:
        return query.where(Job.id.is_(None))
    return query.where(or_(*parts))


def list_filter(query: Select[Any], args: dict[str, Any]) -> Select[Any]:
    """The dispatcher's filters; each narrows along an index of ``jobs`` or assignments."""
    if args.get("status"):
        query = query.where(Job.status.in_(args["status"]))
    if args.get("priority"):
        query = query.where(Job.priority.in_(args["priority"]))
    if "branch_id" in args:
        query = query.where(Job.branch_id == args["branch_id"])
    if "customer_id" in args:
        query = query.where(Job.customer_id == args["customer_id"])
    if "site_id" in args:
        query = query.where(Job.site_id == args["site_id"])
    if "technician_id" in args:
        query = query.where(
            Job.id.in_(
                select(JobAssignment.job_id).where(
                    JobAssignment.technician_id == args["technician_id"]
                )
            )
        )
    if args.get("unassigned"):
        query = query.where(~Job.id.in_(select(JobAssignment.job_id)))
    # A date range means planned work overlapping it: started before its end, ending after
    # its start.
    if "starts_before" in args:
        query = query.where(Job.scheduled_start < args["starts_before"])
    if "ends_after" in args:
        query = query.where(Job.scheduled_end > args["ends_after"])
    return query


def get_job(session: Session, job_id: uuid.UUID) -> Job:
    job = session.scalars(jobs_query().where(Job.id == job_id)).one_or_none()
    if job is None:
        raise NotFound(_("Job not found."))
    return job


def _event(job: Job, actor: Actor) -> dict[str, Any]:
    return {
        "tenant_id": context.current_tenant_id(),
        "branch_id": job.branch_id,
        "job_id": job.id,
        "number": job.number,
        "at": utcnow(),
        "user_id": actor.user_id,
        "source": actor.source.value,
    }


def _check_times(job: Job) -> None:
    errors: dict[str, list[str]] = {}
    if job.window_start and job.window_end and job.window_end <= job.window_start:
        errors["window_end"] = [_("The window must end after it starts.")]
    if job.scheduled_start and job.scheduled_end and job.scheduled_end <= job.scheduled_start:
        errors["scheduled_end"] = [_("The job must end after it starts.")]
    if errors:
        raise ValidationFailed(_("The times do not fit together."), errors=errors)


def _apply_schedule(job: Job, data: dict[str, Any]) -> None:
    """Set the planned times; an end left out follows from the start and the duration."""
    if "scheduled_start" in data:
        job.scheduled_start = data["scheduled_start"]
        if "scheduled_end" not in data:
            job.scheduled_end = (
                job.scheduled_start + timedelta(minutes=job.duration_minutes)
                if job.scheduled_start
                else None
            )
    if "scheduled_end" in data:
        job.scheduled_end = data["scheduled_end"]
    if (job.scheduled_start is None) != (job.scheduled_end is None):
        message = _("Give both the scheduled start and end, or neither.")
        raise ValidationFailed(message, errors={"scheduled_start": [message]})


def _technicians(session: Session, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The technicians to assign, in order: they must exist and be active."""
    unique = list(dict.fromkeys(ids))
    rows = session.execute(
        select(Technician.id, Technician.active).where(Technician.id.in_(unique))
    )
    found = {technician_id: active for technician_id, active in rows}
    if len(found) != len(unique):
        message = _("Technician not found.")
        raise NotFound(message, errors={"technician_ids": [message]})
    if not all(found.values()):
        message = _("An inactive technician cannot be assigned.")
        raise ValidationFailed(message, errors={"technician_ids": [message]})
    return unique


def _assign(session: Session, job: Job, ids: list[uuid.UUID], actor: Actor) -> None:
    before = job.technician_ids
    if before == ids:
        return
    session.execute(
        delete(JobAssignment)
        .where(JobAssignment.job_id == job.id)
        .execution_options(synchronize_session=False)
    )
    versions.note_lost(session, job.id, [t for t in before if t not in ids])
    session.add_all(
        JobAssignment(id=uuid.uuid4(), job_id=job.id, technician_id=t, is_lead=i == 0)
        for i, t in enumerate(ids)
    )
    session.flush()
    session.refresh(job, ["assignments"])
    # Assignments are part of the job: its version (ETag) moves with them.
    job.updated_at = utcnow()
    publish(
        session,
        JobAssigned(
            **_event(job, actor),
            technician_ids=tuple(ids),
            added=tuple(t for t in ids if t not in before),
            removed=tuple(t for t in before if t not in ids),
        ),
    )


def unassign(session: Session, job: Job, technician_id: uuid.UUID, actor: Actor) -> None:
    """Take one technician off a job (its version moves, plug-ins hear of it)."""
    _assign(session, job, [t for t in job.technician_ids if t != technician_id], actor)


def jobs_of_technician(session: Session, technician_id: uuid.UUID) -> list[Job]:
    return list(
        session.scalars(
            jobs_query().where(
                Job.id.in_(
                    select(JobAssignment.job_id).where(JobAssignment.technician_id == technician_id)
                )
            )
        )
    )


def _record(
    session: Session,
    job: Job,
    before: JobStatus | None,
    actor: Actor,
    reason: str | None,
    at: datetime | None = None,
) -> JobTransition:
    at = at or utcnow()
    record = JobTransition(
        id=uuid.uuid4(),
        job_id=job.id,
        from_status=before,
        to_status=job.status,
        at=at,
        user_id=actor.user_id,
        source=actor.source,
        reason=reason,
    )
    session.add(record)
    publish(
        session,
        JobStatusChanged(
            **(_event(job, actor) | {"at": at}),
            from_status=before.value if before else None,
            to_status=job.status.value,
            reason=reason,
        ),
    )
    return record


def _next_number(session: Session) -> int:
    """The company's next job number: one UPDATE, so two creators never get the same one."""
    number: int = session.execute(
        update(Tenant)
        .where(Tenant.id == context.current_tenant_id())
        .values(job_seq=Tenant.job_seq + 1)
        .returning(Tenant.job_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return number


def create_job(session: Session, data: dict[str, Any], actor: Actor) -> Job:
    """A job from the API's fields; the type fills what is left out.

    A job given a scheduled start is created ``scheduled``, otherwise ``draft``.
    """
    customer = get_customer(session, data["customer_id"])
    site = get_site(session, data["site_id"]) if data.get("site_id") else None
    if site is not None and site.customer_id != customer.id:
        message = _("The site belongs to another customer.")
        raise ValidationFailed(message, errors={"site_id": [message]})
    branch_id = data.get("branch_id") or (site.branch_id if site else None)
    if branch_id is None:
        message = _("Give a branch or a site (whose branch the job then belongs to).")
        raise ValidationFailed(message, errors={"branch_id": [message]})
    branch = get_branch(session, branch_id)
    job_type = get_job_type(session, data["job_type_id"]) if data.get("job_type_id") else None
    title = data.get("title") or (job_type.name if job_type else None)
    if not title:
        message = _("Give a title or a job type.")
        raise ValidationFailed(message, errors={"title": [message]})
    now = utcnow()
    job = Job(
        id=uuid.uuid4(),
        number=_next_number(session),
        branch_id=branch.id,
        customer_id=customer.id,
        site_id=site.id if site else None,
        job_type_id=job_type.id if job_type else None,
        title=title,
        description=data.get("description"),
        priority=data.get("priority", "normal"),
        required_skills=(
            skill_requirements(session, data["required_skills"])
            if "required_skills" in data
            else list(job_type.required_skills if job_type else [])
        ),
        window_start=data.get("window_start"),
        window_end=data.get("window_end"),
        duration_minutes=data.get("duration_minutes")
        or (job_type.default_duration_minutes if job_type else 60),
        status=JobStatus.DRAFT,
        status_changed_at=now,
        created_by=actor.user_id,
    )
    _apply_schedule(job, data)
    _check_times(job)
    if job.scheduled_start is not None:
        job.status = JobStatus.SCHEDULED
    session.add(job)
    session.flush()
    labels = (
        data["checklist"]
        if "checklist" in data
        else list(job_type.checklist_template if job_type else [])
    )
    session.add_all(
        ChecklistItem(id=uuid.uuid4(), job_id=job.id, position=i, label=label)
        for i, label in enumerate(labels)
    )
    publish(session, JobCreated(**_event(job, actor), status=job.status.value))
    _record(session, job, None, actor, None)
    if job.scheduled_start is not None:
        publish(session, _scheduled(job, actor))
    session.flush()
    if data.get("technician_ids"):
        _assign(session, job, _technicians(session, data["technician_ids"]), actor)
        session.flush()
    return get_job(session, job.id)


def _scheduled(job: Job, actor: Actor) -> JobScheduled:
    return JobScheduled(
        **_event(job, actor),
        scheduled_start=job.scheduled_start,
        scheduled_end=job.scheduled_end,
    )


_EDITABLE = ("title", "description", "priority", "window_start", "window_end", "duration_minutes")


def _details(job: Job) -> dict[str, Any]:
    """What :class:`JobUpdated` reports changes of (the plan and people have their own)."""
    values = {field: getattr(job, field) for field in _EDITABLE}
    values["required_skills"] = job.required_skills
    values["site_id"] = job.site_id
    values["branch_id"] = job.branch_id
    return values


def update_job(session: Session, job: Job, data: dict[str, Any], actor: Actor) -> Job:
    """Change a job's details, plan or people; its status changes only through transitions."""
    lifecycle.check_open(job)
    before = _details(job)
    for field in _EDITABLE:
        if field in data:
            setattr(job, field, data[field])
    if "required_skills" in data:
        job.required_skills = skill_requirements(session, data["required_skills"])
    if "site_id" in data:
        site = get_site(session, data["site_id"]) if data["site_id"] else None
        if site is not None and site.customer_id != job.customer_id:
            message = _("The site belongs to another customer.")
            raise ValidationFailed(message, errors={"site_id": [message]})
        job.site_id = site.id if site else None
    if "branch_id" in data:
        job.branch_id = get_branch(session, data["branch_id"]).id
    planned = (job.scheduled_start, job.scheduled_end)
    _apply_schedule(job, data)
    _check_times(job)
    if job.scheduled_start is None and job.status in lifecycle.NEEDS_SCHEDULE:
        message = _(
            "A %(status)s job keeps its schedule; move it to draft first.", status=job.status.value
        )
        raise Conflict(message, errors={"scheduled_start": [message]})
    changed = tuple(f for f, value in _details(job).items() if before[f] != value)
    if changed:
        # Boards show these too (title, priority, ...): they hear of every change.
        publish(
            session,
            JobUpdated(
                **_event(job, actor),
                changed=changed,
                priority=str(job.priority),
                from_branch_id=before["branch_id"] if "branch_id" in changed else None,
            ),
        )
    if (job.scheduled_start, job.scheduled_end) != planned:
        publish(session, _scheduled(job, actor))
    if "technician_ids" in data:
        ids = _technicians(session, data["technician_ids"])
        if not ids and job.status in lifecycle.NEEDS_TECHNICIAN:
            message = _("A %(status)s job keeps a technician.", status=job.status.value)
            raise Conflict(message, errors={"technician_ids": [message]})
        _assign(session, job, ids, actor)
    session.flush()
    return job


def transition(
    session: Session,
    job: Job,
    to: JobStatus,
    actor: Actor,
    reason: str | None = None,
    *,
    at: datetime | None = None,
) -> JobTransition:
    """Move ``job`` to ``to`` if the state machine allows it now; recorded and announced.

    ``at`` is when it happened: now, unless the change is work done earlier being
    recorded late (imported history, a phone that was offline), so the record, the
    job's stamps and the event all carry the real time.
    """
    lifecycle.check_transition(job, to)
    before = job.status
    job.status = to
    job.status_changed_at = at or utcnow()
    if to == JobStatus.COMPLETED:
        job.completed_at = job.status_changed_at
    elif before == JobStatus.CANCELLED:
        job.completed_at = None
    record = _record(session, job, before, actor, reason, job.status_changed_at)
    session.flush()
    return record


def transitions_query(job_id: uuid.UUID) -> Select[Any]:
    return (
        select(JobTransition)
        .where(JobTransition.job_id == job_id)
        .order_by(JobTransition.at, JobTransition.id)
    )


def delete_job(session: Session, job: Job) -> None:
    """Delete a job entered by mistake: only drafts and cancelled jobs go."""
    if job.status not in (JobStatus.DRAFT, JobStatus.CANCELLED):
        message = _("Only draft or cancelled jobs can be deleted; cancel it first.")
        raise Conflict(message)
    addresses = list(session.scalars(select(Attachment.blob).where(Attachment.job_id == job.id)))
    session.delete(job)
    session.flush()
    forget_files(session, addresses)
