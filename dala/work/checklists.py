"""A job's checklist: started from its type's template, then edited and ticked off."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from dala.db import utcnow
from dala.errors import NotFound
from dala.work import lifecycle
from dala.work.job_models import ChecklistItem, Job


def items_query(job_id: uuid.UUID) -> Select[Any]:
    return (
        select(ChecklistItem)
        .where(ChecklistItem.job_id == job_id)
        .order_by(ChecklistItem.position, ChecklistItem.created_at, ChecklistItem.id)
    )


def get_item(session: Session, job: Job, item_id: uuid.UUID) -> ChecklistItem:
    item = session.scalars(items_query(job.id).where(ChecklistItem.id == item_id)).one_or_none()
    if item is None:
        raise NotFound(_("Checklist item not found."))
    return item


def add_item(session: Session, job: Job, data: dict[str, Any]) -> ChecklistItem:
    """A new line, at the end unless a position is given."""
    lifecycle.check_open(job)
    last = session.scalar(
        select(func.max(ChecklistItem.position)).where(ChecklistItem.job_id == job.id)
    )
    position = data.get("position", (last if last is not None else -1) + 1)
    item = ChecklistItem(id=uuid.uuid4(), job_id=job.id, position=position, label=data["label"])
    session.add(item)
    session.flush()
    return item


def update_item(
    session: Session,
    job: Job,
    item: ChecklistItem,
    data: dict[str, Any],
    user_id: uuid.UUID,
    *,
    at: datetime | None = None,
) -> ChecklistItem:
    """Rename, move or tick an item; ticking records who and when.

    ``at`` is when it was ticked, if earlier than now (a phone that was offline).
    """
    lifecycle.check_open(job)
    if "label" in data:
        item.label = data["label"]
    if "position" in data:
        item.position = data["position"]
    if "done" in data and data["done"] != item.done:
        item.done = data["done"]
        item.done_at, item.done_by = (at or utcnow(), user_id) if item.done else (None, None)
    session.flush()
    return item


def remove_item(session: Session, job: Job, item: ChecklistItem) -> None:
    lifecycle.check_open(job)
    session.delete(item)
    session.flush()
