"""How live messages travel between processes: memory, an SQLite log, Redis pub/sub."""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import redis

from dala.events.live import Hub, LiveMessage

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "dala:live:"
SEQUENCE_KEY = "dala:live-seq"


class MemoryTransport:
    """Within one process: delivered to its hub at once."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._hub: Hub | None = None

    def send(self, tenant_id: uuid.UUID, branch_id: uuid.UUID, kind: str, data: str) -> None:
        with self._lock:
            message = LiveMessage(next(self._ids), tenant_id, branch_id, kind, data)
            hub = self._hub
        if hub is not None:
            hub.deliver(message)

    def start(self, hub: Hub) -> None:
        self._hub = hub

    def close(self) -> None:
        self._hub = None


class SqliteTransport:
    """A log table in a file every process on the machine shares; each process reads what
    is new a few times a second while it has had subscribers."""

    #: Seconds between reads of the log (the added latency, at most).
    POLL_SECONDS = 0.2
    #: Seconds a message stays in the log.
    KEEP_SECONDS = 600.0

    def __init__(self, path: str) -> None:
        self._path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._sent = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS live_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "tenant TEXT NOT NULL, branch TEXT NOT NULL, kind TEXT NOT NULL, "
                "data TEXT NOT NULL, at REAL NOT NULL)"
            )
        conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=10, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def send(self, tenant_id: uuid.UUID, branch_id: uuid.UUID, kind: str, data: str) -> None:
        now = time.time()
        conn = self._connect()
        try:
            with conn:
                conn.execute(
                    "INSERT INTO live_messages (tenant, branch, kind, data, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (str(tenant_id), str(branch_id), kind, data, now),
                )
                self._sent += 1
                if self._sent % 100 == 1:
                    conn.execute(
                        "DELETE FROM live_messages WHERE at < ?", (now - self.KEEP_SECONDS,)
                    )
        finally:
            conn.close()

    def start(self, hub: Hub) -> None:
        conn = self._connect()
        last = conn.execute("SELECT coalesce(max(id), 0) FROM live_messages").fetchone()[0]
        self._thread = threading.Thread(
            target=self._pump, args=(hub, conn, last), name="dala-live-sqlite", daemon=True
        )
        self._thread.start()

    def _pump(self, hub: Hub, conn: sqlite3.Connection, last: int) -> None:
        try:
            while not self._stop.wait(self.POLL_SECONDS):
                try:
                    rows = conn.execute(
                        "SELECT id, tenant, branch, kind, data FROM live_messages "
                        "WHERE id > ? ORDER BY id",
                        (last,),
                    ).fetchall()
                except sqlite3.Error:
                    log.exception("live updates: reading %s failed", self._path)
                    continue
                for row_id, tenant, branch, kind, data in rows:
                    last = row_id
                    hub.deliver(
                        LiveMessage(row_id, uuid.UUID(tenant), uuid.UUID(branch), kind, data)
                    )
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


class RedisTransport:
    """Redis pub/sub, a channel per company; ids from one Redis counter."""

    #: Seconds to wait before listening again after Redis went away.
    RECONNECT_SECONDS = 1.0

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send(self, tenant_id: uuid.UUID, branch_id: uuid.UUID, kind: str, data: str) -> None:
        message_id = int(self._redis.incr(SEQUENCE_KEY))
        message = LiveMessage(message_id, tenant_id, branch_id, kind, data)
        self._redis.publish(f"{CHANNEL_PREFIX}{tenant_id}", message.encode())

    def start(self, hub: Hub) -> None:
        listening = threading.Event()
        self._thread = threading.Thread(
            target=self._pump, args=(hub, listening), name="dala-live-redis", daemon=True
        )
        self._thread.start()
        # Subscribers added after this see every message published after it.
        if not listening.wait(timeout=10):
            log.warning("live updates: Redis did not confirm the subscription in 10 s")

    def _pump(self, hub: Hub, listening: threading.Event) -> None:
        while not self._stop.is_set():
            pubsub = self._redis.pubsub(ignore_subscribe_messages=False)
            try:
                pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
                while not self._stop.is_set():
                    item = pubsub.get_message(timeout=1.0)
                    if item is None:
                        continue
                    if item["type"] == "psubscribe":
                        listening.set()
                    elif item["type"] == "pmessage":
                        try:
                            hub.deliver(LiveMessage.decode(item["data"]))
                        except (ValueError, KeyError):
                            log.warning("live updates: a malformed message was dropped")
            except redis.RedisError:
                log.exception("live updates: Redis connection lost, listening again")
                self._stop.wait(self.RECONNECT_SECONDS)
            finally:
                pubsub.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
