"""Tenant (a service company) and Branch (one of its locations)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Enum, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dala.db import Base, Timestamped, new_id
from dala.tenancy.scoping import TenantScoped


class TenantStatus(enum.StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


#: Statuses whose users may still sign in and use the product.
USABLE_STATUSES = frozenset({TenantStatus.TRIALING, TenantStatus.ACTIVE, TenantStatus.PAST_DUE})

#: The plan of a new company: pay as you go, billed by usage (billing adds more plans).
DEFAULT_PLAN = "usage"


class Tenant(Timestamped, Base):
    """A service company. Not tenant-scoped itself: it is the scope."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    status: Mapped[TenantStatus] = mapped_column(
        Enum(
            TenantStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=TenantStatus.TRIALING,
    )
    trial_ends_at: Mapped[datetime | None]
    # The key of the company's price plan (see DEFAULT_PLAN).
    plan: Mapped[str] = mapped_column(String(32), default=DEFAULT_PLAN, server_default=DEFAULT_PLAN)
    # Bumped in the transaction that changes the tenant's roles or assignments;
    # every worker compares it with the policy it holds (see dala.auth.policy).
    policy_version: Mapped[int] = mapped_column(default=1)
    # The last job number handed out (numbers count up per company, never reused).
    job_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    # The last change version handed out: bumped in each transaction that changes what
    # technicians' phones hold, so a sync cursor is a version, never a clock.
    sync_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Branch(TenantScoped, Timestamped, Base):
    """A location of a tenant with its own time zone, currency and language."""

    __tablename__ = "branches"
    __table_args__ = (Index("uq_branches_tenant_name", "tenant_id", "name", unique=True),)

    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
