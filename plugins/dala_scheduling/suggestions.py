"""Who should take a job: each technician's best slot for it, ranked, with reasons.

For every technician of the branch working that day the job is tried at each
position of their day (:func:`planning.planner.schedule` times the route);
the jobs already there keep their times, so a suggestion never moves anyone
else's work. The cheapest feasible position (least travel added, then the
earliest start) is the technician's slot. Technicians are ranked by a score:

    100 - travel added (minutes, at most 40) - 30 * load share
        - 2 * hours after the earliest possible start - 25 per bumped job

An emergency nobody can take bumps lower-priority work: the technician's
lowest-priority, unpinned job(s) are taken out until the emergency fits; a
bumped job is moved later in the same day if it still fits there, otherwise it
goes back to the queue. Each consequence is listed before anything happens.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from dala.api.etag import etag_of
from dala.db import utcnow
from dala.errors import Conflict, PreconditionFailed
from dala.tenancy.models import Branch
from dala.tenancy.scoping import get_scoped
from dala.work import jobs, lifecycle
from dala.work.job_models import Job
from dala.work.labels import JOB_STATUS_LABELS
from dala_scheduling.changes import apply_change, audit
from dala_scheduling.day import PLANNABLE, Change, Day, build_day, day_origin
from dala_scheduling.planning.problem import Priority, Problem, Resource, Route, Task, Visit
from dala_scheduling.settings import branch_settings, travel_for

PRIORITY_LABELS = {
    "low": _l("low"),
    "normal": _l("normal"),
    "high": _l("high"),
    "emergency": _l("emergency"),
}

ABSENT = {
    "no_hours": _l("Not working that day"),
    "time_off": _l("Away that day (time off)"),
    "day_over": _l("Shift over"),
}

MAX_TRAVEL_PENALTY = 40
BUMP_PENALTY = 25
# Pairs of jobs are tried among this many lowest-priority candidates only.
BUMP_CANDIDATES = 4


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True)
class Bump:
    job_id: uuid.UUID
    number: int
    title: str
    priority: str
    consequence: str  # unassigned | moved
    text: str
    # Where a moved job goes (UTC); None when it goes back to the queue.
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Suggestion:
    technician_id: uuid.UUID
    name: str
    score: float
    start: datetime
    end: datetime
    travel_seconds: int
    reasons: tuple[Reason, ...]
    bumps: tuple[Bump, ...] = ()


@dataclass(frozen=True)
class Unsuitable:
    technician_id: uuid.UUID
    name: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Suggestions:
    job: Job
    suggestions: tuple[Suggestion, ...]
    unsuitable: tuple[Unsuitable, ...]


@dataclass(frozen=True)
class _Slot:
    route: Route
    sequence: tuple[str, ...]
    # The route the job went into (without bumped work) and where.
    kept: tuple[str, ...]
    position: int
    added_travel: int
    bumped: tuple[str, ...] = ()
    # Bumped jobs that still fit later the same day: job id -> start (day seconds).
    moved: tuple[tuple[str, int], ...] = ()


def _schedule(problem: Problem, resource_id: str, sequence: Sequence[str]) -> Route:
    from dala_scheduling.planning.planner import schedule

    plan = schedule(problem, {resource_id: tuple(sequence)})
    found = next((r for r in plan.routes if r.resource_id == resource_id), None)
    if found is not None:
        return found
    # An empty day has no route in the plan: nothing to do, no travel.
    start = problem.resources[0].shift_start
    return Route(resource_id, (), (), start, start, 0, 0, 0, 0)


class _Technician:
    """One technician's day with the job tried in it: a problem of their route alone."""

    def __init__(self, day: Day, resource_id: str, job_task: Task, route: Sequence[str]) -> None:
        self.day = day
        resource = day.resource(resource_id)
        assert resource is not None
        self.resource: Resource = resource
        self.job_task = job_task
        self.fixed: dict[str, Task] = {}
        for task_id in route:
            task = day.task(task_id)
            job = day.jobs[task_id]
            if task is None or job.scheduled_start is None:
                continue
            at = day.seconds(job.scheduled_start)
            # Work already planned keeps its time: nobody else moves for a suggestion.
            self.fixed[task_id] = replace(task, window=(at, at), pinned_to=None)
        self.route = tuple(t for t in route if t in self.fixed)

    def evaluate(self, sequence: Sequence[str], extra: Mapping[str, Task] | None = None) -> Route:
        pool = {**self.fixed, self.job_task.id: self.job_task, **(extra or {})}
        problem = Problem(
            resources=(self.resource,),
            tasks=tuple(pool[t] for t in sequence),
            travel=self.day.problem.travel,
        )
        return _schedule(problem, self.resource.id, sequence)

    def best(
        self, route: tuple[str, ...], task: Task, extra: Mapping[str, Task] | None = None
    ) -> _Slot | None:
        """The cheapest feasible insertion of ``task`` into ``route`` (others keep times)."""
        base = self.evaluate(route, extra)
        allowed = set(base.violations)
        with_task = {**(extra or {}), task.id: task}
        best: _Slot | None = None
        best_key: tuple[int, int] | None = None
        for position in range(len(route) + 1):
            sequence = (*route[:position], task.id, *route[position:])
            tried = self.evaluate(sequence, with_task)
            if not set(tried.violations) <= allowed:
                continue
            key = (tried.travel - base.travel, _start(tried, task.id))
            if best_key is None or key < best_key:
                best, best_key = _Slot(tried, sequence, route, position, key[0]), key
        return best

    def with_bumps(self) -> _Slot | None:
        """The emergency in, lower-priority work out: the fewest, least important jobs."""
        candidates = sorted(
            (
                t
                for t in self.route
                if self.fixed[t].priority < self.job_task.priority and t not in self.day.pinned
            ),
            key=lambda t: (self.fixed[t].priority, -self.fixed[t].duration),
        )
        options = [(c,) for c in candidates] + list(combinations(candidates[:BUMP_CANDIDATES], 2))
        for out in options:
            kept = tuple(t for t in self.route if t not in out)
            slot = self.best(kept, self.job_task)
            if slot is None:
                continue
            # The emergency keeps its slot; each bumped job may go later in its own window.
            at = _start(slot.route, self.job_task.id)
            extra: dict[str, Task] = {self.job_task.id: replace(self.job_task, window=(at, at))}
            moved: list[tuple[str, int]] = []
            sequence = slot.sequence
            for bumped in out:
                day_task = self.day.task(bumped)
                assert day_task is not None
                again = self.best(sequence, replace(day_task, pinned_to=None), extra)
                if again is not None:
                    sequence = again.sequence
                    start = _start(again.route, bumped)
                    extra[bumped] = replace(day_task, pinned_to=None, window=(start, start))
                    moved.append((bumped, start))
            return replace(slot, bumped=out, moved=tuple(moved))
        return None


def _start(route: Route, task_id: str) -> int:
    return next(v.start for v in route.visits if v.task_id == task_id)


def job_day(session: Session, job: Job, day_date: Any) -> tuple[Day, Task]:
    """The job's branch day with the job as a task free to go to anyone."""
    if job.status not in PLANNABLE:
        message = _(
            "Only draft, scheduled and dispatched jobs can be planned (status now: %(status)s).",
            status=JOB_STATUS_LABELS[job.status],
        )
        raise Conflict(message)
    settings = branch_settings(session, job.branch_id)
    day = build_day(
        session, job.branch_id, day_date, travel_for(settings), now=utcnow(), include=[job.id]
    )
    task = day.task(str(job.id))
    assert task is not None
    window = task.window
    if str(job.id) in day.pinned:
        # Suggestions are about moving it: its own window, not the pin's.
        earliest = day.seconds(job.window_start) if job.window_start else 0
        latest = day.seconds(job.window_end) if job.window_end else day.length
        window = (
            (max(0, earliest), min(day.length, latest))
            if job.window_start or job.window_end
            else None
        )
    return day, replace(task, pinned_to=None, window=window)


def _clock(day: Day, seconds: int) -> str:
    return day.local(seconds).strftime("%H:%M")


def _hours(seconds: int) -> str:
    return str(format_decimal(round(seconds / 3600, 1)))


def _skill_reasons(day: Day, job: Job, technician_id: str) -> tuple[list[Reason], list[Reason]]:
    technician = day.technicians[technician_id]
    levels = {str(s.skill_id): s.level for s in technician.skills}
    has, lacks = [], []
    for need in job.required_skills or ():
        skill_id = str(need["skill_id"])
        name = day.skill_names.get(skill_id, "?")
        level = levels.get(skill_id, 0)
        wanted = int(str(need.get("min_level", 1)))
        if level >= wanted:
            has.append(
                Reason("skill", _("Has %(skill)s (level %(level)s)", skill=name, level=level))
            )
        elif level:
            text = _(
                "%(skill)s at level %(level)s, level %(wanted)s needed",
                skill=name,
                level=level,
                wanted=wanted,
            )
            lacks.append(Reason("missing_skill", text))
        else:
            lacks.append(Reason("missing_skill", _("Lacks %(skill)s", skill=name)))
    return has, lacks


def _name(day: Day, technician_id: str) -> str:
    return day.technicians[technician_id].user.name


def _bump_texts(day: Day, slot: _Slot) -> tuple[Bump, ...]:
    moved = dict(slot.moved)
    out = []
    for job_id in slot.bumped:
        job = day.jobs[job_id]
        priority = str(PRIORITY_LABELS[job.priority.value])
        if job_id in moved:
            start = day.moment(moved[job_id])
            text = _(
                "Job #%(number)s (%(priority)s) would move to %(time)s",
                number=job.number,
                priority=priority,
                time=_clock(day, moved[job_id]),
            )
            out.append(
                Bump(
                    job.id,
                    job.number,
                    job.title,
                    job.priority.value,
                    "moved",
                    text,
                    start,
                    start + timedelta(minutes=job.duration_minutes),
                )
            )
        else:
            text = _(
                "Job #%(number)s (%(priority)s) would be unassigned",
                number=job.number,
                priority=priority,
            )
            out.append(Bump(job.id, job.number, job.title, job.priority.value, "unassigned", text))
    return tuple(out)


def _free_span(resource: Resource, base: Route, trial: Route, visit: Visit) -> tuple[int, int]:
    """The free time around the suggested visit: after the work, break or time off before
    it, until the work or time off after it, or the latest a break after it may begin."""
    taken = list(zip(trial.break_starts, (b.duration for b in resource.breaks), strict=False))
    lows = [resource.shift_start]
    lows += [v.end for v in base.visits if v.end <= visit.start]
    lows += [start + length for start, length in taken if start + length <= visit.start]
    lows += [end for _start, end in resource.blocked if end <= visit.start]
    highs = [resource.shift_end]
    highs += [v.start for v in base.visits if v.start >= visit.end]
    highs += [b.latest_start for b in resource.breaks if b.latest_start >= visit.end]
    highs += [start for start, _end in resource.blocked if start >= visit.end]
    return max(lows), min(highs)


def _suggestion(
    day: Day, job: Job, task: Task, trial: _Technician, slot: _Slot, skills: list[Reason]
) -> Suggestion:
    resource = trial.resource
    assert resource is not None
    visit = next(v for v in slot.route.visits if v.task_id == task.id)
    base = trial.evaluate(slot.kept)
    free_from, free_to = _free_span(resource, base, slot.route, visit)
    load = sum(trial.fixed[t].duration for t in trial.route)
    pause = sum(b.duration for b in resource.breaks) + sum(b - a for a, b in resource.blocked)
    capacity = max(1, resource.shift_end - resource.shift_start - pause)
    reasons = [
        *skills,
        Reason(
            "free",
            _(
                "Free %(from)s\u2013%(to)s",
                **{"from": _clock(day, free_from), "to": _clock(day, free_to)},
            ),
        ),
        Reason(
            "load",
            _("Load %(load)s h of %(capacity)s h", load=_hours(load), capacity=_hours(capacity)),
        ),
    ]
    minutes = round(visit.travel / 60)
    previous = slot.kept[slot.position - 1] if slot.position else None
    if previous is not None:
        text = _(
            "%(minutes)s min from job #%(number)s",
            minutes=minutes,
            number=day.jobs[previous].number,
        )
    elif resource.id in day.anchors:
        text = _(
            "%(minutes)s min from job #%(number)s",
            minutes=minutes,
            number=day.anchors[resource.id].number,
        )
    else:
        text = _("%(minutes)s min from home", minutes=minutes)
    reasons.append(Reason("travel", text))
    earliest = task.window[0] if task.window else resource.shift_start
    score = (
        100
        - min(MAX_TRAVEL_PENALTY, slot.added_travel / 60)
        - 30 * load / capacity
        - 2 * max(0, visit.start - earliest) / 3600
        - BUMP_PENALTY * len(slot.bumped)
    )
    start = day.moment(visit.start)
    return Suggestion(
        technician_id=uuid.UUID(resource.id),
        name=_name(day, resource.id),
        score=round(max(0.0, score), 1),
        start=start,
        end=start + timedelta(minutes=job.duration_minutes),
        travel_seconds=visit.travel,
        reasons=tuple(reasons),
        bumps=_bump_texts(day, slot),
    )


def _trials(
    day: Day, job: Job, task: Task, only: str | None = None
) -> tuple[list[tuple[_Technician, list[Reason]]], list[Unsuitable]]:
    able, unsuitable = [], []
    for key, technician in sorted(day.technicians.items(), key=lambda kv: kv[1].user.name):
        if only is not None and key != only:
            continue
        name = technician.user.name
        if key in day.absent:
            unsuitable.append(
                Unsuitable(
                    technician.id, name, (Reason(day.absent[key], str(ABSENT[day.absent[key]])),)
                )
            )
            continue
        has, lacks = _skill_reasons(day, job, key)
        if lacks:
            unsuitable.append(Unsuitable(technician.id, name, tuple(lacks)))
            continue
        route = tuple(t for t in day.problem.current.get(key, ()) if t != task.id)
        able.append((_Technician(day, key, task, route), has))
    return able, unsuitable


def _not_free(task: Task) -> Reason:
    if task.window is None:
        return Reason("not_free", _("No free time that day"))
    return Reason("not_free", _("No free time in the job's window"))


def suggest(
    session: Session, job: Job, day_date: Any, *, only: str | None = None, at: int | None = None
) -> tuple[Day, Suggestions, dict[str, _Slot]]:
    day, task = job_day(session, job, day_date)
    if at is not None:
        task = replace(task, window=(at, at))
    able, unsuitable = _trials(day, job, task, only)
    found: list[tuple[Suggestion, _Slot]] = []
    full: list[tuple[_Technician, list[Reason]]] = []
    for trial, skills in able:
        slot = trial.best(trial.route, task)
        if slot is None:
            full.append((trial, skills))
            continue
        found.append((_suggestion(day, job, task, trial, slot, skills), slot))
    if not found and task.priority == Priority.EMERGENCY:
        for trial, skills in full:
            slot = trial.with_bumps()
            if slot is not None:
                found.append((_suggestion(day, job, task, trial, slot, skills), slot))
            else:
                unsuitable.append(
                    Unsuitable(
                        uuid.UUID(trial.resource.id),
                        _name(day, trial.resource.id),
                        (_not_free(task),),
                    )
                )
    else:
        for trial, _skills in full:
            resource_id = trial.resource.id
            unsuitable.append(
                Unsuitable(uuid.UUID(resource_id), _name(day, resource_id), (_not_free(task),))
            )
    found.sort(key=lambda pair: (-pair[0].score, pair[0].start, pair[0].name))
    slots = {str(s.technician_id): slot for s, slot in found}
    return day, Suggestions(job, tuple(s for s, _slot in found), tuple(unsuitable)), slots


@dataclass(frozen=True)
class Assigned:
    job: Job
    bumped: tuple[Job, ...]


def assign(
    session: Session,
    job: Job,
    technician_id: uuid.UUID,
    start: datetime,
    *,
    bump: bool,
    if_match: str | None,
    actor: jobs.Actor,
) -> Assigned:
    """Give ``job`` to the technician at ``start`` (and bump what the suggestion bumps).

    412 when ``if_match`` names another version of the job; 409 when the slot is
    no longer free (or needs bumping and ``bump`` is false). One transaction:
    the caller commits.
    """
    if if_match is not None and if_match.strip().removeprefix("W/") != etag_of(job):
        raise PreconditionFailed(
            _("The object was changed since you read it; reload it and try again."),
            headers={"ETag": etag_of(job)},
        )
    lifecycle.check_open(job)
    branch = get_scoped(session, Branch, job.branch_id)
    assert branch is not None
    zone = ZoneInfo(branch.timezone)
    local_date = start.astimezone(zone).date()
    at = int((start - day_origin(local_date, zone)).total_seconds())
    day, found, slots = suggest(session, job, local_date, only=str(technician_id), at=at)
    slot = slots.get(str(technician_id))
    if slot is None or not found.suggestions:
        message = _(
            "The technician cannot take the job at that time any more; ask for suggestions again."
        )
        raise Conflict(message)
    suggestion = found.suggestions[0]
    if suggestion.bumps and not bump:
        message = _("The job fits only by bumping other work; confirm the bump.")
        raise Conflict(message, errors={"bump": [message]})
    bumped = []
    for item in suggestion.bumps:
        other = day.jobs[str(item.job_id)]
        if item.consequence == "moved":
            change = Change(other.id, tuple(other.technician_ids), item.start, item.end)
        else:
            change = Change(other.id, (), other.scheduled_start, other.scheduled_end)
        apply_change(session, other, change, actor)
        bumped.append(other)
    others = tuple(t for t in job.technician_ids[1:] if t != technician_id)
    apply_change(
        session,
        job,
        Change(job.id, (technician_id, *others), suggestion.start, suggestion.end),
        actor,
    )
    audit(
        session,
        actor,
        "job",
        job.id,
        {
            "assigned_by": "suggestion",
            "technician_id": str(technician_id),
            "scheduled_start": suggestion.start.isoformat(),
            "bumped": [
                {"job_id": str(b.job_id), "consequence": b.consequence} for b in suggestion.bumps
            ],
        },
    )
    session.flush()
    return Assigned(job, tuple(bumped))
