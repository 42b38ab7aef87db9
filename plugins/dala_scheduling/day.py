"""A branch's day as a planning problem, and a plan's answer as changes to jobs.

The day is the branch's calendar date in its time zone; every time in the
problem is seconds from that date's local midnight (so a DST day is 23 or 25
hours long and local clock times stay where people expect them).

How the database becomes a :class:`Problem`:

- **Technicians** active in the branch with working hours that weekday become
  resources. Their first interval starts the shift, their last ends it; a gap
  between two intervals is a :class:`Break` of the gap's length that may start
  up to an hour before or after the gap (inside the shift): the lunch people
  agreed on, moved a little so a long job is not cut by it.
  Time off that covers the start or the end shortens the shift, time off in
  the middle is ``blocked``, time off covering the whole shift drops the
  technician for the day. Home coordinates are where the day starts and ends.
- **Skills** become tokens ``"<skill_id>:1"`` … ``"<skill_id>:<level>"``; a job
  needing level 3 asks for ``"<skill_id>:3"``, so the planner's subset test
  sends it only to technicians at level 3 or above.
- **Jobs** of the branch that are open (draft, scheduled, dispatched) and
  planned inside the day, or waiting in the queue (no technician or no time)
  with a window touching the day or none, become tasks. The customer's
  window is an arrival window: it bounds the start of work. A pinned job
  stays with its lead technician at its scheduled start; a technician whose
  day starts with the working hours leaves early enough to be there (a job
  pinned at 09:00 for a shift from 09:00 is the dispatcher's call, not late).
- **Work under way** (en route, on site) and work finished today are not
  tasks: the technician's day starts at that site when it ends (a job on site
  ends at arrival + duration at the earliest, and never before now).
- ``current`` is today's plan: each technician's lead jobs in start order.

Everything loads in a fixed number of queries, whatever the size of the branch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from dala.errors import NotFound
from dala.tenancy.models import Branch
from dala.tenancy.scoping import get_scoped
from dala.work.job_models import Job, JobStatus
from dala.work.job_models import Priority as JobPriority
from dala.work.models import Skill, Technician, TimeOff
from dala.work.technicians import technicians_query
from dala_scheduling.models import Pin
from dala_scheduling.planning.problem import (
    Break,
    LatLon,
    Plan,
    Priority,
    Problem,
    Resource,
    Task,
    TravelModel,
)

#: Jobs the planner may move.
PLANNABLE = frozenset({JobStatus.DRAFT, JobStatus.SCHEDULED, JobStatus.DISPATCHED})
#: Jobs a technician is busy with now: they fix where and when the rest of the day starts.
UNDER_WAY = frozenset({JobStatus.EN_ROUTE, JobStatus.ON_SITE})

PRIORITIES = {
    JobPriority.LOW: Priority.LOW,
    JobPriority.NORMAL: Priority.NORMAL,
    JobPriority.HIGH: Priority.HIGH,
    JobPriority.EMERGENCY: Priority.EMERGENCY,
}


def skill_tokens(skill_id: object, level: int) -> frozenset[str]:
    """What a technician at ``level`` offers: one token per level up to theirs."""
    return frozenset(f"{skill_id}:{n}" for n in range(1, level + 1))


def needed_tokens(required: Iterable[Mapping[str, object]]) -> frozenset[str]:
    """What a job asks for: its minimum level of each skill."""
    return frozenset(f"{r['skill_id']}:{int(str(r.get('min_level', 1)))}" for r in required)


@dataclass(frozen=True)
class Anchor:
    """The job a technician is busy with (or last finished) today, fixing their day's start."""

    job_id: uuid.UUID
    number: int
    location: LatLon
    ends: int


@dataclass(frozen=True)
class Day:
    """A branch's day: the problem plus what is needed to read a plan back into jobs."""

    branch: Branch
    date: date
    zone: ZoneInfo
    # UTC of the date's local midnight; the problem's time 0.
    origin: datetime
    length: int
    problem: Problem
    # The tasks' jobs and every active technician of the branch, by str(id).
    jobs: dict[str, Job]
    technicians: dict[str, Technician]
    # Why an active technician is not a resource today: "no_hours" or "time_off".
    absent: dict[str, str]
    anchors: dict[str, Anchor]
    skill_names: dict[str, str]
    pinned: frozenset[str] = field(default_factory=frozenset)

    def seconds(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds())

    def moment(self, seconds: int) -> datetime:
        return self.origin + timedelta(seconds=seconds)

    def local(self, seconds: int) -> datetime:
        return self.moment(seconds).astimezone(self.zone)

    def resource(self, technician_id: str) -> Resource | None:
        return next((r for r in self.problem.resources if r.id == technician_id), None)

    def task(self, job_id: str) -> Task | None:
        return next((t for t in self.problem.tasks if t.id == job_id), None)


def _at(day: date, clock: str, zone: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in clock.split(":"))
    if hours == 24:  # "24:00" ends the day
        return datetime.combine(day + timedelta(days=1), time(0), zone)
    return datetime.combine(day, time(hours, minutes), zone)


def _hours(
    technician: Technician, day: date, zone: ZoneInfo, origin: datetime
) -> list[tuple[int, int]]:
    spans = []
    for interval in technician.working_hours or ():
        if interval.get("weekday") != day.weekday():
            continue
        start = _at(day, str(interval["start"]), zone)
        end = _at(day, str(interval["end"]), zone)
        spans.append((int((start - origin).total_seconds()), int((end - origin).total_seconds())))
    return sorted(s for s in spans if s[1] > s[0])


#: How far the planner may move a break from where the working hours put it: a job of
#: four hours in a morning window would otherwise never fit a day with lunch at 13:00.
BREAK_FLEX = 3600


def _lunch(gap_start: int, gap_end: int, shift_start: int, shift_end: int) -> Break:
    """The gap between two working intervals as a break of the same length, which may
    start up to :data:`BREAK_FLEX` earlier or later, inside the shift."""
    length = gap_end - gap_start
    earliest = max(shift_start, gap_start - BREAK_FLEX)
    latest = max(earliest, min(gap_start + BREAK_FLEX, shift_end - length))
    return Break(earliest, latest, length)


def _shift(
    spans: list[tuple[int, int]], time_off: Sequence[tuple[int, int]], not_before: int | None
) -> tuple[int, int, tuple[Break, ...], tuple[tuple[int, int], ...]] | None:
    """Shift start/end, breaks and blocked spans; None when nothing of the shift is left."""
    start, end = spans[0][0], spans[-1][1]
    breaks = [_lunch(a_end, b_start, start, end) for (_, a_end), (b_start, _) in pairwise(spans)]
    blocked: list[tuple[int, int]] = []
    for off_start, off_end in sorted(time_off):
        if off_end <= start or off_start >= end:
            continue
        if off_start <= start:
            start = off_end
        elif off_end >= end:
            end = off_start
        else:
            blocked.append((off_start, off_end))
    if not_before is not None:
        start = max(start, not_before)
    if start >= end:
        return None
    kept_breaks = tuple(
        b for b in breaks if b.earliest_start >= start and b.earliest_start + b.duration <= end
    )
    kept_blocked = tuple((max(a, start), min(b, end)) for a, b in blocked if b > start and a < end)
    return start, end, kept_breaks, kept_blocked


def _site_location(job: Job) -> LatLon | None:
    site = job.site
    if site is None or site.latitude is None or site.longitude is None:
        return None
    return (site.latitude, site.longitude)


def _centre(points: Sequence[LatLon]) -> LatLon:
    """Where someone without a home base (or a job without coordinates) is assumed to be."""
    if not points:
        return (0.0, 0.0)
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def day_origin(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def build_day(
    session: Session,
    branch_id: uuid.UUID,
    day: date,
    travel: TravelModel,
    *,
    now: datetime | None = None,
    include: Iterable[uuid.UUID] = (),
) -> Day:
    """The branch's ``day`` as a problem (see the module's docstring).

    ``now`` (UTC) starts nobody's shift earlier than now — for re-planning the
    rest of a day under way. ``include`` adds jobs that must be tasks whatever
    their plan says (a job to suggest technicians for on another day).
    """
    branch = get_scoped(session, Branch, branch_id)
    if branch is None:
        raise NotFound(_("Branch not found."))
    zone = ZoneInfo(branch.timezone)
    origin = day_origin(day, zone)
    end_of_day = day_origin(day + timedelta(days=1), zone)
    length = int((end_of_day - origin).total_seconds())
    not_before = None
    if now is not None and now > origin:
        not_before = int((now - origin).total_seconds())

    technicians = list(
        session.scalars(
            technicians_query().where(
                Technician.branch_id == branch.id, Technician.active.is_(True)
            )
        )
    )
    by_id = {str(t.id): t for t in technicians}
    time_off: dict[str, list[tuple[int, int]]] = {}
    if technicians:
        rows = session.scalars(
            select(TimeOff).where(
                TimeOff.technician_id.in_([t.id for t in technicians]),
                TimeOff.starts_at < end_of_day,
                TimeOff.ends_at > origin,
            )
        )
        for off in rows:
            time_off.setdefault(str(off.technician_id), []).append(
                (
                    int((off.starts_at - origin).total_seconds()),
                    int((off.ends_at - origin).total_seconds()),
                )
            )

    in_day = and_(Job.scheduled_start < end_of_day, Job.scheduled_end > origin)
    window_touches = or_(
        Job.window_start.is_(None),
        and_(Job.window_start < end_of_day, or_(Job.window_end.is_(None), Job.window_end > origin)),
    )
    # The queue: open work with no time yet, for this day or any.
    queue = and_(Job.status.in_(PLANNABLE), Job.scheduled_start.is_(None), window_touches)
    planned = and_(Job.status.in_(PLANNABLE), in_day)
    # Under way now, or finished today: where and when the technician's day goes on.
    busy = or_(
        Job.status.in_(UNDER_WAY),
        and_(
            Job.status == JobStatus.COMPLETED,
            Job.completed_at >= origin,
            Job.completed_at < end_of_day,
        ),
    )
    wanted = or_(queue, planned, busy)
    extra = list(include)
    if extra:
        wanted = or_(wanted, Job.id.in_(extra))
    rows_jobs = list(
        session.scalars(
            select(Job)
            .where(Job.branch_id == branch.id, wanted)
            .options(selectinload(Job.assignments), selectinload(Job.site))
            .order_by(Job.scheduled_start.asc().nulls_last(), Job.number)
        )
    )
    pinned = (
        {
            str(job_id)
            for job_id in session.scalars(
                select(Pin.job_id).where(Pin.job_id.in_([j.id for j in rows_jobs]))
            )
        }
        if rows_jobs
        else set()
    )
    skill_names = {str(s.id): s.name for s in session.scalars(select(Skill))}

    points = [p for j in rows_jobs if (p := _site_location(j)) is not None]
    points += [
        (t.home_latitude, t.home_longitude)
        for t in technicians
        if t.home_latitude is not None and t.home_longitude is not None
    ]
    centre = _centre(points)

    ranked: dict[str, tuple[tuple[int, int], Anchor]] = {}
    task_jobs: list[Job] = []
    for job in rows_jobs:
        if job.status in UNDER_WAY or job.status == JobStatus.COMPLETED:
            anchor = _anchor(job, origin, now, centre)
            if anchor.ends < 0:  # over before this day began: no bearing on it
                continue
            # Work under way wins over work done; of two, the one ending later.
            rank = (int(job.status in UNDER_WAY), anchor.ends)
            for technician_id in job.technician_ids:
                key = str(technician_id)
                if key not in ranked or rank > ranked[key][0]:
                    ranked[key] = (rank, anchor)
        else:
            task_jobs.append(job)
    anchors = {key: anchor for key, (_rank, anchor) in ranked.items()}

    tasks = [
        _task(job, day_origin=origin, length=length, pinned=str(job.id) in pinned, centre=centre)
        for job in task_jobs
    ]
    # Jobs pinned in time as well as to a technician: their window is their start.
    pinned_times: dict[str, list[Task]] = {}
    for job, task in zip(task_jobs, tasks, strict=True):
        if task.pinned_to is not None and job.scheduled_start is not None:
            pinned_times.setdefault(task.pinned_to, []).append(task)

    resources: list[Resource] = []
    absent: dict[str, str] = {}
    for technician in technicians:
        key = str(technician.id)
        spans = _hours(technician, day, zone, origin)
        if not spans:
            absent[key] = "no_hours"
            continue
        shift = _shift(spans, time_off.get(key, ()), not_before)
        if shift is None:
            absent[key] = "time_off" if time_off.get(key) else "day_over"
            continue
        start, end, breaks, blocked = shift
        home = (
            (technician.home_latitude, technician.home_longitude)
            if technician.home_latitude is not None and technician.home_longitude is not None
            else centre
        )
        begin_at = home
        busy_with = anchors.get(key)
        if busy_with is not None and busy_with.ends > start:
            start, begin_at = busy_with.ends, busy_with.location
            breaks = tuple(b for b in breaks if b.earliest_start >= start)
            blocked = tuple((max(a, start), b) for a, b in blocked if b > start)
            if start >= end:
                absent[key] = "day_over"
                continue
        elif busy_with is not None:
            begin_at = busy_with.location
        if start == spans[0][0]:
            # Nothing but the hours holds them (no time off, no work, not later than now).
            leave = _leave_for_pins(pinned_times.get(key, ()), begin_at, travel)
            if leave is not None and (not_before or 0) <= leave < start:
                start = leave
        tokens: frozenset[str] = frozenset()
        for held_skill in technician.skills:
            tokens |= skill_tokens(held_skill.skill_id, held_skill.level)
        resources.append(
            Resource(
                id=key,
                start_location=begin_at,
                end_location=home,
                shift_start=start,
                shift_end=end,
                skills=tokens,
                breaks=breaks,
                blocked=blocked,
                cost_per_hour=technician.hourly_cost_minor,
            )
        )

    working = {r.id for r in resources}
    current: dict[str, list[tuple[int, str]]] = {}
    for job in task_jobs:
        if (
            job.technician_ids
            and job.scheduled_start is not None
            and job.scheduled_start < end_of_day
            and job.scheduled_end
            and job.scheduled_end > origin
        ):
            lead = str(job.technician_ids[0])
            if lead in working:
                current.setdefault(lead, []).append(
                    (int((job.scheduled_start - origin).total_seconds()), str(job.id))
                )
    problem = Problem(
        resources=tuple(resources),
        tasks=tuple(tasks),
        travel=travel,
        current={k: tuple(job_id for _, job_id in sorted(v)) for k, v in current.items()},
    )
    return Day(
        branch=branch,
        date=day,
        zone=zone,
        origin=origin,
        length=length,
        problem=problem,
        jobs={str(j.id): j for j in task_jobs},
        technicians=by_id,
        absent=absent,
        anchors=anchors,
        skill_names=skill_names,
        pinned=frozenset(pinned),
    )


def _anchor(job: Job, origin: datetime, now: datetime | None, centre: LatLon) -> Anchor:
    """Where and when a technician busy with (or done with) ``job`` is free again."""
    duration = timedelta(minutes=job.duration_minutes)
    if job.status == JobStatus.COMPLETED and job.completed_at is not None:
        ends = job.completed_at
    else:
        # On site since the arrival, or arriving about now when on the way; never over yet.
        started = (
            job.status_changed_at
            if job.status == JobStatus.ON_SITE
            else (now or job.status_changed_at)
        )
        ends = started + duration
        if now is not None:
            ends = max(ends, now)
    at = int((ends - origin).total_seconds())
    return Anchor(job.id, job.number, _site_location(job) or centre, at)


def _leave_for_pins(pins: Sequence[Task], begin_at: LatLon, travel: TravelModel) -> int | None:
    """The latest time to leave ``begin_at`` and still start each job pinned in time
    (its window is its start) on time; None without such jobs."""
    if not pins:
        return None
    times = travel.durations([begin_at, *(task.location for task in pins)])[0][1:]
    return min(
        max(0, task.window[0] - there)
        for task, there in zip(pins, times, strict=True)
        if task.window is not None
    )


def _task(job: Job, *, day_origin: datetime, length: int, pinned: bool, centre: LatLon) -> Task:
    window: tuple[int, int] | None = None
    if job.window_start is not None or job.window_end is not None:
        earliest = int((job.window_start - day_origin).total_seconds()) if job.window_start else 0
        latest = int((job.window_end - day_origin).total_seconds()) if job.window_end else length
        window = (max(0, earliest), min(length, latest))
    pinned_to = None
    if pinned and job.technician_ids:
        pinned_to = str(job.technician_ids[0])
        if job.scheduled_start is not None:
            at = int((job.scheduled_start - day_origin).total_seconds())
            window = (at, at)
    return Task(
        id=str(job.id),
        location=_site_location(job) or centre,
        duration=job.duration_minutes * 60,
        skills=needed_tokens(job.required_skills or ()),
        window=window,
        priority=PRIORITIES[job.priority],
        pinned_to=pinned_to,
    )


@dataclass(frozen=True)
class Change:
    """What a plan does to one job: who (lead first) and when (UTC); no one = unassigned."""

    job_id: uuid.UUID
    technician_ids: tuple[uuid.UUID, ...]
    scheduled_start: datetime | None
    scheduled_end: datetime | None


def to_changes(day: Day, plan: Plan) -> list[Change]:
    """The plan as per-job changes: placed jobs get their technician and times; jobs the
    plan leaves out lose their technician of the day (they go back to the queue) and keep
    their time. Jobs the plan would leave as they are are not listed."""
    changes: list[Change] = []
    placed: set[str] = set()
    for route in plan.routes:
        lead = uuid.UUID(route.resource_id)
        for visit in route.visits:
            job = day.jobs.get(visit.task_id)
            if job is None:
                continue
            placed.add(visit.task_id)
            start = day.moment(visit.start)
            end = start + timedelta(minutes=job.duration_minutes)
            others = tuple(t for t in job.technician_ids[1:] if t != lead)
            change = Change(job.id, (lead, *others), start, end)
            if (
                tuple(job.technician_ids) != change.technician_ids
                or job.scheduled_start != start
                or job.scheduled_end != end
            ):
                changes.append(change)
    for left in plan.unassigned:
        job = day.jobs.get(left.task_id)
        if job is None or left.task_id in placed or not job.technician_ids:
            continue
        changes.append(Change(job.id, (), job.scheduled_start, job.scheduled_end))
    return changes
