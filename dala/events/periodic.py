"""Periodic tasks: work ``dala worker`` starts on a schedule, for the whole platform.

A periodic task runs as no company: it finds what needs doing across companies
and hands each company's part to a :func:`dala.events.tasks.tenant_task`
(enqueued inside ``context.tenant_scope(company)``), so the work itself runs with
the company's scoping and row-level security like any other task. Define one in
a module imported at start-up (a plug-in's ``tasks.py``)::

    from huey import crontab
    from dala.events.periodic import periodic_task

    @periodic_task(crontab(minute="*"))
    def check_late_work() -> dict[str, int]:
        ...

Every running ``dala worker`` enqueues it when the schedule says so; a run
waiting longer than ``expires`` seconds (default: a minute) is dropped, so a busy
worker does not pile them up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dala.errors import ConfigurationError

Schedule = Callable[[datetime], bool]

_DEFINITIONS: dict[str, PeriodicTask] = {}


@dataclass(frozen=True)
class PeriodicTask:
    """A periodic task: the function, when it runs (a Huey ``crontab``), Huey options."""

    func: Callable[[], Any]
    name: str
    schedule: Schedule
    options: dict[str, Any]


def periodic_task(
    schedule: Schedule, *, name: str | None = None, **options: Any
) -> Callable[[Callable[[], Any]], PeriodicTask]:
    """Decorator: run ``func`` (no arguments) whenever ``schedule`` (a Huey ``crontab``)
    says so, in an app context of its own and no company's scope."""

    def define(fn: Callable[[], Any]) -> PeriodicTask:
        task_name = name or f"{fn.__module__}.{fn.__qualname__}"
        existing = _DEFINITIONS.get(task_name)
        if existing is not None and existing.func is not fn:
            raise ConfigurationError(f"two periodic tasks are named {task_name!r}")
        definition = PeriodicTask(fn, task_name, schedule, {"expires": 60, **options})
        _DEFINITIONS[task_name] = definition
        return definition

    return define


def periodic_definitions() -> list[PeriodicTask]:
    """Every periodic task defined so far."""
    return list(_DEFINITIONS.values())
