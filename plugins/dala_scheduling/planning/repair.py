"""Our own steps around an engine: make its routes valid, and build the plan from routes.

Routes here are ``{resource position: [task positions in visit order]}``.
:func:`make_feasible` only ever keeps routes that :func:`timing.feasible`
accepts, so whatever an engine hands over breaks no constraint afterwards;
placing more tasks is :mod:`chains`' job.
"""

from __future__ import annotations

import time

from .indexed import Indexed
from .problem import Plan, Unassigned
from .reasons import reason
from .timing import evaluate, feasible
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
