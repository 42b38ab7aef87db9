"""The day planner: the one entry point the product and the benchmarks use.

* :func:`plan` — a proposal for the whole day within a time budget.
* :func:`schedule` — the times, breaks, travel and violations of a given
  assignment (the branch's current plan, a manual drag).
* :func:`replan` — repair a plan in force after something changed at ``now``
  (a new emergency, a technician gone), leaving the past and work in progress
  alone.

Engine choice, by measurement (``bench/``): PyVRP when nothing is
inexpressible for it (no breaks, no blocked spans) — it is the strongest search
for windows, shifts and capacity; VROOM otherwise, which handles breaks, skills
and priorities natively. Either way the engine's routes are checked with our own
timing, anything invalid is dropped, and our insertion, ejection and relocation
steps place what they can in the remaining time. The result never breaks a
constraint; tasks left out carry a reason that does not depend on the engine.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

from .chains import Chains
from .engines import pyvrp_engine, vroom_engine
from .indexed import Indexed, index
from .problem import Plan, Problem, Progress, Resource, Route
from .reasons import placeable_alone
from .repair import Routes, make_feasible, to_plan
from .timing import evaluate

# What our own repair keeps of the budget after an engine that cannot be told
# to stop early (VROOM) — enough for insertion and ejection on a 500-job day.
_REPAIR_SHARE = 0.35
# Kept back for building the plan (timing every route, reasons for what is left).
_FINISH_SHARE = 0.04
# The same for a re-plan, whose budget is short: merging with the past and timing
# every route must fit in what is left.
_REPLAN_FINISH_SHARE = 0.2


def _needs_breaks(problem: Problem) -> bool:
    return any(res.breaks or res.blocked for res in problem.resources)


def plan(problem: Problem, *, seconds: float, progress: Progress | None = None) -> Plan:
    """The best plan found for ``problem`` within about ``seconds`` of wall time.

    Places as many tasks as it can, emergencies before anything else, then by
    priority, optional ones last; then the least travel. ``problem.current``
    is the warm start when the engine takes one.
    """
    started = time.monotonic()
    deadline = started + seconds * (1 - _FINISH_SHARE)
    report = progress or (lambda done: None)
    report(0.0)
    ix = index(problem)
    remaining = max(0.05, deadline - time.monotonic())
    if _needs_breaks(problem):
        engine = "vroom"
        routes = vroom_engine.sequences(ix, seconds=remaining * (1 - _REPAIR_SHARE))
        report(0.6)
    else:
        engine = "pyvrp"
        routes = pyvrp_engine.sequences(
            ix,
            seconds=remaining * 0.95,
            progress=lambda done: report(0.9 * done),
        )
    before = _signature(routes)
    _improve(ix, routes, deadline, travel=engine == "vroom")
    if _signature(routes) != before:
        engine += "+repair"
    report(1.0)
    return to_plan(ix, routes, engine, started)


def _signature(routes: Routes) -> dict[int, tuple[int, ...]]:
    return {r: tuple(seq) for r, seq in routes.items() if seq}


def _improve(ix: Indexed, routes: Routes, deadline: float, *, travel: bool) -> None:
    make_feasible(ix, routes)
    placed = {ti for seq in routes.values() for ti in seq}
    pending = [ti for ti in range(len(ix.tasks)) if ti not in placed and placeable_alone(ix, ti)]
    chains = Chains(ix, routes)
    pending = chains.insert(pending, deadline)
    # Chains place what they can; moving tasks to cut travel frees time for another
    # round, until neither changes anything.
    while time.monotonic() < deadline:
        before = len(pending)
        if pending:
            pending = chains.place(pending, deadline)
        moved = False
        if travel:
            moved = chains.relocate(deadline)
            moved = chains.exchange(deadline) or moved
        if pending and moved:
            pending = chains.insert(pending, deadline)
        if not moved and len(pending) == before:
            break
    for r in [r for r, seq in routes.items() if not seq]:
        del routes[r]


def schedule(problem: Problem, routes: Mapping[str, Sequence[str]]) -> Plan:
    """Times for a given assignment: arrival, start and end of each visit, breaks,
    travel, distance, idle time and overtime per technician.

    Nothing is moved or dropped: what the assignment breaks (late starts,
    back after the shift, a break that cannot be placed, missing skills, a pin
    to someone else) is listed in each route's ``violations``. Tasks in no
    route are unassigned, with their reason.
    """
    started = time.monotonic()
    ix = index(problem)
    seen: set[str] = set()
    positions: Routes = {}
    for rid, task_ids in routes.items():
        if rid not in ix.resource_pos:
            raise ValueError(f"unknown technician {rid!r}")
        for tid in task_ids:
            if tid not in ix.task_pos:
                raise ValueError(f"unknown task {tid!r}")
            if tid in seen:
                raise ValueError(f"task {tid!r} is in more than one place")
            seen.add(tid)
        positions[ix.resource_pos[rid]] = [ix.task_pos[tid] for tid in task_ids]
    return to_plan(ix, positions, "schedule", started)


class DayPlanner:
    """:func:`plan` as a :class:`~dala_scheduling.planning.problem.Planner`."""

    name = "dala"

    def plan(self, problem: Problem, *, seconds: float, progress: Progress | None = None) -> Plan:
        return plan(problem, seconds=seconds, progress=progress)


# --- re-planning ---------------------------------------------------------------


def replan(problem: Problem, current: Plan, *, now: int, seconds: float = 1.0) -> Plan:
    """Repair ``current`` for ``problem`` as it is at ``now``.

    Visits that started before ``now`` (done or in progress) stay exactly as
    they are, with their technician and times; a break started before ``now``
    counts as taken. The rest of each technician's route is kept in order as
    far as it still works (a technician who left the problem, or whose shift
    now ends earlier, loses what no longer fits); new and dropped tasks are then
    inserted, most important first, moving single tasks between routes when
    that makes room. Pinned tasks stay with their technician throughout.
    """
    started = time.monotonic()
    deadline = started + seconds * (1 - _REPLAN_FINISH_SHARE)
    by_resource = {route.resource_id: route for route in current.routes}
    fixed: dict[str, tuple[Route, list[int]]] = {}
    resources: list[Resource] = []
    task_by_id = {task.id: task for task in problem.tasks}
    frozen: set[str] = set()
    for res in problem.resources:
        route = by_resource.get(res.id)
        if route is None:
            resources.append(_from_now(res, now, res.start_location, ()))
            continue
        done = [v for v in route.visits if v.start < now]
        frozen.update(v.task_id for v in done)
        free_at = max([now, *(v.end for v in done)])
        where = res.start_location
        if done and done[-1].task_id in task_by_id:
            where = task_by_id[done[-1].task_id].location
        taken = tuple(s for s in route.break_starts if s < now)
        fixed[res.id] = (route, [i for i, v in enumerate(route.visits) if v.start < now])
        resources.append(_from_now(res, free_at, where, taken))
    sub = dataclasses.replace(
        problem,
        resources=tuple(resources),
        tasks=tuple(t for t in problem.tasks if t.id not in frozen),
        current={},
    )
    ix = index(sub)
    routes: Routes = {}
    for route in current.routes:
        r = ix.resource_pos.get(route.resource_id)
        if r is None:
            continue
        routes[r] = [ix.task_pos[v.task_id] for v in route.visits if v.task_id in ix.task_pos]
    make_feasible(ix, routes)
    placed = {ti for seq in routes.values() for ti in seq}
    pending = [ti for ti in range(len(ix.tasks)) if ti not in placed and placeable_alone(ix, ti)]
    chains = Chains(ix, routes)
    pending = chains.insert(pending, deadline)
    if pending:
        chains.place(pending, deadline)
    partial = to_plan(ix, routes, "replan", started)
    merged = tuple(
        _merge(ix, res, fixed.get(res.id), routes.get(ix.resource_pos[res.id], []), now)
        for res in problem.resources
        if fixed.get(res.id, (None, []))[1] or routes.get(ix.resource_pos[res.id])
    )
    return Plan(merged, partial.unassigned, "replan", time.monotonic() - started)


def _from_now(
    res: Resource, free_at: int, where: tuple[float, float], taken: tuple[int, ...]
) -> Resource:
    """The rest of a technician's day from ``now``: starting where they are, when free."""
    start = max(res.shift_start, free_at)
    breaks = list(res.breaks)
    # Breaks already started are taken: the earliest-starting ones, one per start.
    for s in sorted(taken):
        for pause in sorted(breaks, key=lambda p: p.earliest_start):
            if pause.earliest_start <= s <= pause.latest_start:
                breaks.remove(pause)
                start = max(start, s + pause.duration)
                break
    blocked = []
    for span_start, span_end in res.blocked:
        if span_end <= start:
            continue
        if span_start < start:
            start = span_end
            continue
        blocked.append((span_start, span_end))
    return dataclasses.replace(
        res,
        start_location=where,
        shift_start=start,
        breaks=tuple(breaks),
        blocked=tuple(blocked),
    )


def _merge(
    ix: Indexed, res: Resource, fixed: tuple[Route, list[int]] | None, seq: list[int], now: int
) -> Route:
    r = ix.resource_pos[res.id]
    rest = evaluate(ix, r, seq)
    if fixed is None:
        return rest
    route, kept = fixed
    taken = tuple(s for s in route.break_starts if s < now)
    if not kept:
        return dataclasses.replace(rest, break_starts=(*taken, *rest.break_starts))
    past = [route.visits[i] for i in kept]
    if not seq and ix.resources[r].shift_end <= ix.resources[r].shift_start:
        # Gone for the day (sick, sent home): the day ends with the work done.
        rest = dataclasses.replace(rest, return_at=past[-1].end, violations=())
    tasks = {task.id: task for task in ix.problem.tasks}
    past_stops = [res.start_location]
    past_stops += [tasks[v.task_id].location for v in past if v.task_id in tasks]
    matrix = ix.problem.travel.distances(past_stops)
    past_distance = sum(matrix[i][i + 1] for i in range(len(past_stops) - 1))
    return Route(
        resource_id=res.id,
        visits=(*past, *rest.visits),
        break_starts=(*taken, *rest.break_starts),
        departure=route.departure,
        return_at=rest.return_at,
        travel=sum(v.travel for v in past) + rest.travel,
        distance=past_distance + rest.distance,
        idle=rest.idle,
        overtime=rest.overtime,
        violations=rest.violations,
    )
