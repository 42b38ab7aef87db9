"""Files on a job: photos and documents, stored encrypted by content (``dala.storage.files``)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dala.db import on_commit
from dala.errors import NotFound, ValidationFailed
from dala.storage import files
from dala.tenancy import context
from dala.work.job_models import Attachment, Job


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
        content_type=content_type,
        size=len(data),
        uploaded_by=user_id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def content(attachment: Attachment) -> bytes:
    return files.read(context.current_tenant_id(), attachment.blob)


def remove_attachment(session: Session, attachment: Attachment) -> None:
    """Remove the attachment; the file goes when no other attachment shares its content."""
    address = attachment.blob
    session.delete(attachment)
    session.flush()
    shared = session.scalar(select(Attachment.id).where(Attachment.blob == address).limit(1))
    if shared is None:
        tenant_id = context.current_tenant_id()
        # Only once the row is surely gone: a rolled-back delete keeps its file.
        on_commit(session, lambda: files.remove(tenant_id, address))
