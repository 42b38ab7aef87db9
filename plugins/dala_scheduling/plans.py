"""Plan runs: a branch's day optimised in the background, proposed, then applied or not.

A run is a row (``dala_scheduling_plan_runs``) that a background task fills:
queued → running → proposed (or failed). The proposal keeps, per job it
changes, the job's version when it was computed; applying puts each change
through core's job services in one transaction and skips (and lists) every job
changed since — as well as pinned, under-way and closed jobs, never touched.
Each run counts once on the ``optimisation_runs`` meter: the runs table is the
meter's ledger (one row per run, by company, branch and time).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, selectinload

from dala.db import utcnow
from dala.errors import Conflict, NotFound
from dala.tenancy import context
from dala.work import jobs
from dala.work.job_models import Job
from dala.work.models import Technician
from dala_scheduling.changes import apply_change, audit
from dala_scheduling.day import PLANNABLE, Change, Day, build_day, to_changes
from dala_scheduling.models import Pin, PlanRun, PlanStatus, PlanTrigger
from dala_scheduling.planning.problem import Plan, Route, UnassignedReason
from dala_scheduling.settings import branch_settings, travel_for

#: Seconds the optimiser searches a day unless the configuration says otherwise.
DEFAULT_SECONDS = 5.0
#: Re-planning after a change takes the fast path.
REPLAN_SECONDS = 1.0

UNASSIGNED_TEXTS = {
    UnassignedReason.NO_SKILLED_TECHNICIAN: _l("Nobody working that day has the skills."),
    UnassignedReason.PINNED_TECHNICIAN_UNAVAILABLE: _l(
        "Pinned to a technician who is not available."
    ),
    UnassignedReason.WINDOW_UNREACHABLE: _l("Nobody can be there within the customer's window."),
    UnassignedReason.NO_CAPACITY: _l("The day is full."),
    UnassignedReason.LEFT_OUT_OPTIONAL: _l("Left out to make room for more important work."),
}

SKIP_TEXTS = {
    "changed": _l("Changed since the plan was made."),
    "gone": _l("The job no longer exists."),
    "pinned": _l("Pinned: left where it is."),
    "not_plannable": _l("Under way or closed: left as it is."),
}


def plan_seconds() -> float:
    return float(current_app.config.get("SCHEDULING_PLAN_SECONDS", DEFAULT_SECONDS))


def runs_query(branch_id: uuid.UUID | None = None, day: date | None = None) -> Select[Any]:
    query = select(PlanRun).order_by(PlanRun.created_at.desc(), PlanRun.id)
    if branch_id is not None:
        query = query.where(PlanRun.branch_id == branch_id)
    if day is not None:
        query = query.where(PlanRun.day == day)
    return query


def get_run(session: Session, run_id: uuid.UUID) -> PlanRun:
    run = session.scalars(select(PlanRun).where(PlanRun.id == run_id)).one_or_none()
    if run is None:
        raise NotFound(_("Plan not found."))
    return run


def request_run(
    session: Session,
    branch_id: uuid.UUID,
    day: date,
    *,
    user_id: uuid.UUID | None,
    trigger: PlanTrigger = PlanTrigger.MANUAL,
) -> PlanRun:
    """A queued run whose task starts once the caller commits (never in the web worker)."""
    from dala.events.tasks import enqueue_after_commit
    from dala_scheduling.tasks import run_plan

    run = PlanRun(
        id=uuid.uuid4(),
        branch_id=branch_id,
        day=day,
        status=PlanStatus.QUEUED,
        trigger=trigger,
        progress=0.0,
        requested_by=user_id,
    )
    session.add(run)
    session.flush()
    run.task_id = enqueue_after_commit(session, run_plan, str(run.id))
    return run


def _summary(routes: Iterable[Route]) -> dict[str, int]:
    listed = list(routes)
    return {
        "placed": sum(len(r.visits) for r in listed),
        "travel_seconds": sum(r.travel for r in listed),
        "idle_seconds": sum(r.idle for r in listed),
        "overtime_seconds": sum(r.overtime for r in listed),
    }


def current_plan(day: Day) -> Plan:
    """The branch's plan in force, timed by the planner (for totals and re-planning)."""
    from dala_scheduling.planning.planner import schedule

    return schedule(day.problem, day.problem.current)


def _route(day: Day, route: Route) -> dict[str, Any]:
    return {
        "technician_id": route.resource_id,
        "jobs": [
            {
                "job_id": visit.task_id,
                "number": day.jobs[visit.task_id].number,
                "title": day.jobs[visit.task_id].title,
                "start": day.moment(visit.start).isoformat(),
                "end": day.moment(visit.end).isoformat(),
                "travel_seconds": visit.travel,
            }
            for visit in route.visits
            if visit.task_id in day.jobs
        ],
        "travel_seconds": route.travel,
        "idle_seconds": route.idle,
        "overtime_seconds": route.overtime,
    }


def _free(technician_id: str) -> dict[str, Any]:
    """A technician at work that day whom the plan gives nothing: free for new jobs."""
    return {
        "technician_id": technician_id,
        "jobs": [],
        "travel_seconds": 0,
        "idle_seconds": 0,
        "overtime_seconds": 0,
    }


def proposal(day: Day, plan: Plan, current: Plan) -> dict[str, Any]:
    """The plan as stored: a route for every technician at work that day (an empty one
    for those it leaves free), left-out jobs, totals, and the changes to apply."""
    changes = [c for c in to_changes(day, plan) if str(c.job_id) not in day.pinned]
    planned = {route.resource_id for route in plan.routes}
    free = [r.id for r in day.problem.resources if r.id not in planned]
    return {
        "computed_at": utcnow().isoformat(),
        "time_zone": day.branch.timezone,
        "engine": plan.engine,
        "seconds": round(plan.seconds, 3),
        # Those the plan leaves free come last, with no jobs: who can take more work.
        "routes": [_route(day, route) for route in plan.routes] + [_free(t) for t in free],
        "unassigned": [
            {
                "job_id": left.task_id,
                "number": day.jobs[left.task_id].number,
                "title": day.jobs[left.task_id].title,
                "reason": left.reason.value,
            }
            for left in plan.unassigned
            if left.task_id in day.jobs
        ],
        "totals": {"proposed": _summary(plan.routes), "current": _summary(current.routes)},
        "changes": [
            {
                "job_id": str(c.job_id),
                "technician_ids": [str(t) for t in c.technician_ids],
                "start": c.scheduled_start.isoformat() if c.scheduled_start else None,
                "end": c.scheduled_end.isoformat() if c.scheduled_end else None,
                "version": day.jobs[str(c.job_id)].version,
            }
            for c in changes
        ],
        "technician_ids": sorted(
            {r.resource_id for r in plan.routes}
            | {t for c in changes for t in map(str, c.technician_ids)}
            | {str(t) for c in changes for t in day.jobs[str(c.job_id)].technician_ids}
        ),
    }


def load_day(session: Session, run: PlanRun, now: datetime) -> Day:
    settings = branch_settings(session, run.branch_id)
    return build_day(session, run.branch_id, run.day, travel_for(settings), now=now)


def compute(session: Session, run: PlanRun, progress: Any = None) -> None:
    """Optimise the run's day and store the proposal (the caller commits)."""
    from dala_scheduling.planning.planner import plan

    day = load_day(session, run, utcnow())
    found = plan(day.problem, seconds=plan_seconds(), progress=progress)
    run.proposal = proposal(day, found, current_plan(day))
    run.status = PlanStatus.PROPOSED
    run.progress = 1.0


@dataclass(frozen=True)
class Skipped:
    job_id: uuid.UUID
    reason: str

    @property
    def text(self) -> str:
        return str(SKIP_TEXTS[self.reason])


@dataclass(frozen=True)
class Applied:
    run: PlanRun
    applied: int
    skipped: tuple[Skipped, ...]
    technician_ids: tuple[str, ...]


def not_open(status: PlanStatus) -> str:
    """Why a plan in ``status`` can no longer be applied or discarded, as a whole sentence
    (a status word dropped into a sentence reads wrong in Russian and Kazakh)."""
    if status == PlanStatus.APPLIED:
        return _("This plan was applied already.")
    if status == PlanStatus.DISCARDED:
        return _("This plan was discarded.")
    if status == PlanStatus.STALE:
        return _("This plan is out of date: the day changed after it was made.")
    if status == PlanStatus.FAILED:
        return _("This plan could not be made.")
    return _("This plan is still being made.")


def apply_run(session: Session, run: PlanRun, actor: jobs.Actor) -> Applied:
    """Put the proposal on the jobs (one transaction; the caller commits)."""
    if run.status != PlanStatus.PROPOSED or run.proposal is None:
        raise Conflict(not_open(run.status))
    wanted = run.proposal.get("changes", [])
    ids = [uuid.UUID(c["job_id"]) for c in wanted]
    found = (
        {
            str(j.id): j
            for j in session.scalars(
                select(Job).where(Job.id.in_(ids)).options(selectinload(Job.assignments))
            )
        }
        if ids
        else {}
    )
    pinned = (
        {str(p) for p in session.scalars(select(Pin.job_id).where(Pin.job_id.in_(ids)))}
        if ids
        else set()
    )
    applied = 0
    skipped: list[Skipped] = []
    for item in wanted:
        job = found.get(item["job_id"])
        reason = None
        if job is None:
            reason = "gone"
        elif job.version != item["version"]:
            reason = "changed"
        elif item["job_id"] in pinned:
            reason = "pinned"
        elif job.status not in PLANNABLE:
            reason = "not_plannable"
        if reason is not None or job is None:
            skipped.append(Skipped(uuid.UUID(item["job_id"]), reason or "gone"))
            continue
        change = Change(
            job.id,
            tuple(uuid.UUID(t) for t in item["technician_ids"]),
            datetime.fromisoformat(item["start"]) if item["start"] else None,
            datetime.fromisoformat(item["end"]) if item["end"] else None,
        )
        apply_change(session, job, change, actor)
        applied += 1
    run.status = PlanStatus.APPLIED
    run.applied_at = utcnow()
    run.applied_by = actor.user_id
    # Other proposals for the day were made against a plan that is gone now.
    session.execute(
        update(PlanRun)
        .where(
            PlanRun.branch_id == run.branch_id,
            PlanRun.day == run.day,
            PlanRun.id != run.id,
            PlanRun.status == PlanStatus.PROPOSED,
        )
        .values(status=PlanStatus.STALE)
        .execution_options(synchronize_session=False)
    )
    audit(
        session,
        actor,
        "schedule_plan",
        run.id,
        {"status": "applied", "applied": applied, "skipped": len(skipped)},
    )
    session.flush()
    return Applied(run, applied, tuple(skipped), tuple(run.proposal.get("technician_ids", [])))


def discard_run(session: Session, run: PlanRun) -> None:
    if run.status in (PlanStatus.APPLIED, PlanStatus.DISCARDED):
        raise Conflict(not_open(run.status))
    run.status = PlanStatus.DISCARDED
    session.flush()


def technician_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    wanted = [uuid.UUID(i) for i in ids]
    if not wanted:
        return {}
    rows = session.scalars(select(Technician).where(Technician.id.in_(wanted)))
    return {str(t.id): t.user.name for t in rows}


def notify(session: Session, run: PlanRun, kind: str, technician_ids: Iterable[str]) -> None:
    """Tell the board and the technicians' apps after the commit."""
    from dala.events.live import publish_after_commit

    publish_after_commit(
        session,
        context.current_tenant_id(),
        run.branch_id,
        kind,
        {
            "plan_id": str(run.id),
            "trigger": run.trigger.value,
            "technician_ids": sorted(set(technician_ids)),
        },
    )
