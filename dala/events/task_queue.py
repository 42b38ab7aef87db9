"""The app's task queue: a Huey instance and a status store, both built from configuration.

``TASKS_URL`` picks the storage the web processes enqueue to and ``dala worker``
consumes from: ``sqlite:///path`` (the embedded default, ``instance/tasks.db``),
``redis://...`` (when ``REDIS_URL`` is set) or ``memory://`` (one process).
``TASKS_IMMEDIATE`` runs every task at once in the enqueuing thread instead.

Task definitions (:class:`dala.events.tasks.TenantTask`) are made at import time,
before any app exists; each app's queue registers them with its Huey lazily, and
all of them before its consumer starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Task, TaskWrapper
from huey.consumer import Consumer
from huey.exceptions import TaskLockedException

from dala.config import sqlite_file
from dala.errors import ConfigurationError
from dala.events.periodic import SKIPPED, periodic_definitions
from dala.events.task_status import (
    MemoryStatusStore,
    RedisStatusStore,
    SqliteStatusStore,
    StatusStore,
)

if TYPE_CHECKING:
    from dala.events.periodic import PeriodicTask
    from dala.events.tasks import TenantTask

_EXTENSION = "dala.tasks"

logger = logging.getLogger(__name__)


class TaskQueue:
    """One app's Huey and status store; kept on ``app.extensions['dala.tasks']``.

    The storage is opened on first use, so building an app touches no file or server.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._backend: tuple[Huey, StatusStore] | None = None
        self._wrappers: dict[str, TaskWrapper] = {}
        self._lock = threading.RLock()

    @property
    def huey(self) -> Huey:
        return self._open()[0]

    @property
    def status(self) -> StatusStore:
        return self._open()[1]

    def _open(self) -> tuple[Huey, StatusStore]:
        with self._lock:
            if self._backend is None:
                self._backend = _backend(self.app.config)
            return self._backend

    def wrapper(self, definition: TenantTask) -> TaskWrapper:
        """The Huey task of ``definition`` in this queue (registered on first use)."""
        with self._lock:
            found = self._wrappers.get(definition.name)
            if found is None:
                found = self._register(definition)
                self._wrappers[definition.name] = found
            return found

    def _register(self, definition: TenantTask) -> TaskWrapper:
        app = self.app
        status = self.status

        def run(
            envelope: dict[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any], task: Task
        ) -> None:
            definition.execute(app, status, envelope, task, args, kwargs)

        wrapper: TaskWrapper = self.huey.task(
            name=definition.name, context=True, **definition.options
        )(run)
        return wrapper

    def register_all(self) -> list[str]:
        """Register every task defined so far; their names (what a worker can run)."""
        from dala.events.tasks import definitions

        return sorted(self.wrapper(d).name for d in definitions())

    def register_periodic(self) -> list[str]:
        """Register every periodic task defined so far; their names (what a worker starts
        on schedule)."""
        from dala.events.periodic import periodic_definitions

        with self._lock:
            for definition in periodic_definitions():
                if definition.name not in self._wrappers:
                    self._wrappers[definition.name] = self._register_periodic(definition)
        return sorted(d.name for d in periodic_definitions())

    def _register_periodic(self, definition: PeriodicTask) -> TaskWrapper:
        app = self.app
        huey = self.huey

        def run() -> Any:
            if not definition.exclusive:
                with app.app_context():
                    return definition.func()
            return _run_alone(huey, definition, app)

        wrapper: TaskWrapper = self.huey.periodic_task(
            definition.schedule, name=definition.name, **definition.options
        )(run)
        return wrapper

    def consumer(self, workers: int = 1) -> Consumer:
        """A Huey consumer with ``workers`` threads running this queue's tasks, and
        starting its periodic tasks on schedule."""
        self.register_all()
        self.register_periodic()
        # A lock still held now was left by a worker that died mid-run (none is running
        # here yet); another worker's run in progress may lose its lock and run twice once.
        stale = self.huey.flush_locks(*(d.name for d in periodic_definitions() if d.exclusive))
        if stale:
            logger.warning("cleared periodic task locks left behind: %s", ", ".join(sorted(stale)))
        # An idle worker looks at SQLite storage at least once a second (Redis blocks instead).
        consumer: Consumer = self.huey.create_consumer(
            workers=workers, worker_type="thread", max_delay=1.0
        )
        return consumer


def _run_alone(huey: Huey, definition: PeriodicTask, app: Flask) -> Any:
    """Run ``definition`` unless another worker is running it (then skip, never wait or
    retry: the next run is due on schedule anyway)."""
    lock = huey.lock_task(definition.name)
    try:
        lock.acquire()
    except TaskLockedException:
        logger.info("periodic task %s skipped: running in another worker", definition.name)
        return SKIPPED
    try:
        with app.app_context():
            return definition.func()
    finally:
        lock.release()


def _backend(cfg: Mapping[str, Any]) -> tuple[Huey, StatusStore]:
    url: str = cfg["TASKS_URL"]
    name: str = cfg["TASKS_NAME"]
    ttl = float(cfg["TASKS_STATUS_TTL_HOURS"]) * 3600
    scheme = urlsplit(url).scheme
    # Results live in the status store (JSON, per company), never in Huey's pickles.
    if cfg["TASKS_IMMEDIATE"]:
        return MemoryHuey(name, immediate=True, results=False), MemoryStatusStore(ttl)
    if scheme in ("redis", "rediss"):
        return RedisHuey(name, url=url, results=False), RedisStatusStore(url, name, ttl)
    if scheme == "sqlite":
        path = sqlite_file(url, "TASKS_URL")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=path, results=False), SqliteStatusStore(path, ttl)
    if scheme == "memory":
        return MemoryHuey(name, results=False), MemoryStatusStore(ttl)
    raise ConfigurationError(
        f"DALA_TASKS_URL: use redis://, sqlite:///path or memory://, not {url!r}"
    )


def init_tasks(app: Flask) -> None:
    app.extensions[_EXTENSION] = TaskQueue(app)


def queue_of(app: Flask | None = None) -> TaskQueue:
    queue: TaskQueue = (app or current_app).extensions[_EXTENSION]
    return queue
