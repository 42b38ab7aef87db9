"""Records every change to the administrative tables, whichever code path made it.

A flush listener reads what changed (new, changed and deleted rows of the
audited tables, with the before/after of each changed column) and adds one
``AuditEvent`` per row to the same transaction: a change that rolls back leaves
no record, and no handler can forget to log. Secrets (hashes, nonces) and
bookkeeping columns are never recorded.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from flask import g, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from dala.audit.models import AuditEvent
from dala.db import utcnow

_PENDING = "dala.audit_pending"
# Set in the transaction that creates a company (sign-up): its keys are not
# committed yet, so nothing can be encrypted for it; the sign-up is its own record.
_NEW_TENANT = "dala.audit_new_tenant"

#: Columns never written to the audit log: secrets and bookkeeping.
_HIDDEN = frozenset(
    {
        "password_hash",
        "secret_hash",
        "session_nonce",
        "version",
        "created_at",
        "updated_at",
        "last_login_at",
        "last_used_at",
        "policy_version",
        "job_seq",
    }
)


def _audited() -> dict[type[Any], str]:
    from dala.auth.models import ApiToken, Role, RoleAssignment, User
    from dala.modules.models import ModuleState
    from dala.tenancy.models import Branch, Tenant

    return {
        Tenant: "tenant",
        Branch: "branch",
        User: "user",
        Role: "role",
        RoleAssignment: "role_assignment",
        ApiToken: "api_token",
        ModuleState: "module",
    }


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _columns(obj: Any) -> list[str]:
    return [c.key for c in inspect(obj).mapper.column_attrs if c.key not in _HIDDEN]


def _record(obj: Any, kind: str, action: str) -> dict[str, Any] | None:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _columns(obj):
        if key in ("tenant_id", "id"):
            continue
        history = state.attrs[key].history
        if action == "created":
            after[key] = _plain(getattr(obj, key))
        elif action == "deleted":
            before[key] = _plain(history.unchanged[0] if history.unchanged else getattr(obj, key))
        elif history.has_changes():
            before[key] = _plain(history.deleted[0]) if history.deleted else None
            after[key] = _plain(history.added[0]) if history.added else None
    if action == "updated" and not after:
        return None  # only hidden columns moved (a sign-in, a version)
    tenant_id = obj.id if kind == "tenant" else obj.tenant_id
    changes: dict[str, Any] = {"before": before, "after": after}
    if kind == "module":
        # The target is the module's name; where it was switched (the company, or which
        # branch) must read from every entry, not only from the one that made the row.
        changes["scope"] = {"branch_id": _plain(obj.branch_id)}
    return {
        "tenant_id": tenant_id,
        "action": action,
        "target_type": kind,
        "target_id": str(obj.module if kind == "module" else obj.id),
        "changes": changes,
    }


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    audited = _audited()
    from dala.tenancy.models import Tenant

    if any(isinstance(obj, Tenant) for obj in session.new):
        session.info[_NEW_TENANT] = True
    if session.info.get(_NEW_TENANT):
        return
    found = []
    for objects, action in (
        (session.new, "created"),
        (session.dirty, "updated"),
        (session.deleted, "deleted"),
    ):
        for obj in objects:
            kind = audited.get(type(obj))
            if kind is not None and (record := _record(obj, kind, action)) is not None:
                found.append(record)
    if found:
        session.info.setdefault(_PENDING, []).extend(found)


def _actor() -> tuple[uuid.UUID | None, str, str | None]:
    """(user id, source, actor's name) of the change being recorded."""
    if not has_request_context():
        return None, "system", None
    operator = g.get("operator")
    if operator is not None:
        # The operator console (admin_portal.operator): platform staff, never a user
        # of the company, named so that the company's log says who it was.
        return None, "operator", operator.name
    principal = g.get("principal")
    if principal is None:
        return None, "web", None
    from dala.api.gate import request_source

    source = request_source().value if principal.token is not None else "web"
    return principal.user.id, source, None


def _after_flush_postexec(session: Session, _flush: UOWTransaction) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    user_id, source, actor = _actor()
    now = utcnow()
    for record in pending:
        session.add(
            AuditEvent(
                id=uuid.uuid4(), at=now, user_id=user_id, source=source, actor=actor, **record
            )
        )


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_NEW_TENANT, None)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "after_flush_postexec", _after_flush_postexec)
    event.listen(factory, "after_commit", _forget)
    event.listen(factory, "after_rollback", _forget)
