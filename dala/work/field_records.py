"""What a technician records on a job from the field: notes, time, parts, photos, signatures.

Each record keeps the UUID the phone gave it. The same record sent again (a
retried sync, a reinstalled app) is recognised and changes nothing; a different
record under an id already taken is refused, never merged: that is a client bug
the technician must see. Callers check who may work on the job first
(``dala.work.job_access``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.db import Base
from dala.errors import Conflict, ValidationFailed
from dala.sync.models import SyncBlob
from dala.tenancy import context
from dala.work.attachments import safe_type
from dala.work.field_models import JobNote, PartUsage, TimeEntry, TimeKind
from dala.work.job_models import Attachment, AttachmentKind, Job, JobStatus, Source


class DuplicateRecord(Conflict):
    """A record with this id exists with other content."""

    code = "duplicate_id"


class BlobMissing(ValidationFailed):
    """The photo or signature a record refers to has not been uploaded whole."""

    code = "blob_missing"


def check_takes_records(job: Job) -> None:
    """Field records go on open and completed jobs (work is often written up after it is
    done); a cancelled job takes none until it is reopened."""
    if job.status == JobStatus.CANCELLED:
        raise Conflict(_("A cancelled job takes no more records; reopen it first."))


R = TypeVar("R", bound=Base)


def _create_once(
    session: Session,
    model: type[R],
    record_id: uuid.UUID,
    job: Job,
    wanted: dict[str, Any],
    **extra: Any,
) -> R:
    """The record ``record_id`` with the ``wanted`` content: the one stored already (the
    same record sent again), else a new one with ``extra`` too. Other content under the
    id is refused."""
    existing = session.get(model, (context.current_tenant_id(), record_id))
    if existing is not None:
        if all(getattr(existing, key) == value for key, value in wanted.items()):
            return existing
        message = _("Another record already has this id.")
        raise DuplicateRecord(message, errors={"id": [message]})
    check_takes_records(job)
    record = model(id=record_id, **wanted, **extra)
    session.add(record)
    session.flush()
    return record


def add_note(
    session: Session,
    job: Job,
    *,
    note_id: uuid.UUID,
    text: str,
    author_id: uuid.UUID | None,
    written_at: datetime,
    source: Source,
) -> JobNote:
    """A note on the job; the same note again is a no-op."""
    wanted = {"job_id": job.id, "text": text}
    return _create_once(
        session,
        JobNote,
        note_id,
        job,
        wanted,
        author_id=author_id,
        written_at=written_at,
        source=source,
    )


def log_time(
    session: Session,
    job: Job,
    *,
    entry_id: uuid.UUID,
    technician_id: uuid.UUID,
    kind: TimeKind,
    started_at: datetime,
    ended_at: datetime,
) -> TimeEntry:
    """A span of the technician's time on the job; the same entry again is a no-op."""
    if ended_at <= started_at:
        message = _("A time entry must end after it starts.")
        raise ValidationFailed(message, errors={"ended_at": [message]})
    wanted = {
        "job_id": job.id,
        "technician_id": technician_id,
        "kind": kind,
        "started_at": started_at,
        "ended_at": ended_at,
    }
    return _create_once(session, TimeEntry, entry_id, job, wanted)


def record_part(
    session: Session,
    job: Job,
    *,
    part_id: uuid.UUID,
    name: str,
    sku: str | None,
    quantity_milli: int,
    recorded_by: uuid.UUID | None,
) -> PartUsage:
    """A part used on the job, in thousandths of its unit; the same part again is a no-op."""
    if quantity_milli <= 0:
        message = _("The quantity must be more than zero.")
        raise ValidationFailed(message, errors={"quantity": [message]})
    wanted = {"job_id": job.id, "name": name, "sku": sku, "quantity_milli": quantity_milli}
    return _create_once(session, PartUsage, part_id, job, wanted, recorded_by=recorded_by)


_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def uploaded_blob(session: Session, sha256: str) -> SyncBlob:
    """The blob uploaded whole under ``sha256``, or :class:`BlobMissing`."""
    blob = session.scalars(select(SyncBlob).where(SyncBlob.sha256 == sha256)).one_or_none()
    if blob is None or blob.blob is None or blob.received < blob.size:
        message = _("The file has not been uploaded yet; upload it, then send this again.")
        raise BlobMissing(message, errors={"sha256": [message]})
    return blob


def attach_blob(
    session: Session,
    job: Job,
    *,
    attachment_id: uuid.UUID,
    sha256: str,
    kind: AttachmentKind,
    user_id: uuid.UUID | None,
    caption: str | None = None,
    signer_name: str | None = None,
) -> Attachment:
    """A photo or signature from an uploaded sync blob; the same one again is a no-op.

    The attachment points at the blob's stored, encrypted file: nothing is copied.
    """
    blob = uploaded_blob(session, sha256)
    if kind == AttachmentKind.SIGNATURE and blob.content_type != "image/png":
        message = _("A signature must be a PNG image.")
        raise ValidationFailed(message, errors={"sha256": [message]})
    wanted = {
        "job_id": job.id,
        "blob": blob.blob,
        "kind": kind,
        "caption": caption,
        "signer_name": signer_name,
    }
    return _create_once(
        session,
        Attachment,
        attachment_id,
        job,
        wanted,
        filename=f"{kind.value}-{sha256[:12]}{_EXTENSIONS.get(blob.content_type, '')}",
        content_type=safe_type(blob.content_type),
        size=blob.size,
        uploaded_by=user_id,
    )
