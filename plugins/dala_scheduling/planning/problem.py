"""What a planning problem is made of, and the plan that comes back.

Times are integer seconds from the day's origin (midnight of the branch's day,
in its time zone) — or any other integer unit, as long as durations, windows
and travel agree (the Solomon benchmark uses tenths of a distance unit).
Locations are ``(latitude, longitude)`` pairs for the travel model to measure;
a planar model may read them as ``(x, y)``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

LatLon = tuple[float, float]


class Priority(enum.IntEnum):
    """Who goes first when not everything fits: an emergency before anything else."""

    LOW = 0
    NORMAL = 1
    HIGH = 2
    EMERGENCY = 3


@dataclass(frozen=True)
class Break:
    """A break to take somewhere in the shift: it may interrupt travel, never a job."""

    earliest_start: int
    latest_start: int
    duration: int


@dataclass(frozen=True)
class Resource:
    """A technician's day: where it starts and ends, when, with which skills and breaks.

    ``shift_start`` is the earliest the technician leaves ``start_location``
    (for someone still finishing a job, when that job ends); ``shift_end`` is
    when they must be back at ``end_location``. ``blocked`` are spans inside
    the shift when they do nothing (time off for part of the day).
    """

    id: str
    start_location: LatLon
    end_location: LatLon
    shift_start: int
    shift_end: int
    skills: frozenset[str] = frozenset()
    breaks: tuple[Break, ...] = ()
    blocked: tuple[tuple[int, int], ...] = ()
    # Minor units per hour of work, for totals; 0 when unknown.
    cost_per_hour: int = 0
    # What the vehicle carries (same unit as Task.demand); 0 = no limit.
    capacity: int = 0


@dataclass(frozen=True)
class Task:
    """A job to place: where, how long, which skills, when service may start.

    ``window`` bounds the *start* of service (earliest, latest); ``None`` means
    any time in the shift. ``pinned_to`` keeps the job with that technician;
    a job pinned in time as well gets ``window=(t, t)``. ``optional`` jobs are
    the first left out when the day is too full.
    """

    id: str
    location: LatLon
    duration: int
    skills: frozenset[str] = frozenset()
    window: tuple[int, int] | None = None
    priority: Priority = Priority.NORMAL
    pinned_to: str | None = None
    optional: bool = False
    # Load the job takes from the technician's capacity (Solomon demands); 0 = none.
    demand: int = 0


class TravelModel(Protocol):
    """Travel times (and distances) between locations, in the problem's time unit."""

    name: str

    def durations(self, locations: Sequence[LatLon]) -> list[list[int]]:
        """Square matrix: ``result[i][j]`` is the time from ``locations[i]`` to ``locations[j]``."""
        ...

    def distances(self, locations: Sequence[LatLon]) -> list[list[int]]:
        """Square matrix of distances in metres (or the planar unit)."""
        ...


@dataclass(frozen=True)
class Problem:
    """A day to plan: technicians, jobs, the travel model, and the plan in force now.

    ``current`` is the plan the branch has (technician id → job ids in visit
    order): engines may start from it, and the proposal is compared with it.
    """

    resources: tuple[Resource, ...]
    tasks: tuple[Task, ...]
    travel: TravelModel
    current: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Visit:
    task_id: str
    arrival: int
    start: int
    end: int
    # Travel from the previous stop (the start location for the first visit).
    travel: int


@dataclass(frozen=True)
class Route:
    """One technician's planned day."""

    resource_id: str
    visits: tuple[Visit, ...]
    break_starts: tuple[int, ...]
    departure: int
    return_at: int
    travel: int
    distance: int
    idle: int
    overtime: int
    # What this route breaks (late start, back after shift end, break not placeable,
    # missing skill, ...): a plan built by the planner has none; an evaluated one may.
    violations: tuple[str, ...] = ()


class UnassignedReason(enum.StrEnum):
    """Why a job is not in the plan: what the dispatcher is told."""

    NO_SKILLED_TECHNICIAN = "no_skilled_technician"
    PINNED_TECHNICIAN_UNAVAILABLE = "pinned_technician_unavailable"
    WINDOW_UNREACHABLE = "window_unreachable"
    NO_CAPACITY = "no_capacity"
    LEFT_OUT_OPTIONAL = "left_out_optional"


@dataclass(frozen=True)
class Unassigned:
    task_id: str
    reason: UnassignedReason


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    # Which engine (or engines, "+"-joined) produced it, and the wall time it took.
    engine: str
    seconds: float

    @property
    def placed(self) -> int:
        return sum(len(route.visits) for route in self.routes)

    @property
    def travel(self) -> int:
        return sum(route.travel for route in self.routes)

    @property
    def violations(self) -> tuple[str, ...]:
        return tuple(v for route in self.routes for v in route.violations)


# Called with the fraction done (0..1) while a plan is being searched.
Progress = Callable[[float], None]


class Planner(Protocol):
    """What every engine offers, and what :func:`planner.plan` offers on top of them."""

    name: str

    def plan(
        self, problem: Problem, *, seconds: float, progress: Progress | None = None
    ) -> Plan: ...
