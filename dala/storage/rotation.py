"""Key rotation, online: new master key (re-wrap) and new data keys (re-encrypt values).

Everything here runs beside serving workers, so every step is built to be safe
against them:

- each unit of work is a short transaction of its own, as one tenant (on
  PostgreSQL ``app.tenant_id`` is set, so row-level security holds for the
  rotation too);
- every write is a compare-and-set on the bytes that were read: a value a user
  changed in between (or a second rotation run) is never overwritten, the row is
  simply left for the next run;
- values are rewritten through Core, past the ORM, so ``version`` (the ETag) and
  ``updated_at`` stay as they were: rotation changes nothing a client can see;
- reads keep working throughout, because a value names the data key it was
  written with, and retired keys stay until no value names them.

Re-encryption walks every column typed with an encrypted type in the shared
metadata, so tables added later are covered without changes here, and the
stored files; any other store of encrypted values plugs in with
:func:`register_reencryptor`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Engine,
    LargeBinary,
    Table,
    and_,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from dala.db import Base, database, utcnow
from dala.errors import ConfigurationError, DalaError
from dala.storage import crypto
from dala.storage.encrypted import _Encrypted  # the base of every encrypted column type
from dala.storage.keys import KeyRing, keyring, new_key_row, tenant_transaction
from dala.storage.models import KeyPurpose, KeyStatus, TenantKey
from dala.tenancy.models import Tenant

_keys = cast(Table, TenantKey.__table__)
_tenants = cast(Table, Tenant.__table__)

#: ``progress(what, done, total)``: ``what`` is a table (or a plug-in's name).
Progress = Callable[[str, int, int], None]

#: A retired data key is deleted only this long after it was retired: workers keep
#: writing with the active key they know for up to ``KeyRing.ACTIVE_TTL_SECONDS``,
#: so a value under the old key can still appear shortly after a rotation.
RETIRED_GRACE = timedelta(seconds=2 * KeyRing.ACTIVE_TTL_SECONDS)


class RotationConflict(DalaError):
    """Another rotation of the same tenant's data key ran at the same moment."""

    status = 409
    code = "rotation_conflict"


def _no_progress(_what: str, _done: int, _total: int) -> None:
    pass


@dataclass(frozen=True)
class TenantRef:
    id: uuid.UUID
    slug: str
    name: str


def list_tenants(slug: str | None = None) -> list[TenantRef]:
    """Every company (``tenants`` is not tenant-scoped), or the one with this slug."""
    query = select(_tenants.c.id, _tenants.c.slug, _tenants.c.name).order_by(_tenants.c.slug)
    if slug is not None:
        query = query.where(_tenants.c.slug == slug)
    with _engine().connect() as conn:
        return [TenantRef(r.id, r.slug, r.name) for r in conn.execute(query)]


def _engine() -> Engine:
    return database().engine


# --- master key: re-wrap tenant keys ---------------------------------------------------------


@dataclass
class RewrapResult:
    rewrapped: int = 0  # keys now wrapped by the current master key
    conflicts: int = 0  # changed by someone else between read and write (left as they were)


def rewrap_tenant(tenant_id: uuid.UUID) -> RewrapResult:
    """Re-wrap the tenant's keys that an older master key wrapped; one short transaction.

    The keys themselves do not change (only their wrapping), so values and blind
    indexes stay valid and every worker's unwrapped copy stays right.
    """
    ring = keyring()
    master = ring.master_key
    fingerprint = crypto.key_fingerprint(master)
    result = RewrapResult()
    with tenant_transaction(_engine(), tenant_id) as conn:
        rows = conn.execute(
            select(_keys.c.id, _keys.c.purpose, _keys.c.wrapped, _keys.c.kek_fingerprint).where(
                _keys.c.tenant_id == tenant_id, _keys.c.kek_fingerprint != fingerprint
            )
        ).all()
        for row in rows:
            old = bytes(row.wrapped)
            key = crypto.unwrap_key(
                ring.master_for(row.kek_fingerprint), old, tenant_id=tenant_id, purpose=row.purpose
            )
            new = crypto.wrap_key(master, key, tenant_id=tenant_id, purpose=row.purpose)
            done = conn.execute(
                update(_keys)
                .where(_keys.c.tenant_id == tenant_id, _keys.c.id == row.id, _keys.c.wrapped == old)
                .values(wrapped=new, kek_fingerprint=fingerprint)
            ).rowcount
            result.rewrapped += done
            result.conflicts += 1 - done
    return result


def rewrap_master(tenant_ids: Iterable[uuid.UUID] | None = None) -> RewrapResult:
    """Re-wrap every tenant's keys (or these tenants') under ``DALA_MASTER_KEY``."""
    total = RewrapResult()
    for tenant_id in tenant_ids if tenant_ids is not None else [t.id for t in list_tenants()]:
        one = rewrap_tenant(tenant_id)
        total.rewrapped += one.rewrapped
        total.conflicts += one.conflicts
    return total


# --- data keys: a new one, then every value re-encrypted under it ----------------------------


def rotate_data_key(tenant_id: uuid.UUID) -> uuid.UUID:
    """Retire the tenant's active data key and make a new one, in one transaction.

    Index keys are never rotated here: the blind-index digests in the database are
    keyed by them and would stop matching.
    """
    ring = keyring()
    master = ring.master_key
    key_id = uuid.uuid4()
    try:
        with tenant_transaction(_engine(), tenant_id) as conn:
            # Retired first: the unique partial index allows one active key per purpose.
            conn.execute(
                update(_keys)
                .where(
                    _keys.c.tenant_id == tenant_id,
                    _keys.c.purpose == KeyPurpose.DATA,
                    _keys.c.status == KeyStatus.ACTIVE,
                )
                .values(status=KeyStatus.RETIRED)
            )
            conn.execute(
                insert(_keys).values(
                    tenant_id=tenant_id, **new_key_row(master, tenant_id, KeyPurpose.DATA, key_id)
                )
            )
    except IntegrityError:
        raise RotationConflict(
            "another rotation created a data key for this company at the same time"
        ) from None
    ring.forget_active(tenant_id)  # this process writes with the new key at once
    return key_id


def active_data_key(tenant_id: uuid.UUID) -> tuple[uuid.UUID, bytes]:
    """The active data key as the database has it now (not a worker's cached idea of it)."""
    ring = keyring()
    with tenant_transaction(_engine(), tenant_id) as conn:
        key_id: uuid.UUID | None = conn.execute(
            select(_keys.c.id).where(
                _keys.c.tenant_id == tenant_id,
                _keys.c.purpose == KeyPurpose.DATA,
                _keys.c.status == KeyStatus.ACTIVE,
            )
        ).scalar_one_or_none()
    # Stores that write through the key ring (files) then use this same key.
    ring.forget_active(tenant_id)
    if key_id is None:
        return ring.active(tenant_id, KeyPurpose.DATA)  # creates it, as a first write would
    return key_id, ring.key(tenant_id, key_id)


@dataclass
class ReencryptResult:
    rewritten: int = 0  # values now under the active key
    conflicts: int = 0  # rows changed by someone else meanwhile (left for the next run)
    unreadable: int = 0  # values that did not decrypt (damaged, or naming an unknown key)

    def add(self, other: ReencryptResult) -> None:
        self.rewritten += other.rewritten
        self.conflicts += other.conflicts
        self.unreadable += other.unreadable


@dataclass(frozen=True)
class Reencryptor:
    """Something that stores values under tenant data keys.

    ``reencrypt(tenant_id, active, batch_size, progress)`` rewrites what is not under
    ``active`` (key id, key) in batches and reports progress; ``key_usage(tenant_id)``
    counts stored values per data key id (``None`` for values naming no readable id),
    so retired keys are deleted only when nothing names them any more.
    """

    name: str
    reencrypt: Callable[[uuid.UUID, tuple[uuid.UUID, bytes], int, Progress], ReencryptResult]
    key_usage: Callable[[uuid.UUID], Counter[uuid.UUID | None]]


_reencryptors: dict[str, Reencryptor] = {}


def register_reencryptor(
    name: str,
    reencrypt: Callable[[uuid.UUID, tuple[uuid.UUID, bytes], int, Progress], ReencryptResult],
    key_usage: Callable[[uuid.UUID], Counter[uuid.UUID | None]],
) -> None:
    """Make ``dala keys rotate`` and ``dala keys status`` cover another encrypted store.

    Call it at import time of the module that owns the store (a plug-in's, say),
    with the two functions described on :class:`Reencryptor`; both run inside an
    app context, as no tenant (set ``app.tenant_id`` with ``tenant_transaction``).
    Registering a name again replaces the earlier registration.
    """
    _reencryptors[name] = Reencryptor(name, reencrypt, key_usage)


def reencryptors() -> list[Reencryptor]:
    return list(_reencryptors.values())


def reencrypt(
    tenant_id: uuid.UUID, *, batch_size: int = 500, progress: Progress | None = None
) -> ReencryptResult:
    """Rewrite every value of the tenant that is not under its active data key."""
    active = active_data_key(tenant_id)
    result = ReencryptResult()
    for item in reencryptors():
        result.add(item.reencrypt(tenant_id, active, batch_size, progress or _no_progress))
    return result


def key_usage(tenant_id: uuid.UUID) -> Counter[uuid.UUID | None]:
    """How many stored values name each data key, over every registered store."""
    counts: Counter[uuid.UUID | None] = Counter()
    for item in reencryptors():
        counts.update(item.key_usage(tenant_id))
    return counts


# --- the columns: every encrypted column in the metadata -------------------------------------


@dataclass(frozen=True)
class EncryptedTable:
    table: Table
    columns: tuple[Column[Any], ...]
    # The primary key without tenant_id: the keyset the batches walk.
    keyset: tuple[Column[Any], ...] = field(default=())


def encrypted_tables() -> list[EncryptedTable]:
    """Every table with encrypted columns, found in the metadata (new tables included)."""
    import dala.models  # noqa: F401  - every core table is in the metadata

    found = []
    for table in Base.metadata.sorted_tables:
        columns = tuple(c for c in table.columns if isinstance(c.type, _Encrypted))
        if not columns:
            continue
        if "tenant_id" not in table.c or not table.c.tenant_id.primary_key:
            # Values are bound to a tenant; a table without one cannot hold them.
            raise ConfigurationError(f"{table.name} has encrypted columns but no tenant_id key")
        keyset = tuple(c for c in table.primary_key.columns if c.name != "tenant_id")
        found.append(EncryptedTable(table, columns, keyset))
    return found


def _raw(column: Column[Any]) -> ColumnElement[bytes]:
    """The stored bytes, past the encrypted type's decryption."""
    return type_coerce(column, LargeBinary)


def _key_id_expr(column: Column[Any]) -> ColumnElement[bytes]:
    """The key id in a value's header (bytes 2-17), computed in SQL.

    Literal positions, not bind parameters: PostgreSQL would otherwise not see the
    GROUP BY expression as the selected one.
    """
    return type_coerce(
        func.substr(_raw(column), literal_column("2"), literal_column("16")), LargeBinary
    )


def _needs_work(target: EncryptedTable, active_id: uuid.UUID) -> ColumnElement[bool]:
    return or_(*(and_(c.isnot(None), _key_id_expr(c) != active_id.bytes) for c in target.columns))


def _ad_name(column: Column[Any]) -> str:
    return cast(_Encrypted, column.type).column


@dataclass(frozen=True)
class StoredRow:
    """A row as read: its key (without tenant_id) and its encrypted columns' bytes."""

    key: tuple[Any, ...]
    values: dict[str, bytes | None]


def read_batch(
    conn: Connection,
    target: EncryptedTable,
    tenant_id: uuid.UUID,
    active_id: uuid.UUID,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[StoredRow]:
    """The next ``limit`` rows (by primary key) with a value not under the active key."""
    query = (
        select(*target.keyset, *(_raw(c).label(c.name) for c in target.columns))
        .where(target.table.c.tenant_id == tenant_id, _needs_work(target, active_id))
        .order_by(*target.keyset)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            target.keyset[0] > after[0]
            if len(after) == 1
            else tuple_(*target.keyset) > tuple_(*after)
        )
    width = len(target.keyset)
    rows = []
    for row in conn.execute(query):
        values = {
            c.name: None if v is None else bytes(v)
            for c, v in zip(target.columns, row[width:], strict=True)
        }
        rows.append(StoredRow(tuple(row[:width]), values))
    return rows


def rewrite_batch(
    engine: Engine,
    target: EncryptedTable,
    tenant_id: uuid.UUID,
    rows: Sequence[StoredRow],
    active: tuple[uuid.UUID, bytes],
) -> ReencryptResult:
    """Re-encrypt ``rows`` under ``active`` in one transaction, each row compare-and-set.

    A row whose bytes are no longer what was read (a user saved it meanwhile) is
    left alone: the user's value wins, and it is already under a current key or
    will be picked up by the next run.
    """
    ring = keyring()
    active_id, active_key = active
    result = ReencryptResult()
    changes: list[tuple[StoredRow, dict[str, bytes]]] = []
    for row in rows:  # decrypt outside the write transaction: it may look keys up
        new: dict[str, bytes] = {}
        for column in target.columns:
            old = row.values[column.name]
            if old is None:
                continue
            try:
                if crypto.key_id_of(old) == active_id:
                    continue
                aad = crypto.associated_data(tenant_id, _ad_name(column))
                plain = crypto.decrypt(lambda kid: ring.key(tenant_id, kid), old, aad)
            except crypto.DecryptionFailed:
                result.unreadable += 1
                continue
            new[column.name] = crypto.encrypt(active_id, active_key, plain, aad)
        if new:
            changes.append((row, new))
    # Columns that stamp themselves on update (updated_at) keep their value.
    keep = {c.name: c for c in target.table.columns if c.onupdate is not None}
    table = target.table
    with tenant_transaction(engine, tenant_id) as conn:
        for row, new in changes:
            where = [
                table.c.tenant_id == tenant_id,
                *(c == v for c, v in zip(target.keyset, row.key, strict=True)),
                *(_raw(table.c[name]) == row.values[name] for name in new),
            ]
            values = {name: type_coerce(blob, LargeBinary) for name, blob in new.items()}
            done = conn.execute(update(table).where(*where).values({**keep, **values})).rowcount
            result.rewritten += done * len(new)
            result.conflicts += 1 - done
    return result


def reencrypt_columns(
    tenant_id: uuid.UUID, active: tuple[uuid.UUID, bytes], batch_size: int, progress: Progress
) -> ReencryptResult:
    """Walk each encrypted table of the tenant by primary key, ``batch_size`` rows at a time."""
    engine = _engine()
    result = ReencryptResult()
    for target in encrypted_tables():
        name = target.table.name
        with tenant_transaction(engine, tenant_id) as conn:
            total = conn.execute(
                select(func.count())
                .select_from(target.table)
                .where(target.table.c.tenant_id == tenant_id, _needs_work(target, active[0]))
            ).scalar_one()
        if not total:
            continue
        done = 0
        progress(name, done, total)
        after: tuple[Any, ...] | None = None
        while True:
            with tenant_transaction(engine, tenant_id) as conn:
                rows = read_batch(conn, target, tenant_id, active[0], after, batch_size)
            if not rows:
                break
            result.add(rewrite_batch(engine, target, tenant_id, rows, active))
            after = rows[-1].key
            done += len(rows)
            # Rows written under an old key after the count (a worker that has not
            # seen the new key yet) are walked too; the total grows with them.
            progress(name, done, max(total, done))
    return result


def column_key_usage(tenant_id: uuid.UUID) -> Counter[uuid.UUID | None]:
    """Values per data key id over every encrypted column of the tenant."""
    counts: Counter[uuid.UUID | None] = Counter()
    with tenant_transaction(_engine(), tenant_id) as conn:
        for target in encrypted_tables():
            for column in target.columns:
                kid = _key_id_expr(column)
                rows = conn.execute(
                    select(kid, func.count())
                    .where(target.table.c.tenant_id == tenant_id, column.isnot(None))
                    .group_by(kid)
                )
                for raw_id, n in rows:
                    counts[_as_key_id(raw_id)] += n
    return counts


def _as_key_id(raw: Any) -> uuid.UUID | None:
    raw = bytes(raw) if raw is not None else b""
    return uuid.UUID(bytes=raw) if len(raw) == 16 else None


register_reencryptor("columns", reencrypt_columns, column_key_usage)


# --- files: encrypted blobs on disk (dala.storage.files) --------------------------------------


def _file_key_id(tenant_id: uuid.UUID, address: str) -> uuid.UUID | None:
    from dala.storage import files

    try:
        return files.key_id(tenant_id, address)
    except (OSError, crypto.DecryptionFailed):  # removed meanwhile, or not a Dala value
        return None


def reencrypt_files(
    tenant_id: uuid.UUID, active: tuple[uuid.UUID, bytes], batch_size: int, progress: Progress
) -> ReencryptResult:
    """Rewrite the tenant's stored files that are not under the active data key.

    A file's address names its content, so its plaintext never changes; storing,
    removing and rewriting a company's files take turns (``files._locked``), so a
    file removed meanwhile is skipped, never written back.
    """
    from dala.storage import files

    result = ReencryptResult()
    todo = [a for a in files.addresses(tenant_id) if _file_key_id(tenant_id, a) != active[0]]
    for done, address in enumerate(todo, start=1):
        try:
            # Under the files' lock: a file removed meanwhile is not written back.
            if files.reencrypt(tenant_id, address, active[0]):
                result.rewritten += 1
            else:
                result.conflicts += 1
        except crypto.DecryptionFailed:
            result.unreadable += 1
        if done % batch_size == 0 or done == len(todo):
            progress("files", done, len(todo))
    return result


def file_key_usage(tenant_id: uuid.UUID) -> Counter[uuid.UUID | None]:
    from dala.storage import files

    return Counter(_file_key_id(tenant_id, a) for a in files.addresses(tenant_id))


register_reencryptor("files", reencrypt_files, file_key_usage)


# --- status and clean-up ---------------------------------------------------------------------


@dataclass(frozen=True)
class KeyInfo:
    """A tenant key as the operator sees it: never the key, only facts about it."""

    id: uuid.UUID
    purpose: KeyPurpose
    status: KeyStatus
    created_at: datetime
    current_master: bool  # wrapped by DALA_MASTER_KEY (else by an old one)
    values: int  # stored values naming it (data keys)


@dataclass(frozen=True)
class TenantKeyStatus:
    tenant: TenantRef
    keys: list[KeyInfo]
    unknown_values: int  # values naming no key of the company (damaged)

    @property
    def under_retired(self) -> int:
        return sum(k.values for k in self.keys if k.status == KeyStatus.RETIRED)

    @property
    def old_master(self) -> int:
        return sum(not k.current_master for k in self.keys)


def _key_rows(tenant_id: uuid.UUID) -> list[Any]:
    with tenant_transaction(_engine(), tenant_id) as conn:
        return list(
            conn.execute(
                select(
                    _keys.c.id,
                    _keys.c.purpose,
                    _keys.c.status,
                    _keys.c.created_at,
                    _keys.c.kek_fingerprint,
                )
                .where(_keys.c.tenant_id == tenant_id)
                .order_by(_keys.c.purpose, _keys.c.created_at)
            )
        )


def tenant_status(tenant: TenantRef) -> TenantKeyStatus:
    fingerprint = crypto.key_fingerprint(keyring().master_key)
    usage = key_usage(tenant.id)
    keys = [
        KeyInfo(
            r.id,
            r.purpose,
            r.status,
            r.created_at,
            r.kek_fingerprint == fingerprint,
            usage.get(r.id, 0),
        )
        for r in _key_rows(tenant.id)
    ]
    known = {k.id for k in keys}
    unknown = sum(n for kid, n in usage.items() if kid not in known)
    return TenantKeyStatus(tenant, keys, unknown)


def values_under_retired_keys(tenant_id: uuid.UUID) -> int:
    """Values still naming a retired data key (0 once re-encryption has finished)."""
    retired = {
        r.id
        for r in _key_rows(tenant_id)
        if r.purpose == KeyPurpose.DATA and r.status == KeyStatus.RETIRED
    }
    return sum(n for kid, n in key_usage(tenant_id).items() if kid in retired)


@dataclass
class DropResult:
    dropped: list[uuid.UUID] = field(default_factory=list)
    in_use: dict[uuid.UUID, int] = field(default_factory=dict)  # still named by n values
    too_recent: list[uuid.UUID] = field(default_factory=list)  # retired within RETIRED_GRACE


def drop_retired(tenant_id: uuid.UUID, *, grace: timedelta = RETIRED_GRACE) -> DropResult:
    """Delete retired data keys that no stored value names any more.

    A key is kept while any value names it (counted over every registered store),
    and for ``grace`` after its retirement, because a worker may still be writing
    with it then. Its retirement is the creation of the data key that followed it.
    """
    rows = [r for r in _key_rows(tenant_id) if r.purpose == KeyPurpose.DATA]
    now = utcnow()
    candidates = []
    result = DropResult()
    for row in rows:
        if row.status != KeyStatus.RETIRED:
            continue
        later = [r.created_at for r in rows if r.created_at > row.created_at]
        if not later or now - min(later) < grace:
            result.too_recent.append(row.id)
        else:
            candidates.append(row.id)
    if not candidates:
        return result
    usage = key_usage(tenant_id)  # scanned after the grace: nothing writes with them now
    with tenant_transaction(_engine(), tenant_id) as conn:
        for key_id in candidates:
            if usage.get(key_id, 0):
                result.in_use[key_id] = usage[key_id]
                continue
            conn.execute(
                delete(_keys).where(
                    _keys.c.tenant_id == tenant_id,
                    _keys.c.id == key_id,
                    _keys.c.status == KeyStatus.RETIRED,
                )
            )
            result.dropped.append(key_id)
    return result
