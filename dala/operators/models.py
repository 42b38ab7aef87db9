"""Operators (platform-wide) and what they did to a company (one of its rows)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dala.db import Base, new_id, str_enum, utcnow
from dala.tenancy.models import TenantStatus
from dala.tenancy.scoping import TenantScoped


class Operator(Base):
    """A member of the platform's staff; signs in to the operator console, never to a company."""

    __tablename__ = "operators"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Changing it (deactivation, signing out) ends every console session of the operator.
    session_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class OperatorActionKind(enum.StrEnum):
    SUSPENDED = "suspended"
    REACTIVATED = "reactivated"


class OperatorAction(TenantScoped, Base):
    """An operator's change to a company's status, with the reason they gave.

    A row of the company it concerns (row-level security like every tenant
    table): the operator console reads and writes it in that company's scope.
    """

    __tablename__ = "operator_actions"
    __table_args__ = (Index("ix_operator_actions_at", "tenant_id", "at"),)

    at: Mapped[datetime] = mapped_column(default=utcnow)
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id"))
    action: Mapped[OperatorActionKind] = mapped_column(str_enum(OperatorActionKind))
    status_before: Mapped[TenantStatus] = mapped_column(str_enum(TenantStatus))
    status_after: Mapped[TenantStatus] = mapped_column(str_enum(TenantStatus))
    reason: Mapped[str] = mapped_column(String(500))
