"""Tenant keys: data and index keys, stored only wrapped by the master key."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dala.db import Base
from dala.tenancy.scoping import TenantScoped


class KeyPurpose(enum.StrEnum):
    DATA = "data"  # encrypts column values and files
    INDEX = "index"  # keys the blind indexes (never rotated with data keys)


class KeyStatus(enum.StrEnum):
    ACTIVE = "active"  # new values are written with it
    RETIRED = "retired"  # still opens older values until rotation rewrote them


class TenantKey(TenantScoped, Base):
    __tablename__ = "tenant_keys"
    __table_args__ = (
        Index("ix_tenant_keys_tenant_purpose", "tenant_id", "purpose", "status"),
        # One active key per purpose: two workers creating one at once cannot both win.
        Index(
            "uq_tenant_keys_active",
            "tenant_id",
            "purpose",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    purpose: Mapped[KeyPurpose] = mapped_column(
        Enum(
            KeyPurpose, native_enum=False, length=8, values_callable=lambda e: [m.value for m in e]
        )
    )
    status: Mapped[KeyStatus] = mapped_column(
        Enum(KeyStatus, native_enum=False, length=8, values_callable=lambda e: [m.value for m in e])
    )
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    # Which master key wrapped it (its fingerprint), so rotation knows what is left.
    kek_fingerprint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
