"""Our own steps after (or instead of) an engine: make routes valid, then place more tasks.

Routes here are ``{resource position: [task positions in visit order]}``. Every
step only ever keeps routes that :func:`timing.feasible` accepts, so whatever an
engine hands over, what leaves this module breaks no constraint.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from .indexed import Indexed
from .problem import Plan, Unassigned
from .reasons import reason
from .timing import evaluate, feasible, route_travel
from .weights import rank

Routes = dict[int, list[int]]


def make_feasible(ix: Indexed, routes: Routes) -> list[int]:
    """Drop tasks from routes that break something until each passes; return the dropped."""
    dropped: list[int] = []
    for r, seq in routes.items():
        if feasible(ix, r, seq):
            continue
        # Tasks this resource may never do go first; then the least important,
        # the one whose removal makes the rest work.
        keep = [ti for ti in seq if r in ix.eligible[ti]]
        dropped += [ti for ti in seq if r not in ix.eligible[ti]]
        while keep and not feasible(ix, r, keep):
            options = sorted(
                range(len(keep)),
                key=lambda i: (
                    not feasible(ix, r, keep[:i] + keep[i + 1 :]),
                    rank(ix.tasks[keep[i]]),
                ),
            )
            dropped.append(keep.pop(options[0]))
        routes[r] = keep
    return dropped


def _best_insertion(
    ix: Indexed, routes: Routes, ti: int, skip: int | None = None
) -> tuple[int, int, int] | None:
    """Cheapest feasible (added travel, resource, position) for task ``ti``."""
    d = ix.durations
    loc = ix.task_loc[ti]
    best: tuple[int, int, int] | None = None
    for r in ix.eligible[ti]:
        if r == skip:
            continue
        seq = routes.get(r, [])
        stops = [ix.start_loc[r], *(ix.task_loc[t] for t in seq), ix.end_loc[r]]
        # Cheapest positions first, so the first feasible one found per route wins.
        added = sorted(
            (d[stops[p]][loc] + d[loc][stops[p + 1]] - d[stops[p]][stops[p + 1]], p)
            for p in range(len(seq) + 1)
        )
        for cost, p in added:
            if best is not None and cost >= best[0]:
                break
            if feasible(ix, r, [*seq[:p], ti, *seq[p:]]):
                best = (cost, r, p)
                break
    return best


def insert(ix: Indexed, routes: Routes, pending: Iterable[int], deadline: float) -> list[int]:
    """Cheapest insertion, most important tasks first; returns what found no place."""
    left: list[int] = []
    for ti in sorted(pending, key=lambda t: rank(ix.tasks[t]), reverse=True):
        if time.monotonic() > deadline:
            left.append(ti)
            continue
        found = _best_insertion(ix, routes, ti)
        if found is None:
            left.append(ti)
            continue
        _, r, p = found
        routes.setdefault(r, []).insert(p, ti)
    return left


def eject(ix: Indexed, routes: Routes, pending: list[int], deadline: float) -> list[int]:
    """Place a pending task by moving one task of its route elsewhere (or, if it
    matters more, by swapping it for a less important one); returns what is left."""
    left: list[int] = []
    queue = sorted(pending, key=lambda t: rank(ix.tasks[t]), reverse=True)
    while queue:
        ti = queue.pop(0)
        if time.monotonic() > deadline or not _eject_one(ix, routes, ti, queue, left):
            left.append(ti)
    return left


def _eject_one(ix: Indexed, routes: Routes, ti: int, queue: list[int], left: list[int]) -> bool:
    worth = rank(ix.tasks[ti])
    swap: tuple[tuple[int, int], int, list[int], int] | None = None
    for r in ix.eligible[ti]:
        seq = routes.get(r, [])
        for i, out in enumerate(seq):
            rest = seq[:i] + seq[i + 1 :]
            placed = _cheapest_position(ix, r, rest, ti)
            if placed is None:
                continue
            moved = _best_insertion(ix, {**routes, r: placed}, out, skip=r)
            if moved is not None:
                routes[r] = placed
                _, r2, p2 = moved
                routes.setdefault(r2, []).insert(p2, out)
                return True
            out_rank = rank(ix.tasks[out])
            if out_rank < worth and (swap is None or out_rank < swap[0]):
                swap = (out_rank, r, placed, out)
    if swap is None:
        return False
    _, r, placed, out = swap
    routes[r] = placed
    # The swapped-out task may still fit elsewhere later on.
    left.append(out)
    return True


def _cheapest_position(ix: Indexed, r: int, seq: list[int], ti: int) -> list[int] | None:
    best: tuple[int, list[int]] | None = None
    for p in range(len(seq) + 1):
        candidate = [*seq[:p], ti, *seq[p:]]
        cost = route_travel(ix, r, candidate)
        if (best is None or cost < best[0]) and feasible(ix, r, candidate):
            best = (cost, candidate)
    return None if best is None else best[1]


def relocate(ix: Indexed, routes: Routes, deadline: float) -> None:
    """Move single tasks to where they add less travel (a short travel-only local search)."""
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for r in list(routes):
            for ti in list(routes[r]):
                if time.monotonic() > deadline:
                    return
                seq = routes[r]
                i = seq.index(ti)
                rest = seq[:i] + seq[i + 1 :]
                saving = route_travel(ix, r, seq) - route_travel(ix, r, rest)
                routes[r] = rest
                found = _best_insertion(ix, routes, ti)
                if found is not None and found[0] < saving:
                    _, r2, p2 = found
                    routes.setdefault(r2, []).insert(p2, ti)
                    improved = True
                else:
                    routes[r] = seq


def to_plan(ix: Indexed, routes: Routes, engine: str, started: float) -> Plan:
    """The plan for these routes: timed visits, and why each missing task is missing."""
    placed = {ti for seq in routes.values() for ti in seq}
    built = tuple(
        evaluate(ix, r, routes.get(r, [])) for r in range(len(ix.resources)) if routes.get(r)
    )
    unassigned = tuple(
        Unassigned(task.id, reason(ix, ti)) for ti, task in enumerate(ix.tasks) if ti not in placed
    )
    return Plan(built, unassigned, engine, time.monotonic() - started)
