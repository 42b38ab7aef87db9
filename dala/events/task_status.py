"""Where a background task's state, progress and result are kept for web workers to read.

One small JSON record per task, keyed by its id and stamped with its company:
written when the task is enqueued, as it reports progress and when it ends;
read by any process that shares the storage (the same Redis, or the same SQLite
file as the queue). Records expire after ``TASKS_STATUS_TTL_HOURS``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import redis

KEY_PREFIX = "dala:task:"


class StatusStore(Protocol):
    def put(self, task_id: str, record: dict[str, Any]) -> None: ...

    def get(self, task_id: str) -> dict[str, Any] | None: ...


class MemoryStatusStore:
    """Records in this process only (immediate mode, tests)."""

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._records: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def put(self, task_id: str, record: dict[str, Any]) -> None:
        now = time.time()
        with self._lock:
            self._records[task_id] = (now, json.dumps(record))
            expired = [k for k, (at, _r) in self._records.items() if at < now - self._ttl]
            for key in expired:
                del self._records[key]

    def get(self, task_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._records.get(task_id)
        if found is None or found[0] < time.time() - self._ttl:
            return None
        record: dict[str, Any] = json.loads(found[1])
        return record


class SqliteStatusStore:
    """A table in the queue's own SQLite file, so the worker and the web processes share it."""

    def __init__(self, path: str, ttl_seconds: float) -> None:
        self._path = path
        self._ttl = ttl_seconds
        with self._connection() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS dala_task_status "
                "(id TEXT PRIMARY KEY, record TEXT NOT NULL, updated REAL NOT NULL)"
            )
            conn.execute(
                "CREATE INDEX IF NOT EXISTS dala_task_status_updated ON dala_task_status (updated)"
            )

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: web threads, worker threads and processes all write here.
        conn = sqlite3.connect(self._path, timeout=10)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:  # one transaction, committed unless it raised
                yield conn
        finally:
            conn.close()

    def put(self, task_id: str, record: dict[str, Any]) -> None:
        now = time.time()
        with self._connection() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO dala_task_status (id, record, updated) VALUES (?, ?, ?)",
                (task_id, json.dumps(record), now),
            )
            if record.get("state") == "queued":  # once per task: drop what has expired
                conn.execute("DELETE FROM dala_task_status WHERE updated < ?", (now - self._ttl,))

    def get(self, task_id: str) -> dict[str, Any] | None:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT record FROM dala_task_status WHERE id = ? AND updated >= ?",
                (task_id, time.time() - self._ttl),
            ).fetchone()
        if row is None:
            return None
        record: dict[str, Any] = json.loads(row[0])
        return record


class RedisStatusStore:
    """A key per task with the time to live set on every write."""

    def __init__(self, url: str, namespace: str, ttl_seconds: float) -> None:
        self._redis = redis.Redis.from_url(url)
        self._prefix = f"{KEY_PREFIX}{namespace}:"
        self._ttl = max(int(ttl_seconds), 1)

    def put(self, task_id: str, record: dict[str, Any]) -> None:
        self._redis.set(self._prefix + task_id, json.dumps(record), ex=self._ttl)

    def get(self, task_id: str) -> dict[str, Any] | None:
        raw = self._redis.get(self._prefix + task_id)
        if raw is None:
            return None
        record: dict[str, Any] = json.loads(raw)
        return record
