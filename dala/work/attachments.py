"""Files on a job: photos and documents, stored encrypted by content (``dala.storage.files``)."""

from __future__ import annotations

import logging
import uuid
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, Table, select
from sqlalchemy.orm import Session

from dala.db import database, on_commit
from dala.errors import NotFound, ValidationFailed
from dala.storage import files
from dala.storage.keys import tenant_transaction
from dala.sync.models import SyncBlob
from dala.tenancy import context
from dala.work import lifecycle
from dala.work.job_models import Attachment, Job

log = logging.getLogger(__name__)
_attachments = cast(Table, Attachment.__table__)
_sync_blobs = cast(Table, SyncBlob.__table__)


def attachments_query(job_id: uuid.UUID) -> Select[Any]:
    return (
        select(Attachment)
        .where(Attachment.job_id == job_id)
        .order_by(Attachment.created_at, Attachment.id)
    )


def get_attachment(session: Session, job: Job, attachment_id: uuid.UUID) -> Attachment:
    found = session.scalars(
        attachments_query(job.id).where(Attachment.id == attachment_id)
    ).one_or_none()
    if found is None:
        raise NotFound(_("Attachment not found."))
    return found


#: Types served back as themselves; anything else downloads as octet-stream, so an
#: uploaded page or script is never rendered by a browser.
SAFE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "image/heic",
        "image/heif",
        "application/pdf",
        "text/plain",
        "video/mp4",
        "audio/mpeg",
    }
)


def safe_type(declared: str | None) -> str:
    kind = (declared or "").split(";")[0].strip().lower()
    return kind if kind in SAFE_TYPES else "application/octet-stream"


def read_limit() -> int:
    """How much of an upload to read: one byte past the limit tells it is too large."""
    return int(current_app.config["MAX_ATTACHMENT_BYTES"]) + 1


def add_attachment(
    session: Session,
    job: Job,
    *,
    filename: str,
    content_type: str,
    data: bytes,
    user_id: uuid.UUID | None,
) -> Attachment:
    lifecycle.check_open(job)
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    if not data:
        message = _("The file is empty.")
        raise ValidationFailed(message, errors={"file": [message]})
    if len(data) > limit:
        message = _("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024) or 1)
        raise ValidationFailed(message, errors={"file": [message]})
    address = files.put(context.current_tenant_id(), data)
    attachment = Attachment(
        id=uuid.uuid4(),
        job_id=job.id,
        blob=address,
        filename=filename,
        content_type=safe_type(content_type),
        size=len(data),
        uploaded_by=user_id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def content(attachment: Attachment) -> bytes:
    try:
        return files.read(context.current_tenant_id(), attachment.blob)
    except FileNotFoundError:
        log.error("attachment %s: its stored file is missing", attachment.id)
        raise NotFound(_("The file of this attachment is missing.")) from None


def _used(tenant_id: uuid.UUID, addresses: list[str]) -> set[str]:
    """Which of ``addresses`` committed attachments, or complete sync blobs (a photo whose
    mutation has not arrived yet), still point to (read afresh)."""
    used: set[str] = set()
    with tenant_transaction(database().engine, tenant_id) as conn:
        for table in (_attachments, _sync_blobs):
            used.update(
                conn.scalars(
                    select(table.c.blob).where(
                        table.c.tenant_id == tenant_id, table.c.blob.in_(addresses)
                    )
                )
            )
    return used


def forget_files(session: Session, addresses: list[str]) -> None:
    """Once the transaction commits, remove those of ``addresses`` no attachment uses.

    Files stored in the last few minutes stay (an upload of the same content may be
    committing); :func:`sweep` collects them later.
    """
    if not addresses:
        return
    tenant_id = context.current_tenant_id()
    on_commit(
        session,
        lambda: files.remove_unused(tenant_id, addresses, lambda a: _used(tenant_id, a)),
    )


def sweep(tenant_id: uuid.UUID) -> list[str]:
    """Remove the company's stored files that no attachment uses (``dala files sweep``)."""
    return files.remove_unused(tenant_id, files.addresses(tenant_id), lambda a: _used(tenant_id, a))


def remove_attachment(session: Session, job: Job, attachment: Attachment) -> None:
    """Remove the attachment; its file goes once no other attachment shares the content."""
    lifecycle.check_open(job)
    session.delete(attachment)
    session.flush()
    forget_files(session, [attachment.blob])
