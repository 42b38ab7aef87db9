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
worker does not pile them up. With several workers the copies would run side by
side: an ``exclusive`` task (the default) takes a lock in the task storage that
every worker shares (Huey's ``lock_task``), and a copy that finds it taken is
skipped, not queued again. A worker killed in the middle leaves the lock behind;
the next ``dala worker`` to start clears it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dala.errors import ConfigurationError

Schedule = Callable[[datetime], bool]

_DEFINITIONS: dict[str, PeriodicTask] = {}

#: What an exclusive periodic task answers when another worker is running it.
SKIPPED: dict[str, Any] = {"skipped": "running in another worker"}


@dataclass(frozen=True)
class PeriodicTask:
    """A periodic task: the function, when it runs (a Huey ``crontab``), Huey options."""

    func: Callable[[], Any]
    name: str
    schedule: Schedule
    options: dict[str, Any]
    exclusive: bool = True


def periodic_task(
    schedule: Schedule, *, name: str | None = None, exclusive: bool = True, **options: Any
) -> Callable[[Callable[[], Any]], PeriodicTask]:
    """Decorator: run ``func`` (no arguments) whenever ``schedule`` (a Huey ``crontab``)
    says so, in an app context of its own and no company's scope; ``exclusive``: one
    run at a time across all workers, a copy due meanwhile is skipped."""

    def define(fn: Callable[[], Any]) -> PeriodicTask:
        task_name = name or f"{fn.__module__}.{fn.__qualname__}"
        existing = _DEFINITIONS.get(task_name)
        if existing is not None and existing.func is not fn:
            raise ConfigurationError(f"two periodic tasks are named {task_name!r}")
        definition = PeriodicTask(
            fn, task_name, schedule, {"expires": 60, **options}, exclusive=exclusive
        )
        _DEFINITIONS[task_name] = definition
        return definition

    return define


def periodic_definitions() -> list[PeriodicTask]:
    """Every periodic task defined so far."""
    return list(_DEFINITIONS.values())
