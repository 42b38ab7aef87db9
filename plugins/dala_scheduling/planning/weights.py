"""How much placing a task is worth, for every engine and for our own repair.

An emergency outweighs any number of other jobs; among the rest, each placed job
counts about the same, so that the plan places as many as it can, and priority
decides between jobs that compete for the same slot. Optional jobs go last.
"""

from __future__ import annotations

from .problem import Priority, Task

_WEIGHT = {
    Priority.EMERGENCY: 100,
    Priority.HIGH: 12,
    Priority.NORMAL: 10,
    Priority.LOW: 8,
}
OPTIONAL_WEIGHT = 1


def weight(task: Task) -> int:
    """The task's worth on VROOM's 0-100 priority scale."""
    if task.optional and task.priority != Priority.EMERGENCY:
        return OPTIONAL_WEIGHT
    return _WEIGHT[task.priority]


def rank(task: Task) -> tuple[int, int]:
    """Sort key, most important first when negated: emergencies, then weight."""
    return (int(task.priority == Priority.EMERGENCY), weight(task))
