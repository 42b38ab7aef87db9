"""PyVRP: the strongest search here for time windows, shifts and capacity (no breaks).

Skills and pins are routing profiles: one travel matrix per distinct "who may
do what", with arcs into forbidden tasks made too long to take. Breaks and
blocked spans cannot be expressed; the planner uses this engine only when
there are none (or repairs the result). When every task is of equal worth and
none is optional, all are required (the Solomon case); otherwise each carries a
prize, large enough that placing a job always beats the travel it costs.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from ..indexed import Indexed, index
from ..problem import Plan, Problem, Progress
from ..repair import Routes, make_feasible, to_plan
from ..weights import weight

# Added to forbidden arcs: more than any day's travel, small enough not to overflow.
_FORBIDDEN = 10**9


class _Clock:
    """A stopping criterion that also reports how far along the budget the search is."""

    def __init__(self, seconds: float, progress: Progress | None) -> None:
        self._limit = MaxRuntime(max(0.01, seconds))
        self._started = time.monotonic()
        self._seconds = max(0.01, seconds)
        self._progress = progress
        self._reported = 0.0

    def __call__(self, best_cost: float) -> bool:
        if self._progress is not None:
            done = min(1.0, (time.monotonic() - self._started) / self._seconds)
            # A tenth at a time is plenty for a progress bar.
            if done - self._reported >= 0.1:
                self._reported = done
                self._progress(done)
        return bool(self._limit(best_cost))  # type: ignore[arg-type]


def sequences(
    ix: Indexed, *, seconds: float, progress: Progress | None = None, seed: int = 1
) -> Routes:
    """PyVRP's visit order per resource position (not yet checked by us)."""
    problem = ix.problem
    tasks, resources = problem.tasks, problem.resources
    if not tasks or not resources:
        return {}
    depot_at: dict[int, int] = {}
    for loc in [*ix.start_loc, *ix.end_loc]:
        depot_at.setdefault(loc, len(depot_at))
    depots = [pyvrp.Depot(location=d) for d in depot_at.values()]
    # Each task its own node (tasks at one address may need different skills),
    # after the depots.
    first = len(depot_at)
    nodes = [*depot_at, *ix.task_loc]
    durations = np.asarray(ix.durations, dtype=np.int64)[np.ix_(nodes, nodes)]
    locations = [
        pyvrp.Location(x=float(ix.locations[n][1]), y=float(ix.locations[n][0])) for n in nodes
    ]

    # Who may do what: one profile per distinct set of eligible tasks.
    allowed = [
        frozenset(ti for ti in range(len(tasks)) if r in ix.eligible[ti])
        for r in range(len(resources))
    ]
    profile_of: dict[frozenset[int], int] = {}
    for may in allowed:
        profile_of.setdefault(may, len(profile_of))
    matrices: list[Any] = []
    for may in profile_of:
        if len(may) < len(tasks):
            matrix = durations.copy()
            matrix[:, [first + ti for ti in range(len(tasks)) if ti not in may]] += _FORBIDDEN
            np.fill_diagonal(matrix, 0)
            matrices.append(matrix)
        else:
            matrices.append(durations)

    uniform = len({weight(t) for t in tasks}) == 1 and not any(t.optional for t in tasks)
    # A job's prize exceeds any detour it can cause (twice the longest leg).
    unit = int(2 * durations.max()) + 1
    clients = []
    for ti, task in enumerate(tasks):
        early, late = task.window if task.window is not None else (0, 2**62)
        clients.append(
            pyvrp.Client(
                location=first + ti,
                delivery=[task.demand],
                service_duration=task.duration,
                tw_early=early,
                tw_late=late,
                # A task nobody may do must not be forced onto someone.
                required=uniform and bool(ix.eligible[ti]),
                prize=0 if uniform else weight(task) * unit,
            )
        )

    # Identical technicians share a vehicle type.
    types: dict[tuple[int, int, int, int, int, int], list[int]] = {}
    for r, res in enumerate(resources):
        key = (
            ix.start_loc[r],
            ix.end_loc[r],
            res.shift_start,
            res.shift_end,
            res.capacity,
            profile_of[allowed[r]],
        )
        types.setdefault(key, []).append(r)
    no_limit = sum(t.demand for t in tasks) + 1
    vehicle_types = []
    type_members: list[list[int]] = []
    for (start, end, shift_start, shift_end, capacity, profile), members in types.items():
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                capacity=[capacity or no_limit],
                start_depot=depot_at[start],
                end_depot=depot_at[end],
                tw_early=shift_start,
                tw_late=shift_end,
                profile=profile,
            )
        )
        type_members.append(members)

    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, matrices, matrices)
    initial = _initial(ix, data, type_members)
    with warnings.catch_warnings():
        # PyVRP warns when it cannot make every required task fit; we check and
        # repair its answer ourselves, and say why a task is left out.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(
            data, _Clock(seconds, progress), seed=seed, display=False, initial_solution=initial
        )
    routes: Routes = {}
    free = [list(members) for members in type_members]
    for route in result.best.routes():
        r = free[route.vehicle_type()].pop(0)
        routes[r] = [a.idx for a in route if a.is_client()]
    return routes


def _initial(
    ix: Indexed, data: pyvrp.ProblemData, type_members: list[list[int]]
) -> pyvrp.Solution | None:
    current = ix.problem.current
    if not current:
        return None
    type_of = {r: k for k, members in enumerate(type_members) for r in members}
    routes = []
    for rid, task_ids in current.items():
        r = ix.resource_pos.get(rid)
        visits = [ix.task_pos[t] for t in task_ids if t in ix.task_pos]
        if r is None or not visits:
            continue
        routes.append(pyvrp.Route(data, visits, type_of[r]))
    try:
        return pyvrp.Solution(data, routes) if routes else None
    except (ValueError, IndexError, RuntimeError):
        # A current plan that uses more technicians of a kind than exist now.
        return None


class PyVrpEngine:
    """A :class:`~dala_scheduling.planning.problem.Planner` running PyVRP alone."""

    name = "pyvrp"

    def plan(self, problem: Problem, *, seconds: float, progress: Progress | None = None) -> Plan:
        started = time.monotonic()
        if progress:
            progress(0.0)
        ix = index(problem)
        budget = max(0.05, seconds - (time.monotonic() - started))
        routes = sequences(ix, seconds=budget, progress=progress)
        make_feasible(ix, routes)
        if progress:
            progress(1.0)
        return to_plan(ix, routes, self.name, started)
