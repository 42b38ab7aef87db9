"""Why a task is left out, worked out from the problem alone (whatever engine planned it)."""

from __future__ import annotations

from .indexed import Indexed
from .problem import UnassignedReason
from .timing import feasible


def reason(ix: Indexed, ti: int) -> UnassignedReason:
    """The first reason that holds, from the hardest to the softest.

    No technician with the skills; the pinned technician is not working
    (absent, or lacking the skills); no skilled technician could reach the
    window even with nothing else to do; otherwise there was no room left
    (or, for an optional task, it was left out first).
    """
    task = ix.tasks[ti]
    skilled = [r for r, res in enumerate(ix.resources) if task.skills <= res.skills]
    if not skilled:
        return UnassignedReason.NO_SKILLED_TECHNICIAN
    if task.pinned_to is not None:
        pinned = ix.resource_pos.get(task.pinned_to)
        if pinned is None or ix.resources[pinned].shift_end <= ix.resources[pinned].shift_start:
            return UnassignedReason.PINNED_TECHNICIAN_UNAVAILABLE
        if pinned not in skilled:
            return UnassignedReason.NO_SKILLED_TECHNICIAN
        skilled = [pinned]
    if not any(feasible(ix, r, [ti]) for r in skilled):
        return UnassignedReason.WINDOW_UNREACHABLE
    if task.optional:
        return UnassignedReason.LEFT_OUT_OPTIONAL
    return UnassignedReason.NO_CAPACITY


def placeable_alone(ix: Indexed, ti: int) -> bool:
    """Whether some eligible technician could do this task with an otherwise empty day."""
    return any(feasible(ix, r, [ti]) for r in ix.eligible[ti])
