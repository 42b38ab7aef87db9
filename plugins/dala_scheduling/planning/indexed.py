"""A problem with its travel matrices: what engines, evaluation and repair index into.

Locations are de-duplicated (most technicians end where they start), so one
matrix answers every leg; task, start and end positions point into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .problem import LatLon, Problem, Resource, Task


@dataclass(frozen=True)
class Pause:
    """A break or a blocked span, both taken as "do nothing for ``duration``"."""

    earliest: int
    latest: int
    duration: int
    # A break is reported in the plan; a blocked span is not (the board shows it already).
    is_break: bool = True


def pauses(resource: Resource) -> tuple[Pause, ...]:
    """A resource's breaks and blocked spans in the order they are taken."""
    items = [Pause(b.earliest_start, b.latest_start, b.duration) for b in resource.breaks]
    # A blocked span is a break that must start exactly when the span does.
    items += [
        Pause(start, start, end - start, is_break=False)
        for start, end in resource.blocked
        if end > start
    ]
    return tuple(sorted(items, key=lambda p: (p.earliest, p.latest)))


@dataclass
class Indexed:
    problem: Problem
    locations: list[LatLon]
    durations: list[list[int]]
    distances: list[list[int]]
    task_pos: dict[str, int]
    resource_pos: dict[str, int]
    task_loc: list[int]
    start_loc: list[int]
    end_loc: list[int]
    resource_pauses: list[tuple[Pause, ...]]
    # For each task, which resources may do it (skills and pin).
    eligible: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def tasks(self) -> tuple[Task, ...]:
        return self.problem.tasks

    @property
    def resources(self) -> tuple[Resource, ...]:
        return self.problem.resources


def can_do(resource: Resource, task: Task) -> bool:
    if task.pinned_to is not None and task.pinned_to != resource.id:
        return False
    return task.skills <= resource.skills


def index(problem: Problem) -> Indexed:
    """Matrices and positions for ``problem`` (one call to the travel model per matrix)."""
    positions: dict[LatLon, int] = {}
    locations: list[LatLon] = []

    def at(location: LatLon) -> int:
        key = (float(location[0]), float(location[1]))
        if key not in positions:
            positions[key] = len(locations)
            locations.append(key)
        return positions[key]

    task_loc = [at(task.location) for task in problem.tasks]
    start_loc = [at(r.start_location) for r in problem.resources]
    end_loc = [at(r.end_location) for r in problem.resources]
    durations = problem.travel.durations(locations)
    distances = problem.travel.distances(locations)
    eligible = [
        tuple(i for i, r in enumerate(problem.resources) if can_do(r, task))
        for task in problem.tasks
    ]
    return Indexed(
        problem=problem,
        locations=locations,
        durations=durations,
        distances=distances,
        task_pos={task.id: i for i, task in enumerate(problem.tasks)},
        resource_pos={r.id: i for i, r in enumerate(problem.resources)},
        task_loc=task_loc,
        start_loc=start_loc,
        end_loc=end_loc,
        resource_pauses=[pauses(r) for r in problem.resources],
        eligible=eligible,
    )
