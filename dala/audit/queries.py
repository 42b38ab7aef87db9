"""Reading the audit log: the one query the API and the admin portal list it with."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dala.audit.models import AuditEvent
from dala.auth.models import User

#: What kinds of object the log records (``target_type``), as the recorder names them.
TARGET_TYPES = ("tenant", "branch", "user", "role", "role_assignment", "api_token", "module")
#: What happened to them.
ACTIONS = ("created", "updated", "deleted")


def events_query(filters: Mapping[str, Any]) -> Select[Any]:
    """The company's log, newest first, narrowed by whichever of these ``filters`` hold:
    ``target_type``, ``target_id``, ``action``, ``user_id`` (who), ``by_nobody`` (no user:
    the system or the platform's staff), ``since`` (inclusive) and ``until`` (exclusive,
    both UTC)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id)
    for name in ("target_type", "target_id", "action", "user_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(AuditEvent, name) == filters[name])
    if filters.get("by_nobody"):
        query = query.where(AuditEvent.user_id.is_(None))
    if filters.get("since") is not None:
        query = query.where(AuditEvent.at >= filters["since"])
    if filters.get("until") is not None:
        query = query.where(AuditEvent.at < filters["until"])
    return query


def actors(session: Session) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the company's users who appear in its log, by name: whom to filter by."""
    appearing = select(AuditEvent.user_id).where(AuditEvent.user_id.is_not(None)).distinct()
    query = select(User.id, User.name).where(User.id.in_(appearing)).order_by(User.name, User.id)
    return [(row.id, row.name) for row in session.execute(query)]


def user_names(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Names of the company's users by id, in one query (a page of the log at once)."""
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(User.id, User.name).where(User.id.in_(wanted))
    return {user_id: name for user_id, name in session.execute(query)}
