"""The key ring: tenant keys unwrapped on demand and kept per process.

Keys are read and created through short transactions of their own, so the
encrypted column type can ask for a key in the middle of any flush or query.
``DALA_MASTER_KEY`` wraps new keys; ``DALA_OLD_MASTER_KEYS`` (comma-separated)
still unwraps keys that rotation has not re-wrapped yet, so reads keep working
while it runs.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, Table, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dala.db import utcnow
from dala.errors import ConfigurationError
from dala.storage import crypto
from dala.storage.models import KeyPurpose, KeyStatus, TenantKey

_keys = cast(Table, TenantKey.__table__)


class KeyRing:
    """Unwrapped keys by (tenant, key id), and each tenant's active key per purpose."""

    #: How long a worker keeps writing with the active key it knows after a rotation.
    ACTIVE_TTL_SECONDS = 30.0

    def __init__(self, engine: Engine, master_key: str, old_master_keys: str) -> None:
        self._engine = engine
        self._current = crypto.load_master_key(master_key) if master_key else None
        self._masters = {
            crypto.key_fingerprint(k): k
            for k in [crypto.load_master_key(e) for e in old_master_keys.split(",") if e.strip()]
        }
        if self._current is not None:
            self._masters[crypto.key_fingerprint(self._current)] = self._current
        self._unwrapped: dict[tuple[uuid.UUID, uuid.UUID], bytes] = {}
        self._active: dict[tuple[uuid.UUID, KeyPurpose], tuple[float, uuid.UUID]] = {}
        self._lock = threading.Lock()

    @property
    def master_key(self) -> bytes:
        if self._current is None:
            raise ConfigurationError(
                "DALA_MASTER_KEY is not set: encrypted data cannot be read or written "
                "(make demo generates one into instance/master_key)."
            )
        return self._current

    def master_for(self, fingerprint: str) -> bytes:
        """The configured master key (current or old) with this fingerprint."""
        master = self._masters.get(fingerprint)
        if master is None:
            raise ConfigurationError(
                "a tenant key is wrapped by a master key that is not configured; "
                "add it to DALA_OLD_MASTER_KEYS until `dala keys rotate` has finished"
            )
        return master

    def forget_active(self, tenant_id: uuid.UUID) -> None:
        """Look the tenant's active keys up again on next use (this process just rotated)."""
        with self._lock:
            for purpose in KeyPurpose:
                self._active.pop((tenant_id, purpose), None)

    def key(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> bytes:
        """The tenant's key with this id (active or retired)."""
        cached = self._unwrapped.get((tenant_id, key_id))
        if cached is not None:
            return cached
        with tenant_transaction(self._engine, tenant_id) as conn:
            row = conn.execute(
                select(_keys.c.purpose, _keys.c.wrapped, _keys.c.kek_fingerprint).where(
                    _keys.c.tenant_id == tenant_id, _keys.c.id == key_id
                )
            ).one_or_none()
        if row is None:
            raise crypto.DecryptionFailed("a value names a key this company does not have")
        master = self.master_for(row.kek_fingerprint)
        key = crypto.unwrap_key(master, row.wrapped, tenant_id=tenant_id, purpose=row.purpose)
        with self._lock:
            self._unwrapped[(tenant_id, key_id)] = key
        return key

    def active(self, tenant_id: uuid.UUID, purpose: KeyPurpose) -> tuple[uuid.UUID, bytes]:
        """The key new values are written with; created on the tenant's first use."""
        known = self._active.get((tenant_id, purpose))
        if known is not None and known[0] > time.monotonic():
            return known[1], self.key(tenant_id, known[1])
        key_id = self._find_active(tenant_id, purpose) or self._create(tenant_id, purpose)
        with self._lock:
            self._active[(tenant_id, purpose)] = (
                time.monotonic() + self.ACTIVE_TTL_SECONDS,
                key_id,
            )
        return key_id, self.key(tenant_id, key_id)

    def _find_active(self, tenant_id: uuid.UUID, purpose: KeyPurpose) -> uuid.UUID | None:
        with tenant_transaction(self._engine, tenant_id) as conn:
            found: uuid.UUID | None = conn.execute(
                select(_keys.c.id).where(
                    _keys.c.tenant_id == tenant_id,
                    _keys.c.purpose == purpose,
                    _keys.c.status == KeyStatus.ACTIVE,
                )
            ).scalar_one_or_none()
        return found

    def _create(self, tenant_id: uuid.UUID, purpose: KeyPurpose) -> uuid.UUID:
        master = self.master_key
        key_id = uuid.uuid4()
        try:
            with tenant_transaction(self._engine, tenant_id) as conn:
                conn.execute(
                    insert(_keys).values(
                        tenant_id=tenant_id, **new_key_row(master, tenant_id, purpose, key_id)
                    )
                )
        except IntegrityError:  # another worker created it first: use theirs
            existing = self._find_active(tenant_id, purpose)
            if existing is None:
                raise
            return existing
        return key_id


@contextmanager
def tenant_transaction(engine: Engine, tenant_id: uuid.UUID) -> Iterator[Connection]:
    """A short Core transaction as ``tenant_id``: on PostgreSQL, RLS shows only its rows."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
            )
        yield conn


def new_key_row(
    master: bytes, tenant_id: uuid.UUID, purpose: KeyPurpose, key_id: uuid.UUID
) -> dict[str, Any]:
    """The columns of a fresh active key, wrapped under ``master``."""
    return {
        "id": key_id,
        "purpose": purpose,
        "status": KeyStatus.ACTIVE,
        "wrapped": crypto.wrap_key(master, crypto.new_key(), tenant_id=tenant_id, purpose=purpose),
        "kek_fingerprint": crypto.key_fingerprint(master),
        "created_at": utcnow(),
    }


def create_tenant_keys(session: Session, tenant_id: uuid.UUID) -> None:
    """A new company's data and index keys, written in the transaction that creates it."""
    master = keyring().master_key
    for purpose in KeyPurpose:
        session.add(TenantKey(**new_key_row(master, tenant_id, purpose, uuid.uuid4())))


def init_keyring(app: Flask) -> None:
    from dala.db import database

    app.extensions["dala.keyring"] = KeyRing(
        database(app).engine, app.config["MASTER_KEY"], app.config["OLD_MASTER_KEYS"]
    )


def keyring() -> KeyRing:
    ring: KeyRing = current_app.extensions["dala.keyring"]
    return ring
