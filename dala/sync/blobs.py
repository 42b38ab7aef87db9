"""Blobs: photos and signatures a phone uploads by their SHA-256, whole or in parts, before
the mutations that refer to them (``docs/sync-protocol.md``, "Blobs").

Blobs are per company: the same hash in two companies is two uploads. Parts are
kept encrypted while the upload is in progress (``dala.sync.staging``); once the
last byte is in, the whole is checked against its hash and its declared type and
stored like every file, encrypted and by content (``dala.storage.files``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from dala.db import database, utcnow
from dala.errors import Conflict, DalaError, NotFound, ValidationFailed
from dala.storage import files
from dala.storage.keys import tenant_transaction
from dala.sync import staging
from dala.sync.models import SyncBlob
from dala.tenancy import context

#: What a phone may upload: the photo and signature formats browsers make.
TYPES = ("image/jpeg", "image/png", "image/webp")
#: A partial upload untouched this long is dropped by ``dala files sweep``.
STALE_AFTER = timedelta(days=1)
#: A complete blob stays addressable this long after it was completed, for the mutations
#: that refer to it to arrive; then its row goes and its file stays only if attached.
KEEP_COMPLETE = timedelta(days=30)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_RANGE = re.compile(r"bytes (\d{1,15})-(\d{1,15})/(\d{1,15})")
_blobs = cast(Table, SyncBlob.__table__)


class TooLarge(DalaError):
    """The upload is larger than the configured limit."""

    status = 413
    code = "too_large"


class UnsupportedType(DalaError):
    """The declared content type is not one a blob may have."""

    status = 415
    code = "unsupported_media_type"


@dataclass(frozen=True)
class Received:
    blob: SyncBlob
    #: This request put the last byte in (else: a part taken, or complete before).
    completed: bool


def check_sha256(value: str) -> str:
    """The hash as stored (lower-case hex); 422 unless it is a SHA-256."""
    sha256 = value.lower()
    if not _SHA256.fullmatch(sha256):
        message = _("Not a SHA-256: give 64 hexadecimal digits.")
        raise ValidationFailed(message, errors={"sha256": [message]})
    return sha256


def get_blob(session: Session, sha256: str) -> SyncBlob:
    """The company's upload of ``sha256``, complete or not (404 when nothing came yet)."""
    found = session.scalars(
        select(SyncBlob).where(SyncBlob.sha256 == check_sha256(sha256))
    ).one_or_none()
    if found is None:
        raise NotFound(_("Nothing of this blob has been received."))
    return found


def limit() -> int:
    return int(current_app.config["MAX_ATTACHMENT_BYTES"])


def _too_large() -> TooLarge:
    message = _("The file is larger than %(mb)s MB.", mb=f"{limit() / (1024 * 1024):g}")
    return TooLarge(message, errors={"limit": limit()})


def _check_type(declared: str | None) -> str:
    kind = (declared or "").split(";")[0].strip().lower()
    if kind not in TYPES:
        message = _("Photos and signatures must be JPEG, PNG or WebP images.")
        raise UnsupportedType(message, errors={"Content-Type": [message]})
    return kind


def _range_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"Content-Range": [message]})


@dataclass(frozen=True)
class _Declared:
    """What the headers say of a part: where it starts, how long it is and the blob's size
    (the last two unknown for a whole upload without Content-Length)."""

    start: int
    length: int | None
    total: int | None


def _declared(content_range: str | None, content_length: int | None) -> _Declared:
    if content_range is None:
        return _Declared(0, content_length, content_length)
    match = _RANGE.fullmatch(content_range.strip())
    if match is None:
        raise _range_error(_("Give Content-Range as 'bytes {start}-{end}/{total}'."))
    start, end, total = (int(g) for g in match.groups())
    if not start <= end < total:
        raise _range_error(_("The range must lie within the total and end after it starts."))
    return _Declared(start, end - start + 1, total)


def _resume_at(received: int) -> Conflict:
    return Conflict(
        _("The upload continues at byte %(received)s.", received=received),
        errors={"received": received},
    )


def _sniff(data: bytes) -> str | None:
    """The image type the bytes are, by their signature."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _drop(session: Session, tenant_id: uuid.UUID, blob: SyncBlob) -> None:
    """Forget the upload for good (committed now: the error that follows rolls back)."""
    session.delete(blob)
    session.commit()
    staging.discard(tenant_id, blob.id)


def _finish(session: Session, tenant_id: uuid.UUID, blob: SyncBlob) -> None:
    """Check the whole upload and store it; a bad one is discarded with a 4xx."""
    data = staging.read_all(tenant_id, blob.id, blob.size)
    if data is None:  # a part went missing on disk: only a new upload can mend it
        _drop(session, tenant_id, blob)
        raise _resume_at(0)
    if hashlib.sha256(data).hexdigest() != blob.sha256:
        _drop(session, tenant_id, blob)
        message = _("The bytes do not match their SHA-256; the upload was discarded.")
        raise ValidationFailed(message, errors={"sha256": [message]})
    if _sniff(data) != blob.content_type:
        _drop(session, tenant_id, blob)
        message = _("The file is not the image type it was sent as; the upload was discarded.")
        raise ValidationFailed(message, errors={"Content-Type": [message]})
    blob.blob = files.put(tenant_id, data)


def receive(
    session: Session,
    sha256: str,
    *,
    content_type: str | None,
    content_range: str | None,
    content_length: int | None,
    read: Callable[[], bytes],
    user_id: uuid.UUID,
) -> Received:
    """Take one part of the upload of ``sha256`` (the whole of it without ``content_range``).

    A blob already complete is answered at once, whatever was sent. Otherwise the
    type, the declared size and the part's place are checked before the body is read
    (``read``); a part must start where the upload stands (409 with ``received``),
    except that a part from byte 0 declaring another size or type starts it over.
    Commits: inside the company's upload lock, so the next part sees this one.
    """
    sha256 = check_sha256(sha256)
    done = session.scalars(
        select(SyncBlob).where(SyncBlob.sha256 == sha256, SyncBlob.blob.is_not(None))
    ).one_or_none()
    if done is not None:
        return Received(done, False)
    kind = _check_type(content_type)
    part = _declared(content_range, content_length)
    if part.total is not None and part.total > limit():
        raise _too_large()
    data = read()
    # A whole upload's size is its body's (Content-Length may be absent or wrong).
    total = len(data) if content_range is None or part.total is None else part.total
    if total > limit():
        raise _too_large()
    start = part.start
    if not data:
        message = _("The file is empty.")
        raise ValidationFailed(message, errors={"body": [message]})
    if content_range is not None and len(data) != part.length:
        raise _range_error(_("The body's length does not match Content-Range."))
    tenant_id = context.current_tenant_id()
    with staging.locked(tenant_id):
        blob = session.scalars(
            select(SyncBlob).where(SyncBlob.sha256 == sha256).with_for_update()
        ).one_or_none()
        if blob is not None and blob.blob is not None:  # completed meanwhile
            return Received(blob, False)
        if blob is not None and start == 0 and (blob.size, blob.content_type) != (total, kind):
            _drop(session, tenant_id, blob)
            blob = None
        if blob is None:
            if start != 0:
                raise _resume_at(0)
            blob = SyncBlob(
                id=uuid.uuid4(),
                sha256=sha256,
                size=total,
                received=0,
                content_type=kind,
                uploaded_by=user_id,
            )
            session.add(blob)
            session.flush()
        elif start != blob.received:
            raise _resume_at(blob.received)
        staging.write_part(tenant_id, blob.id, start, data)
        blob.received = start + len(data)
        completed = blob.received == blob.size
        if completed:
            _finish(session, tenant_id, blob)
        session.commit()
        if completed:
            staging.discard(tenant_id, blob.id)
    return Received(blob, completed)


def sweep(tenant_id: uuid.UUID) -> int:
    """Drop the company's partial uploads untouched for :data:`STALE_AFTER` and forget
    complete blobs older than :data:`KEEP_COMPLETE` (``dala files sweep``); returns how
    many partial uploads were dropped.

    Parts on disk that belong to no upload in progress (left by a crash between the
    database and the disk) go too. Runs under the upload lock: no part is being written.
    """
    now = utcnow()
    with staging.locked(tenant_id):
        with tenant_transaction(database().engine, tenant_id) as conn:
            mine = _blobs.c.tenant_id == tenant_id
            stale = conn.scalars(
                delete(_blobs)
                .where(mine, _blobs.c.blob.is_(None), _blobs.c.updated_at < now - STALE_AFTER)
                .returning(_blobs.c.id)
            ).all()
            conn.execute(
                delete(_blobs).where(
                    mine, _blobs.c.blob.is_not(None), _blobs.c.updated_at < now - KEEP_COMPLETE
                )
            )
            in_progress = set(
                conn.scalars(select(_blobs.c.id).where(mine, _blobs.c.blob.is_(None)))
            )
        for upload_id in staging.uploads(tenant_id):
            if upload_id not in in_progress:
                staging.discard(tenant_id, upload_id)
    return len(stale)
