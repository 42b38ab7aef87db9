"""One administrative change, recorded in the transaction that made it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dala.db import Base
from dala.storage.encrypted import EncryptedJSON
from dala.tenancy.scoping import TenantScoped


class AuditEvent(TenantScoped, Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "tenant_id", "at"),
        Index("ix_audit_events_target", "tenant_id", "target_type", "target_id", "at"),
        Index("ix_audit_events_user", "tenant_id", "user_id", "at"),
    )

    at: Mapped[datetime]
    # Who: the signed-in user or token owner; None for the system (CLI, migrations).
    user_id: Mapped[uuid.UUID | None]
    # web, app, api, system; "operator" for the platform's staff, named in ``actor``.
    source: Mapped[str] = mapped_column(String(8))
    # Who, when not one of the company's users: the platform operator's name, kept
    # as it was then (the log reads the same after the operator leaves).
    actor: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(16))  # created, updated, deleted
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(80))
    # {"before": {...}, "after": {...}} of the changed fields (may name people: encrypted).
    changes: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("audit_events.changes"))
