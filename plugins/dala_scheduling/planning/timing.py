"""When each visit of a given sequence happens, where the breaks go, and what it breaks.

Service starts as early as its window allows; breaks (and blocked spans) go
where they cost least, found by a small dynamic programme over the legs: a
break may interrupt travel or fill waiting time, never a job. Taking a break
earlier within a leg never makes anything later, so the earliest finish per
"breaks taken so far" is all the programme has to keep.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from .indexed import Indexed, can_do
from .problem import Route, Visit


@dataclass(frozen=True)
class _Leg:
    previous: int
    pause_starts: tuple[int, ...]
    arrival: int
    start: int
    end: int
    travel: int


def feasible(ix: Indexed, r: int, seq: Sequence[int]) -> bool:
    """Whether resource ``r`` can do tasks ``seq`` in this order, breaking nothing."""
    return _walk(ix, r, seq, strict=True) is not None


def route_travel(ix: Indexed, r: int, seq: Sequence[int]) -> int:
    if not seq:
        return 0
    d = ix.durations
    loc = ix.task_loc
    total = d[ix.start_loc[r]][loc[seq[0]]] + d[loc[seq[-1]]][ix.end_loc[r]]
    for a, b in itertools.pairwise(seq):
        total += d[loc[a]][loc[b]]
    return total


def evaluate(ix: Indexed, r: int, seq: Sequence[int]) -> Route:
    """The timed route for resource ``r`` doing ``seq``, with every violation listed."""
    resource = ix.resources[r]
    if not seq and ix.start_loc[r] == ix.end_loc[r] and not ix.resource_pauses[r]:
        return Route(resource.id, (), (), resource.shift_start, resource.shift_start, 0, 0, 0, 0)
    walked = _walk(ix, r, seq, strict=False)
    assert walked is not None
    legs, violations = walked
    tasks = ix.tasks
    visits = tuple(
        Visit(tasks[ti].id, leg.arrival, leg.start, leg.end, leg.travel)
        for ti, leg in zip(seq, legs, strict=False)
    )
    back = legs[-1]
    first = legs[0]
    departure = resource.shift_start
    if seq and not first.pause_starts:
        departure = max(resource.shift_start, first.start - first.travel)
    starts = [s for leg in legs for s in leg.pause_starts]
    breaks = tuple(
        s for s, pause in zip(starts, ix.resource_pauses[r], strict=True) if pause.is_break
    )
    pause_time = sum(p.duration for p in ix.resource_pauses[r])
    travel = sum(leg.travel for leg in legs)
    service = sum(tasks[ti].duration for ti in seq)
    distance = _distance(ix, r, seq)
    idle = max(0, back.end - departure - travel - service - pause_time)
    return Route(
        resource_id=resource.id,
        visits=visits,
        break_starts=breaks,
        departure=departure,
        return_at=back.end,
        travel=travel,
        distance=distance,
        idle=idle,
        overtime=max(0, back.end - resource.shift_end),
        violations=tuple(violations),
    )


def _distance(ix: Indexed, r: int, seq: Sequence[int]) -> int:
    m = ix.distances
    loc = ix.task_loc
    stops = [ix.start_loc[r], *(loc[t] for t in seq), ix.end_loc[r]]
    return sum(m[a][b] for a, b in itertools.pairwise(stops))


def _walk(
    ix: Indexed, r: int, seq: Sequence[int], *, strict: bool
) -> tuple[list[_Leg], list[str]] | None:
    resource = ix.resources[r]
    tasks = ix.tasks
    pauses = ix.resource_pauses[r]
    n_pauses = len(pauses)
    durations = ix.durations
    violations: list[str] = []

    if resource.capacity > 0:
        load = sum(tasks[ti].demand for ti in seq)
        if load > resource.capacity:
            if strict:
                return None
            violations.append(f"capacity {resource.id}: {load} > {resource.capacity}")
    for ti in seq:
        if not can_do(resource, tasks[ti]):
            if strict:
                return None
            task = tasks[ti]
            what = "pinned elsewhere" if task.pinned_to not in (None, resource.id) else "skills"
            violations.append(f"{what} {task.id}")

    # states[b] = (violations so far, time free at the current stop); trace per leg.
    states: dict[int, tuple[int, int]] = {0: (0, resource.shift_start)}
    trace: list[dict[int, _Leg]] = []
    previous_loc = ix.start_loc[r]
    n = len(seq)
    for k in range(n + 1):
        last = k == n
        if last:
            loc = ix.end_loc[r]
            opens, closes, service = 0, resource.shift_end, 0
        else:
            task = tasks[seq[k]]
            loc = ix.task_loc[seq[k]]
            opens, closes = task.window if task.window is not None else (0, resource.shift_end)
            service = task.duration
        travel = durations[previous_loc][loc]
        best: dict[int, tuple[int, int]] = {}
        legs: dict[int, _Leg] = {}
        for b, (bad, free) in states.items():
            cursor = free
            paused = 0
            starts: list[int] = []
            for j in range(n_pauses - b + 1):
                if j:
                    pause = pauses[b + j - 1]
                    s = max(cursor, pause.earliest)
                    if s > pause.latest:
                        if strict:
                            break
                        bad += 1
                    starts.append(s)
                    cursor = s + pause.duration
                    paused += pause.duration
                if last and b + j < n_pauses:
                    continue
                ready = max(free + travel + paused, cursor)
                start = ready if last else max(ready, opens)
                late = start > closes
                if late and strict:
                    continue
                value = (bad + late, start + service)
                taken = b + j
                if taken not in best or value < best[taken]:
                    arrival = free + travel
                    for s, pause in zip(starts, pauses[b : b + j], strict=False):
                        if s < arrival:
                            arrival += pause.duration
                    best[taken] = value
                    legs[taken] = _Leg(b, tuple(starts), arrival, start, start + service, travel)
        if not best:
            return None
        states = best
        trace.append(legs)
        previous_loc = loc

    # Back from the end: every pause taken.
    chosen: list[_Leg] = []
    b = n_pauses
    for legs in reversed(trace):
        leg = legs[b]
        chosen.append(leg)
        b = leg.previous
    chosen.reverse()
    if not strict:
        violations += _leg_violations(ix, r, seq, chosen)
    return chosen, violations


def _leg_violations(ix: Indexed, r: int, seq: Sequence[int], legs: list[_Leg]) -> list[str]:
    resource = ix.resources[r]
    out: list[str] = []
    for ti, leg in zip(seq, legs, strict=False):
        task = ix.tasks[ti]
        if task.window is not None and leg.start > task.window[1]:
            out.append(f"late {task.id}: starts {leg.start} after {task.window[1]}")
    if legs[-1].end > resource.shift_end:
        out.append(f"shift end {resource.id}: back at {legs[-1].end} after {resource.shift_end}")
    starts = [s for leg in legs for s in leg.pause_starts]
    for s, pause in zip(starts, ix.resource_pauses[r], strict=False):
        if s > pause.latest:
            out.append(f"break {resource.id}: starts {s} after {pause.latest}")
    return out
