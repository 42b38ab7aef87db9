"""Conflicts: the technician's offline work that met an office change it depends on.

Field ownership decides (docs/sync-protocol.md, "Who owns what"). The office
owns the schedule, the assignment and whether the job goes ahead; the
technician owns what they record on it. When the office cancelled a job, put it
on hold or gave it to someone else while the technician worked it offline, the
technician's mutations are kept here, not applied and not dropped, until a
person decides: keep the office's state (the work stays on record) or the
technician's (the job is brought back through legal transitions and the work
applied).
"""

from __future__ import annotations

import uuid
from collections import deque
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from dala.auth.guard import AllBranches, Principal, permitted_branches
from dala.db import utcnow
from dala.errors import Conflict, Forbidden, NotFound
from dala.sync import mutations
from dala.sync.models import ConflictStatus, SyncConflict, SyncRevocation
from dala.work import job_access, jobs, lifecycle
from dala.work.job_models import Job, JobStatus, JobTransition, Source
from dala.work.technicians import technician_of_user

S = JobStatus

CANCELLED = "job_cancelled"
ON_HOLD = "job_on_hold"
REASSIGNED = "reassigned"

_OFFICE_STOPS = {S.CANCELLED: CANCELLED, S.ON_HOLD: ON_HOLD}


# --- detection ---------------------------------------------------------------------------


def lost(session: Session, user_id: uuid.UUID, job_id: uuid.UUID) -> bool:
    """Whether the user was taken off the job (so their work on it is theirs, not a probe)."""
    found = session.scalar(
        select(SyncRevocation.id)
        .where(SyncRevocation.user_id == user_id, SyncRevocation.job_id == job_id)
        .limit(1)
    )
    return found is not None


def office_stop(session: Session, job: Job, user_id: uuid.UUID) -> str | None:
    """The conflict kind if someone else cancelled the job or put it on hold, else None.

    The transition that set the current status is the one stamped with the job's
    ``status_changed_at``: a technician who held the job themselves meets no conflict.
    """
    kind = _OFFICE_STOPS.get(job.status)
    if kind is None:
        return None
    movers = session.scalars(
        select(JobTransition.user_id).where(
            JobTransition.job_id == job.id,
            JobTransition.to_status == job.status,
            JobTransition.at == job.status_changed_at,
        )
    ).all()
    return None if user_id in movers else kind


def hold(
    session: Session,
    job: Job,
    *,
    kind: str,
    user_id: uuid.UUID,
    client_id: uuid.UUID | None,
    entry: dict[str, Any],
) -> SyncConflict:
    """Keep ``entry`` (a mutation, see :func:`dala.sync.mutations.to_json`) with the open
    conflict of this job, technician and kind, made if there is none: one decision
    covers all the work that met the same office change."""
    conflict = session.scalars(
        select(SyncConflict).where(
            SyncConflict.job_id == job.id,
            SyncConflict.user_id == user_id,
            SyncConflict.kind == kind,
            SyncConflict.status == ConflictStatus.OPEN,
        )
    ).first()
    if conflict is None:
        conflict = SyncConflict(
            id=uuid.uuid4(),
            job_id=job.id,
            branch_id=job.branch_id,
            user_id=user_id,
            client_id=client_id,
            kind=kind,
            office_status=job.status.value,
            mutations=[entry],
        )
        session.add(conflict)
    else:
        conflict.mutations = [*conflict.mutations, entry]  # a new list: the change is seen
    session.flush()
    return conflict


# --- who sees what -----------------------------------------------------------------------


def conflicts_query() -> Select[Any]:
    return select(SyncConflict).order_by(SyncConflict.created_at.desc(), SyncConflict.id)


def visible(query: Select[Any], principal: Principal) -> Select[Any]:
    """Dispatchers see their branches' conflicts (``job:update``); technicians their own."""
    branches = permitted_branches("job:update")
    if isinstance(branches, AllBranches):
        return query
    parts: list[ColumnElement[bool]] = []
    if branches:
        parts.append(SyncConflict.branch_id.in_(branches))
    if principal.can_somewhere(job_access.WORK) or principal.can(job_access.WORK):
        parts.append(SyncConflict.user_id == principal.user.id)
    return query.where(or_(*parts) if parts else false())


def list_filter(query: Select[Any], args: dict[str, Any]) -> Select[Any]:
    if "status" in args:
        query = query.where(SyncConflict.status == ConflictStatus(args["status"]))
    if "job_id" in args:
        query = query.where(SyncConflict.job_id == args["job_id"])
    if "branch_id" in args:
        query = query.where(SyncConflict.branch_id == args["branch_id"])
    return query


def get_conflict(session: Session, principal: Principal, conflict_id: uuid.UUID) -> SyncConflict:
    """A conflict the principal may see; any other is not found (never forbidden)."""
    conflict = session.scalars(
        visible(conflicts_query(), principal).where(SyncConflict.id == conflict_id)
    ).one_or_none()
    if conflict is None:
        raise NotFound(_("Conflict not found."))
    return conflict


# --- resolution --------------------------------------------------------------------------

#: Statuses a job is never walked through on its way back to the technician's work.
_DETOURS = frozenset({S.ON_HOLD, S.CANCELLED, S.COMPLETED})


def _path(start: JobStatus, goals: tuple[JobStatus, ...]) -> list[JobStatus] | None:
    """The shortest legal way from ``start`` to one of ``goals`` (breadth-first)."""
    if start in goals:
        return []
    frontier: deque[tuple[JobStatus, list[JobStatus]]] = deque([(start, [])])
    seen = {start}
    while frontier:
        status, path = frontier.popleft()
        for step in lifecycle.TRANSITIONS[status]:
            if step in goals:
                return [*path, step]
            if step not in seen and step not in _DETOURS:
                seen.add(step)
                frontier.append((step, [*path, step]))
    return None


def _keep_technician(session: Session, conflict: SyncConflict, resolver: uuid.UUID) -> None:
    """Bring the job back to where the technician's work starts, then apply that work."""
    job = jobs.get_job(session, conflict.job_id)
    user_id = conflict.user_id
    technician = technician_of_user(session, user_id) if user_id else None
    if user_id is None or technician is None:
        raise Conflict(_("The technician of this work no longer exists; keep the office's side."))
    kept = [
        (*mutations.parse(e["name"], e["args"]), mutations.parse_time(e["client_ts"]))
        for e in conflict.mutations
    ]
    moves = [m for m, _args, _ts in kept if m.to is not None]
    goals = moves[0].start if moves else ((S.DRAFT,) if job.status == S.CANCELLED else ())
    path = _path(job.status, goals) if goals else []
    if path is None:
        raise Conflict(
            _(
                "The job cannot go from %(from)s back to %(to)s, where the technician's work "
                "starts; keep the office's side or move the job first.",
                **{"from": job.status.value, "to": " / ".join(g.value for g in goals)},
            )
        )
    system = jobs.Actor(resolver, Source.SYSTEM)
    steps = iter(path)
    if job.status == S.CANCELLED:
        jobs.transition(session, job, next(steps), system)  # reopened as a draft
    if moves and technician.id not in job.technician_ids:
        jobs.update_job(
            session, job, {"technician_ids": [*job.technician_ids, technician.id]}, system
        )
    for step in steps:
        jobs.transition(session, job, step, system)
    worker = mutations.Worker(user_id, technician.id, jobs.Actor(user_id, Source.SYSTEM), None)
    clock = mutations.Clock(utcnow(), follow_status=False)
    for mutation, args, ts in kept:
        mutation.apply(session, worker, job, args, clock, ts)


def check_resolve(principal: Principal, conflict: SyncConflict) -> None:
    """Who plans the job's branch decides (``job:update`` there)."""
    if not principal.can("job:update", conflict.branch_id):
        raise Forbidden(_("Your role does not allow this action in this branch."))


def resolve(
    session: Session, conflict: SyncConflict, *, keep: str, note: str | None, resolver: uuid.UUID
) -> SyncConflict:
    """Close the conflict with ``keep`` (``office`` or ``technician``); recorded with who
    and when. ``technician`` moves the job and applies the kept work, or changes nothing
    and raises if the job cannot take it."""
    if conflict.status == ConflictStatus.RESOLVED:
        raise Conflict(_("This conflict has been resolved already."))
    if keep == "technician":
        _keep_technician(session, conflict, resolver)
    conflict.status = ConflictStatus.RESOLVED
    conflict.kept = keep
    conflict.resolved_by = resolver
    conflict.resolved_at = utcnow()
    conflict.note = note
    session.flush()
    return conflict
