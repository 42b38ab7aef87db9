"""Automatic re-planning: when the day changes under way, repair the rest of it.

Three things change a day: a technician becomes unavailable (sick, or away for
another reason), an emergency arrives for today, or a job runs over its
planned end. Each re-plans the branch's day from now with the planner's fast
path (:func:`planning.planner.replan`: work started stays, pinned jobs stay
with their technician), then follows the branch's ``replan_policy``:
``propose`` leaves a plan run for a dispatcher to apply, ``apply`` applies it at
once (as the system). Either way the board and the affected technicians hear
of it live (``plan.proposed`` / ``plan.applied``).

One open automatic proposal per branch day: a newer one makes the older stale.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dala.db import utcnow
from dala.tenancy import context
from dala.tenancy.models import USABLE_STATUSES, Branch, Tenant
from dala.work import jobs
from dala.work.job_models import Job, JobStatus
from dala.work.models import Technician
from dala.work.technicians import add_time_off
from dala_scheduling.models import PlanRun, PlanStatus, PlanTrigger
from dala_scheduling.plans import (
    REPLAN_SECONDS,
    apply_run,
    current_plan,
    load_day,
    notify,
    proposal,
)
from dala_scheduling.settings import branch_settings, module_on

#: An overrun is reacted to again only after this long (a job still running over).
OVERRUN_AGAIN_AFTER = timedelta(minutes=15)


def local_day(branch: Branch, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(branch.timezone)).date()


def replan_day(
    session: Session,
    branch_id: uuid.UUID,
    day: date,
    trigger: PlanTrigger,
    *,
    now: datetime,
    run: PlanRun | None = None,
) -> PlanRun | None:
    """Re-plan ``day`` of the branch from ``now`` and propose or apply it (caller commits).

    Nothing happens (None) where scheduling is off for the branch.
    """
    from dala_scheduling.planning.planner import replan

    if not module_on(branch_id):
        if run is not None:
            run.status = PlanStatus.DISCARDED
        return None
    if run is None:
        run = PlanRun(id=uuid.uuid4(), branch_id=branch_id, day=day, trigger=trigger)
        session.add(run)
    run.status = PlanStatus.RUNNING
    session.flush()
    loaded = load_day(session, run, now)
    current = current_plan(loaded)
    found = replan(loaded.problem, current, now=max(0, loaded.seconds(now)), seconds=REPLAN_SECONDS)
    session.execute(
        update(PlanRun)
        .where(
            PlanRun.branch_id == branch_id,
            PlanRun.day == day,
            PlanRun.id != run.id,
            PlanRun.status == PlanStatus.PROPOSED,
            PlanRun.trigger != PlanTrigger.MANUAL,
        )
        .values(status=PlanStatus.STALE)
        .execution_options(synchronize_session=False)
    )
    run.proposal = proposal(loaded, found, current)
    run.status = PlanStatus.PROPOSED
    run.progress = 1.0
    session.flush()
    if branch_settings(session, branch_id).get("replan_policy") == "apply":
        result = apply_run(session, run, jobs.SYSTEM)
        notify(session, run, "plan.applied", result.technician_ids)
    else:
        notify(session, run, "plan.proposed", run.proposal["technician_ids"])
    return run


def mark_unavailable(
    session: Session,
    technician: Technician,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    user_id: uuid.UUID | None,
) -> PlanRun:
    """Time off for the technician, and a re-planning run of the day it starts (queued)."""
    from dala.events.tasks import enqueue_after_commit
    from dala_scheduling.tasks import run_replan

    add_time_off(
        session, technician, {"starts_at": starts_at, "ends_at": ends_at, "reason": reason}
    )
    branch = session.scalars(select(Branch).where(Branch.id == technician.branch_id)).one()
    now = utcnow()
    day = local_day(branch, max(starts_at, now))
    run = PlanRun(
        id=uuid.uuid4(),
        branch_id=branch.id,
        day=day,
        status=PlanStatus.QUEUED,
        trigger=PlanTrigger.SICK,
        progress=0.0,
        requested_by=user_id,
    )
    session.add(run)
    session.flush()
    run.task_id = enqueue_after_commit(
        session,
        run_replan,
        str(branch.id),
        day.isoformat(),
        PlanTrigger.SICK.value,
        max(starts_at, now).isoformat(),
        str(run.id),
    )
    return run


def emergency_needs_replan(session: Session, job_id: uuid.UUID, now: datetime) -> date | None:
    """The day to re-plan for a new emergency: today, if it is open, unassigned and due today."""
    job = session.scalars(select(Job).where(Job.id == job_id)).one_or_none()
    if job is None or job.priority.value != "emergency" or job.technician_ids:
        return None
    if job.status not in (JobStatus.DRAFT, JobStatus.SCHEDULED):
        return None
    branch = session.scalars(select(Branch).where(Branch.id == job.branch_id)).one()
    today = local_day(branch, now)
    if job.scheduled_start is not None and local_day(branch, job.scheduled_start) != today:
        return None
    if job.window_start is not None and local_day(branch, job.window_start) > today:
        return None
    return today


def replan_overruns(session: Session, now: datetime) -> list[PlanRun]:
    """Re-plan each branch day where a technician is on site past the job's planned end."""
    late = session.scalars(
        select(Job).where(
            Job.status == JobStatus.ON_SITE,
            Job.scheduled_end.is_not(None),
            Job.scheduled_end < now,
        )
    )
    days: dict[tuple[uuid.UUID, date], datetime] = {}
    branches = {b.id: b for b in session.scalars(select(Branch))}
    for job in late:
        assert job.scheduled_end is not None
        key = (job.branch_id, local_day(branches[job.branch_id], now))
        days[key] = max(days.get(key, job.scheduled_end), job.scheduled_end)
    done = []
    for (branch_id, day), since in sorted(days.items(), key=lambda kv: str(kv[0])):
        recent = session.scalars(
            select(PlanRun.id).where(
                PlanRun.branch_id == branch_id,
                PlanRun.day == day,
                PlanRun.trigger == PlanTrigger.OVERRUN,
                PlanRun.created_at >= max(since, now - OVERRUN_AGAIN_AFTER),
            )
        ).first()
        if recent is not None:
            continue
        run = replan_day(session, branch_id, day, PlanTrigger.OVERRUN, now=now)
        if run is not None:
            done.append(run)
    return done


def overrunning_branches(session: Session, now: datetime) -> list[uuid.UUID]:
    """The current company's branches with scheduling on where someone is on site past a
    job's planned end (one query on the jobs' branch/status index, plus the module
    check for the branches found)."""
    found = session.scalars(
        select(Job.branch_id)
        .join(Branch, (Branch.tenant_id == Job.tenant_id) & (Branch.id == Job.branch_id))
        .where(
            Job.status == JobStatus.ON_SITE,
            Job.scheduled_end.is_not(None),
            Job.scheduled_end < now,
        )
        .distinct()
    )
    return sorted((b for b in found if module_on(b)), key=str)


def companies_with_overruns(session: Session, now: datetime) -> list[uuid.UUID]:
    """Companies in use with an overrun in a branch that schedules: each read in its own
    tenant scope (row-level security), one company at a time."""
    tenants = session.scalars(
        select(Tenant.id).where(Tenant.status.in_(USABLE_STATUSES)).order_by(Tenant.id)
    ).all()
    late = []
    for tenant_id in tenants:
        with context.tenant_scope(tenant_id):
            if overrunning_branches(session, now):
                late.append(tenant_id)
    return late


__all__ = [
    "companies_with_overruns",
    "emergency_needs_replan",
    "mark_unavailable",
    "overrunning_branches",
    "replan_day",
    "replan_overruns",
]
