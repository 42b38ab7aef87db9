"""Live updates: small messages fanned out to the streams (SSE) open in any process.

A message names its company and branch, a kind (``job.changed``,
``technician.changed``, ...) and carries ids and plain values only, never customer
details. Publish it after the change commits (:func:`publish_after_commit`);
subscribers get the messages of their company in the branches they asked for.

Each process keeps one :class:`Broker` per app: an in-process hub fans messages
out to that process's subscribers; a transport carries them between processes,
picked by ``LIVE_URL``:

- ``memory://`` — within this process only (tests, a single-process server);
- ``sqlite:///path`` — a small log table in a shared file, read by one thread per
  process a few times a second (the embedded default, ``instance/live.db``, so
  ``make demo``'s web workers and ``dala worker`` reach each other);
- ``redis://...`` — Redis pub/sub on one channel per company,
  ``dala:live:<tenant_id>`` (the default when ``REDIS_URL`` is set).

Every message gets an id that grows across processes (a counter in memory, the
log's row id, a Redis counter); a reconnecting stream sends the last one it saw
and is replayed what this process still holds after it.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy.orm import Session

from dala.config import sqlite_file
from dala.db import on_commit
from dala.errors import ConfigurationError

log = logging.getLogger(__name__)

_EXTENSION = "dala.live"
#: Messages a slow subscriber may fall behind before its stream is ended (it reconnects).
SUBSCRIBER_BACKLOG = 1000
#: Messages each process keeps for replay to reconnecting streams.
REPLAY_SIZE = 2000


@dataclass(frozen=True)
class LiveMessage:
    id: int
    tenant_id: uuid.UUID
    branch_id: uuid.UUID
    kind: str
    data: str  # JSON text, as sent to the stream

    def encode(self) -> str:
        return json.dumps(
            {
                "i": self.id,
                "t": str(self.tenant_id),
                "b": str(self.branch_id),
                "k": self.kind,
                "d": self.data,
            }
        )

    @classmethod
    def decode(cls, raw: str | bytes) -> LiveMessage:
        fields = json.loads(raw)
        return cls(
            int(fields["i"]),
            uuid.UUID(fields["t"]),
            uuid.UUID(fields["b"]),
            str(fields["k"]),
            str(fields["d"]),
        )


class Subscription:
    """One stream's messages: its company, in its branches (``None``: all of them)."""

    def __init__(
        self, hub: Hub, tenant_id: uuid.UUID, branch_ids: frozenset[uuid.UUID] | None
    ) -> None:
        self._hub = hub
        self.tenant_id = tenant_id
        self.branch_ids = branch_ids
        self._queue: queue.Queue[LiveMessage] = queue.Queue(SUBSCRIBER_BACKLOG)
        #: Set when the subscriber fell too far behind: end the stream, let it reconnect.
        self.lost = False
        self.closed = False

    def matches(self, message: LiveMessage) -> bool:
        return message.tenant_id == self.tenant_id and (
            self.branch_ids is None or message.branch_id in self.branch_ids
        )

    def offer(self, message: LiveMessage) -> None:
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            self.lost = True

    def get(self, timeout: float) -> LiveMessage | None:
        """The next message, or None after ``timeout`` seconds (0: only what is waiting)."""
        try:
            if timeout <= 0:
                return self._queue.get_nowait()
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._hub.remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Hub:
    """This process's subscribers and the latest messages, for replay."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[Subscription] = set()
        self._recent: deque[LiveMessage] = deque(maxlen=REPLAY_SIZE)

    def deliver(self, message: LiveMessage) -> None:
        with self._lock:
            self._recent.append(message)
            targets = [s for s in self._subscribers if s.matches(message)]
        for subscription in targets:
            subscription.offer(message)

    def add(self, subscription: Subscription, after: int | None) -> None:
        with self._lock:
            if after is not None:
                for message in self._recent:
                    if message.id > after and subscription.matches(message):
                        subscription.offer(message)
            self._subscribers.add(subscription)

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)


class Transport(Protocol):
    def send(self, tenant_id: uuid.UUID, branch_id: uuid.UUID, kind: str, data: str) -> None:
        """Carry a message to every process's hub (this one's included)."""

    def start(self, hub: Hub) -> None:
        """Begin delivering other processes' messages to ``hub`` (called once, before the
        first subscriber; returns once nothing sent from now on can be missed)."""

    def close(self) -> None: ...


class Broker:
    """Publish to and subscribe on one app's live updates.

    The transport is opened on first use, so building an app touches no file or server.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.hub = Hub()
        self._transport: Transport | None = None
        self._started = False
        self._lock = threading.Lock()

    @property
    def transport(self) -> Transport:
        with self._lock:
            if self._transport is None:
                self._transport = _transport(self.url)
            return self._transport

    def publish(
        self, tenant_id: uuid.UUID, branch_id: uuid.UUID, kind: str, data: dict[str, Any]
    ) -> None:
        """Send ``data`` (ids and plain values) to the company's streams in ``branch_id``."""
        text = json.dumps(data, default=str, separators=(",", ":"), sort_keys=True)
        self.transport.send(tenant_id, branch_id, kind, text)

    def subscribe(
        self,
        tenant_id: uuid.UUID,
        branch_ids: Iterable[uuid.UUID] | None = None,
        last_event_id: int | None = None,
    ) -> Subscription:
        """The company's messages in ``branch_ids`` (``None``: every branch) from now on,
        after those since ``last_event_id`` this process still holds. Close it when done."""
        transport = self.transport
        with self._lock:
            if not self._started:
                transport.start(self.hub)
                self._started = True
        branches = None if branch_ids is None else frozenset(branch_ids)
        subscription = Subscription(self.hub, tenant_id, branches)
        self.hub.add(subscription, last_event_id)
        return subscription

    def close(self) -> None:
        """Stop carrying messages (tests; a process's broker lives as long as it)."""
        with self._lock:
            if self._transport is not None:
                self._transport.close()


def _transport(url: str) -> Transport:
    from dala.events import live_transports as t

    scheme = url.partition("://")[0]
    if scheme == "memory":
        return t.MemoryTransport()
    if scheme == "sqlite":
        return t.SqliteTransport(sqlite_file(url, "LIVE_URL"))
    if scheme in ("redis", "rediss"):
        return t.RedisTransport(url)

    raise ConfigurationError(
        f"DALA_LIVE_URL: use redis://, sqlite:///path or memory://, not {url!r}"
    )


def init_live(app: Flask) -> None:
    app.extensions[_EXTENSION] = Broker(app.config["LIVE_URL"])


def broker(app: Flask | None = None) -> Broker:
    """The app's broker (the current app's by default)."""
    found: Broker = (app or current_app).extensions[_EXTENSION]
    return found


def publish_after_commit(
    session: Session,
    tenant_id: uuid.UUID,
    branch_id: uuid.UUID,
    kind: str,
    data: dict[str, Any],
) -> None:
    """:meth:`Broker.publish` once ``session`` commits; nothing if it rolls back."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    on_commit(session, lambda: broker(app).publish(tenant_id, branch_id, kind, data))
