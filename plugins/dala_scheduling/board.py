"""The dispatch board's data: a branch's technicians, their days and the jobs around them.

One call reads everything the board, the calendar and the map draw, in a fixed
number of SQL statements whatever the size of the branch: technicians with
skills, time off, the planned jobs, the queue, their assignments, customer
names (decrypted, and nothing else of the customer), sites, pins and the
skill catalogue.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from dala.api.etag import etag_of
from dala.tenancy.models import Branch
from dala.work.job_models import Job, JobAssignment, JobStatus, Priority
from dala.work.labels import JOB_STATUS_LABELS
from dala.work.models import Customer, Site, Skill, Technician, TimeOff
from dala_scheduling.models import Pin
from dala_scheduling.planning.problem import TravelModel

#: Statuses of work still to be planned: the queue offers these.
QUEUE_STATUSES = (JobStatus.DRAFT, JobStatus.SCHEDULED)
#: The queue is a worklist, not an archive: the most urgent jobs, at most this many.
QUEUE_LIMIT = 500
DEFAULT_DAY_START = time(8, 0)

PRIORITY_LABELS = {
    Priority.LOW: _l("Low"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("High"),
    Priority.EMERGENCY: _l("Emergency"),
}
_PRIORITY_RANK = {Priority.EMERGENCY: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z``, as every scheduling response writes times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime

    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def overlap(self, other: Span) -> int:
        """Minutes the two spans share."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return max(0, int((end - start).total_seconds() // 60))

    def as_json(self) -> dict[str, str | None]:
        return {"start": iso(self.start), "end": iso(self.end)}


def _clock(value: object) -> time:
    hours, minutes = str(value).split(":", 1)
    return time(int(hours), int(minutes))


def parse_day_start(value: object) -> time:
    """The ``day_start`` setting (HH:MM); a value that is not a clock time reads as 08:00."""
    try:
        return _clock(value)
    except ValueError:
        return DEFAULT_DAY_START


def working_intervals(hours: Sequence[dict[str, object]], day: date, zone: ZoneInfo) -> list[Span]:
    """The technician's working intervals on ``day`` (weekly hours in the branch's time
    zone), in UTC and in order."""
    return sorted(
        (
            Span(
                datetime.combine(day, _clock(h["start"]), zone).astimezone(UTC),
                datetime.combine(day, _clock(h["end"]), zone).astimezone(UTC),
            )
            for h in hours
            if h.get("weekday") == day.weekday()
        ),
        key=lambda s: s.start,
    )


def shift_and_breaks(intervals: Sequence[Span]) -> tuple[Span | None, list[Span]]:
    """One day's shift (first start to last end) and its breaks (the gaps between)."""
    if not intervals:
        return None, []
    pairs = pairwise(intervals)
    breaks = [Span(a.end, b.start) for a, b in pairs if b.start > a.end]
    return Span(intervals[0].start, max(s.end for s in intervals)), breaks


@dataclass(frozen=True)
class BoardRange:
    """The board's days as the branch sees them, and the same span in UTC."""

    first: date
    days: int
    zone: ZoneInfo

    @property
    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]

    @property
    def span(self) -> Span:
        last = self.first + timedelta(days=self.days)
        return Span(
            datetime.combine(self.first, time(0), self.zone).astimezone(UTC),
            datetime.combine(last, time(0), self.zone).astimezone(UTC),
        )


def _planned_jobs(session: Session, branch_id: uuid.UUID, span: Span) -> list[Job]:
    # Overlapping the range, along ix_jobs_branch_start; cancelled work is off the board.
    query = (
        select(Job)
        .options(selectinload(Job.assignments))
        .where(
            Job.branch_id == branch_id,
            Job.scheduled_start < span.end,
            Job.scheduled_end > span.start,
            Job.status != JobStatus.CANCELLED,
            exists().where(
                JobAssignment.tenant_id == Job.tenant_id, JobAssignment.job_id == Job.id
            ),
        )
        .order_by(Job.scheduled_start, Job.number)
    )
    return list(session.scalars(query))


def _queue(session: Session, branch_id: uuid.UUID, span: Span) -> list[Job]:
    # Along ix_jobs_branch_status (branch, status, ...); the assignment check along the
    # unique (tenant, job, technician) index.
    unassigned = ~exists().where(
        JobAssignment.tenant_id == Job.tenant_id, JobAssignment.job_id == Job.id
    )
    rank = case(
        {p.value: r for p, r in _PRIORITY_RANK.items()},
        value=Job.priority,
        else_=len(_PRIORITY_RANK),
    )
    query = (
        select(Job)
        .options(selectinload(Job.assignments))
        .where(
            Job.branch_id == branch_id,
            Job.status.in_(QUEUE_STATUSES),
            or_(unassigned, Job.scheduled_start.is_(None)),
            or_(Job.window_start.is_(None), Job.window_start < span.end),
            or_(Job.window_end.is_(None), Job.window_end > span.start),
        )
        .order_by(rank, Job.window_end.is_(None), Job.window_end, Job.number)
        .limit(QUEUE_LIMIT)
    )
    return list(session.scalars(query))


def _customer_names(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    # Only the name column: the board shows it, so only it is decrypted.
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def _sites(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, dict[str, Any]]:
    # Label and coordinates are plain columns: the encrypted address is not read at all.
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(Site.id, Site.label, Site.latitude, Site.longitude).where(Site.id.in_(wanted))
    )
    return {r.id: {"lat": r.latitude, "lon": r.longitude, "label": r.label} for r in rows}


def _pinned(session: Session, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    wanted = set(ids)
    if not wanted:
        return set()
    return set(session.scalars(select(Pin.job_id).where(Pin.job_id.in_(wanted))))


def _time_off(
    session: Session, technician_ids: Sequence[uuid.UUID], span: Span
) -> dict[uuid.UUID, list[TimeOff]]:
    found: dict[uuid.UUID, list[TimeOff]] = defaultdict(list)
    if not technician_ids:
        return found
    rows = session.execute(
        select(
            TimeOff.id, TimeOff.technician_id, TimeOff.starts_at, TimeOff.ends_at, TimeOff.reason
        )
        .where(
            TimeOff.technician_id.in_(technician_ids),
            TimeOff.starts_at < span.end,
            TimeOff.ends_at > span.start,
        )
        .order_by(TimeOff.starts_at)
    )
    for row in rows:  # columns only: the encrypted note stays closed
        found[row.technician_id].append(row)  # type: ignore[arg-type]
    return found


def _job_json(
    job: Job,
    names: dict[uuid.UUID, str],
    sites: dict[uuid.UUID, dict[str, Any]],
    skills: dict[uuid.UUID, str],
    pinned: set[uuid.UUID],
) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "number": job.number,
        "title": job.title,
        "status": job.status.value,
        "priority": job.priority.value,
        "duration_minutes": job.duration_minutes,
        "window_start": iso(job.window_start),
        "window_end": iso(job.window_end),
        "scheduled_start": iso(job.scheduled_start),
        "scheduled_end": iso(job.scheduled_end),
        "technician_ids": [str(t) for t in job.technician_ids],
        "site": sites.get(job.site_id) if job.site_id else None,
        "customer_name": names.get(job.customer_id),
        "required_skills": [
            {
                "skill_id": str(need["skill_id"]),
                "name": skills.get(uuid.UUID(str(need["skill_id"]))),
                "min_level": need.get("min_level", 1),
            }
            for need in job.required_skills
        ],
        "pinned": job.id in pinned,
        "etag": etag_of(job),
        "version": job.version,
        "conflicts_open": job.conflicts_open,
    }


def _location(site: dict[str, Any] | None) -> tuple[float, float] | None:
    if site is None or site["lat"] is None or site["lon"] is None:
        return None
    return (float(site["lat"]), float(site["lon"]))


def _travel(
    technicians: Sequence[Technician],
    jobs: Sequence[Job],
    sites: dict[uuid.UUID, dict[str, Any]],
    model: TravelModel,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    """Legs between consecutive jobs of each technician's day, from home for the first."""
    by_day: dict[tuple[uuid.UUID, date], list[Job]] = defaultdict(list)
    for job in jobs:  # already in start order
        assert job.scheduled_start is not None
        local_day = job.scheduled_start.astimezone(zone).date()
        for technician_id in job.technician_ids:
            by_day[(technician_id, local_day)].append(job)
    homes = {
        t.id: (t.home_latitude, t.home_longitude)
        for t in technicians
        if t.home_latitude is not None and t.home_longitude is not None
    }
    legs: list[dict[str, Any]] = []
    for (technician_id, _day), day_jobs in by_day.items():
        home = homes.get(technician_id)
        stops: list[tuple[Job | None, tuple[float, float] | None]] = [
            (None, (float(home[0]), float(home[1])) if home else None)
        ]
        stops += [(j, _location(sites.get(j.site_id) if j.site_id else None)) for j in day_jobs]
        located = [s for s in stops if s[1] is not None]
        if len(located) < 2:
            continue
        points = [loc for _job, loc in located if loc is not None]
        seconds, metres = model.durations(points), model.distances(points)
        for i in range(1, len(located)):
            before, after = located[i - 1][0], located[i][0]
            assert after is not None
            legs.append(
                {
                    "technician_id": str(technician_id),
                    "from_job_id": str(before.id) if before is not None else None,
                    "to_job_id": str(after.id),
                    "seconds": seconds[i - 1][i],
                    "meters": metres[i - 1][i],
                }
            )
    return legs


def _technician_json(
    technician: Technician,
    days: Sequence[Sequence[Span]],
    time_off: Sequence[Any],
    jobs: Sequence[Job],
    span: Span,
    skill_names: dict[uuid.UUID, str],
) -> dict[str, Any]:
    shifts: list[Span] = []
    breaks: list[Span] = []
    for day_intervals in days:
        shift, gaps = shift_and_breaks(day_intervals)
        if shift is not None:
            shifts.append(shift)
            breaks.extend(gaps)
    away = [Span(t.starts_at, t.ends_at) for t in time_off]
    capacity = sum(i.minutes() - sum(a.overlap(i) for a in away) for d in days for i in d)
    load = sum(
        Span(j.scheduled_start, j.scheduled_end).overlap(span)
        for j in jobs
        if j.scheduled_start is not None and j.scheduled_end is not None
    )
    home = (
        {"lat": technician.home_latitude, "lon": technician.home_longitude}
        if technician.home_latitude is not None and technician.home_longitude is not None
        else None
    )
    return {
        "id": str(technician.id),
        "user_id": str(technician.user_id),
        "name": technician.user.name,
        "skills": [
            {"id": str(s.skill_id), "name": skill_names.get(s.skill_id), "level": s.level}
            for s in technician.skills
        ],
        "home": home,
        "shifts": [s.as_json() for s in shifts],
        "breaks": [b.as_json() for b in breaks],
        "time_off": [
            {
                "id": str(t.id),
                "start": iso(t.starts_at),
                "end": iso(t.ends_at),
                "reason": t.reason.value,
            }
            for t in time_off
        ],
        "load_minutes": load,
        "capacity_minutes": max(0, capacity),
    }


def board(
    session: Session,
    branch: Branch,
    first: date,
    days: int,
    *,
    travel: TravelModel,
    day_start: time,
) -> dict[str, Any]:
    """Everything the dispatch board shows for ``days`` days of ``branch`` from ``first``."""
    zone = ZoneInfo(branch.timezone)
    span_of = BoardRange(first, days, zone)
    span = span_of.span
    technicians = list(
        session.scalars(
            select(Technician)
            .options(selectinload(Technician.skills))
            .where(Technician.branch_id == branch.id, Technician.active.is_(True))
        )
    )
    technicians.sort(key=lambda t: (t.user.name.casefold(), str(t.id)))
    planned = _planned_jobs(session, branch.id, span)
    queue = _queue(session, branch.id, span)
    everything = [*planned, *queue]
    names = _customer_names(session, (j.customer_id for j in everything))
    sites = _sites(session, (j.site_id for j in everything))
    pinned = _pinned(session, (j.id for j in everything))
    skill_rows = session.execute(select(Skill.id, Skill.name).order_by(Skill.name)).all()
    skill_names = {row.id: row.name for row in skill_rows}
    away = _time_off(session, [t.id for t in technicians], span)

    jobs_of: dict[uuid.UUID, list[Job]] = defaultdict(list)
    for job in planned:
        for technician_id in job.technician_ids:
            jobs_of[technician_id].append(job)
    intervals = {
        t.id: [working_intervals(t.working_hours, day, zone) for day in span_of.dates]
        for t in technicians
    }
    rows = [
        _technician_json(
            t, intervals[t.id], away.get(t.id, []), jobs_of.get(t.id, []), span, skill_names
        )
        for t in technicians
    ]
    last_shift_end = max(
        (i.end for days in intervals.values() for day in days for i in day), default=None
    )
    window_start = datetime.combine(first, day_start, zone).astimezone(UTC)
    window_end = min(
        span.end,
        max(
            [m for m in (last_shift_end, *(j.scheduled_end for j in planned)) if m is not None],
            default=span.end,
        ),
    )
    if window_end <= window_start:
        window_end = span.end
    return {
        "branch": {"id": str(branch.id), "name": branch.name, "time_zone": branch.timezone},
        "from": first.isoformat(),
        "days": days,
        "window": {"start": iso(window_start), "end": iso(window_end)},
        "technicians": rows,
        "jobs": [_job_json(j, names, sites, skill_names, pinned) for j in planned],
        "queue": [_job_json(j, names, sites, skill_names, pinned) for j in queue],
        "travel": _travel(technicians, planned, sites, travel, zone),
        "skills": [{"id": str(row.id), "name": row.name} for row in skill_rows],
        "statuses": [
            {"value": s.value, "label": str(label)} for s, label in JOB_STATUS_LABELS.items()
        ],
        "priorities": [
            {"value": p.value, "label": str(label)} for p, label in PRIORITY_LABELS.items()
        ],
    }


def job_object(session: Session, job: Job) -> dict[str, Any]:
    """One job in the board's shape (the answer of the job endpoints)."""
    needed = [uuid.UUID(str(n["skill_id"])) for n in job.required_skills]
    skill_names: dict[uuid.UUID, str] = {}
    if needed:
        rows = session.execute(select(Skill.id, Skill.name).where(Skill.id.in_(needed)))
        skill_names = {row.id: row.name for row in rows}
    return _job_json(
        job,
        _customer_names(session, [job.customer_id]),
        _sites(session, [job.site_id]),
        skill_names,
        _pinned(session, [job.id]),
    )
