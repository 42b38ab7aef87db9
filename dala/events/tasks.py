"""Background tasks that run as the company (and user) that asked for them.

Define a task with :func:`tenant_task` in a module imported at start-up (a
plug-in's ``plugin.py`` imports its ``tasks.py``; ``dala worker --import`` adds
others), then start it from a request, a service or another task::

    from dala.events.tasks import enqueue, enqueue_after_commit, report_progress, tenant_task

    @tenant_task(retries=2, retry_delay=30)
    def plan_day(branch_id: str, day: str) -> dict[str, int]:
        session = get_session()             # this task's own session, tenant-scoped
        for i, job in enumerate(jobs):
            ...
            report_progress((i + 1) / len(jobs), "placing jobs")
        session.commit()                    # nothing is committed for the task
        return {"placed": len(jobs)}        # JSON: kept as the task's result

    task_id = enqueue(plan_day, str(branch.id), "2026-03-02")
    status = task_status(task_id)           # state, progress, message, result

What the task promises:

- The company (and branch) of the enqueuing request or task, and the user if
  there is one, are captured when it is enqueued and carried in the message;
  the body runs in an app context of its own with that tenant context set
  (:func:`task_user_id` gives the user), and the context is reset afterwards,
  on error too, so one task never runs as the company of another.
- Arguments are pickled into the queue's storage: pass ids and plain values,
  never secrets or customer details (they would sit in Redis or a file, and
  workers' logs name tasks by id only).
- Enqueue after the commit that makes the task's input visible
  (:func:`enqueue_after_commit`), or the worker may not find it.
- ``report_progress(fraction, message)`` and the return value (JSON) are kept in
  the status store for ``TASKS_STATUS_TTL_HOURS``; :func:`task_status` reads
  them for the current company only (another company's task id is not found).
- The error of a failed run is kept as its exception's class name only.

``TASKS_IMMEDIATE`` runs tasks at once in the enqueuing thread (tests);
otherwise ``dala worker`` runs them.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, ParamSpec, TypeVar

from flask import Flask, g, has_app_context
from flask_babel import gettext as _
from huey.api import Task
from sqlalchemy.orm import Session

from dala.db import on_commit, utcnow
from dala.errors import ConfigurationError, NotFound
from dala.events.task_queue import queue_of
from dala.events.task_status import StatusStore
from dala.tenancy import context

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

QUEUED, RUNNING, RETRYING, DONE, FAILED = "queued", "running", "retrying", "done", "failed"

_DEFINITIONS: dict[str, TenantTask[Any, Any]] = {}


class TenantTask(Generic[P, R]):
    """A task definition: the function and its Huey options (retries, retry_delay, ...)."""

    def __init__(self, func: Callable[P, R], name: str, options: dict[str, Any]) -> None:
        self.func = func
        self.name = name
        self.options = options

    def __repr__(self) -> str:
        return f"<task {self.name}>"

    def execute(
        self,
        app: Flask,
        status: StatusStore,
        envelope: dict[str, Any],
        task: Task,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        """Run the body as the envelope's company and user; record how it went."""
        tenant_id = uuid.UUID(envelope["tenant"])
        branch_id = uuid.UUID(envelope["branch"]) if envelope.get("branch") else None
        user_id = uuid.UUID(envelope["user"]) if envelope.get("user") else None
        running = _Running(task.id, self.name, tenant_id, user_id, status)
        with app.app_context():
            tenant_token = context.activate(tenant_id, branch_id)
            running_token = _RUNNING.set(running)
            try:
                running.update(state=RUNNING, started_at=_now(), error=None)
                result = self.func(*args, **kwargs)
            except Exception as exc:
                retrying = bool(task.retries)
                running.update(
                    state=RETRYING if retrying else FAILED,
                    error=type(exc).__name__,
                    finished_at=None if retrying else _now(),
                )
                raise
            else:
                running.update(state=DONE, progress=1.0, result=_plain(result), finished_at=_now())
            finally:
                _RUNNING.reset(running_token)
                context.reset(tenant_token)


def tenant_task(
    func: Callable[P, R] | None = None, *, name: str | None = None, **options: Any
) -> Any:
    """Decorator: make ``func`` a background task run as the enqueuing company.

    ``@tenant_task`` or ``@tenant_task(retries=2, retry_delay=30, timeout=600)``
    (Huey's task options). The name (default ``module.function``) identifies the
    task in messages: keep it stable while messages may be queued.
    """

    def define(fn: Callable[P, R]) -> TenantTask[P, R]:
        task_name = name or f"{fn.__module__}.{fn.__qualname__}"
        existing = _DEFINITIONS.get(task_name)
        if existing is not None and existing.func is not fn:
            raise ConfigurationError(f"two background tasks are named {task_name!r}")
        definition: TenantTask[P, R] = TenantTask(fn, task_name, options)
        _DEFINITIONS[task_name] = definition
        return definition

    return define(func) if func is not None else define


def definitions() -> list[TenantTask[Any, Any]]:
    """Every task defined so far."""
    return list(_DEFINITIONS.values())


def _envelope() -> dict[str, str | None]:
    tenant_id = context.current_tenant_id()  # a task always runs as some company
    branch_id = context.current_branch_id()
    return {
        "tenant": str(tenant_id),
        "branch": str(branch_id) if branch_id else None,
        "user": str(user) if (user := _current_user_id()) else None,
    }


def _current_user_id() -> uuid.UUID | None:
    running = _RUNNING.get()
    if running is not None:
        return running.user_id
    if has_app_context():
        principal = g.get("principal")
        if principal is not None:
            user_id: uuid.UUID = principal.user.id
            return user_id
    return None


def _prepare(task: TenantTask[P, Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The Huey task for one run, with its id, and its record written as queued."""
    queue = queue_of()
    envelope = _envelope()
    wrapper = queue.wrapper(task)
    message = wrapper.s(envelope, args, kwargs, id=str(uuid.uuid4()))
    record = {
        "id": message.id,
        "name": task.name,
        "tenant_id": envelope["tenant"],
        "user_id": envelope["user"],
        "state": QUEUED,
        "progress": None,
        "message": None,
        "result": None,
        "error": None,
        "enqueued_at": _now(),
        "started_at": None,
        "finished_at": None,
    }
    # Written before the message is queued, so a fast worker's "running" is never overwritten.
    queue.status.put(message.id, record)
    return queue, message


def enqueue(task: TenantTask[P, Any], *args: P.args, **kwargs: P.kwargs) -> str:
    """Queue a run of ``task`` as the current company (and user); its id."""
    queue, message = _prepare(task, args, kwargs)
    queue.huey.enqueue(message)
    task_id: str = message.id
    return task_id


def enqueue_after_commit(
    session: Session, task: TenantTask[P, Any], *args: P.args, **kwargs: P.kwargs
) -> str:
    """Queue a run of ``task`` once ``session`` commits (none on rollback); its id, now."""
    queue, message = _prepare(task, args, kwargs)
    on_commit(session, lambda: queue.huey.enqueue(message))
    task_id: str = message.id
    return task_id


@dataclass(frozen=True)
class TaskStatus:
    """How a task is doing. ``state``: queued, running, retrying, done or failed."""

    id: str
    name: str
    state: str
    progress: float | None
    message: str | None
    result: Any
    error: str | None
    user_id: uuid.UUID | None
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def task_status(task_id: str) -> TaskStatus:
    """The status of one of the current company's tasks; :class:`NotFound` for any other."""
    tenant_id = context.current_tenant_id()
    record = queue_of().status.get(task_id)
    if record is None or record.get("tenant_id") != str(tenant_id):
        raise NotFound(_("Task not found."))

    def when(key: str) -> datetime | None:
        return datetime.fromisoformat(record[key]) if record.get(key) else None

    return TaskStatus(
        id=record["id"],
        name=record["name"],
        state=record["state"],
        progress=record["progress"],
        message=record["message"],
        result=record["result"],
        error=record["error"],
        user_id=uuid.UUID(record["user_id"]) if record.get("user_id") else None,
        enqueued_at=datetime.fromisoformat(record["enqueued_at"]),
        started_at=when("started_at"),
        finished_at=when("finished_at"),
    )


def report_progress(fraction: float, message: str | None = None) -> None:
    """Inside a task: how far it is (0 to 1) and what it does now (short, no customer
    details). Outside a task it does nothing, so services can report either way."""
    running = _RUNNING.get()
    if running is None:
        return
    running.update(progress=min(max(float(fraction), 0.0), 1.0), message=message)


def task_user_id() -> uuid.UUID | None:
    """Inside a task: the user who enqueued it (None for system tasks or outside tasks)."""
    running = _RUNNING.get()
    return running.user_id if running is not None else None


def current_task_id() -> str | None:
    """Inside a task: its id."""
    running = _RUNNING.get()
    return running.task_id if running is not None else None


class _Running:
    """The task this thread runs: its record, kept current in the status store."""

    def __init__(
        self,
        task_id: str,
        name: str,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID | None,
        status: StatusStore,
    ) -> None:
        self.task_id = task_id
        self.user_id = user_id
        self._status = status
        self._record: dict[str, Any] = status.get(task_id) or {
            "id": task_id,
            "name": name,
            "tenant_id": str(tenant_id),
            "user_id": str(user_id) if user_id else None,
            "progress": None,
            "message": None,
            "result": None,
            "enqueued_at": _now(),
        }

    def update(self, **changes: Any) -> None:
        self._record.update(changes)
        try:
            self._status.put(self.task_id, self._record)
        except Exception:
            # Progress is for people watching; the work itself must go on.
            log.exception("task %s: could not store its status", self.task_id)


_RUNNING: ContextVar[_Running | None] = ContextVar("dala_task", default=None)


def _now() -> str:
    return utcnow().isoformat()


def _plain(value: Any) -> Any:
    """``value`` as JSON holds it (UUIDs and times as strings)."""
    return json.loads(json.dumps(value, default=str))
