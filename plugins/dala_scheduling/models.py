"""Scheduling's own tables: pinned jobs and plan runs (the optimiser's proposals).

Jobs stay in core; these rows only add what scheduling knows about them.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dala.db import Base, Timestamped, str_enum, utcnow
from dala.tenancy.scoping import TenantScoped, tenant_fk


class Pin(TenantScoped, Timestamped, Base):
    """A job the optimiser and re-planning must leave where the dispatcher put it."""

    __tablename__ = "dala_scheduling_pins"
    __table_args__ = (
        # Deleting a job takes its pin with it; a pin never outlives what it holds.
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        Index("uq_dala_scheduling_pins_job", "tenant_id", "job_id", unique=True),
    )

    job_id: Mapped[uuid.UUID]
    # No foreign key: like job_transitions.user_id, who did it outlives the user row.
    pinned_by: Mapped[uuid.UUID | None]
    pinned_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PROPOSED = "proposed"
    APPLIED = "applied"
    DISCARDED = "discarded"
    FAILED = "failed"
    STALE = "stale"


class PlanTrigger(enum.StrEnum):
    MANUAL = "manual"
    SICK = "sick"
    OVERRUN = "overrun"
    EMERGENCY = "emergency"


class PlanRun(TenantScoped, Timestamped, Base):
    """One optimisation of a branch's day: queued, computed into a proposal, applied or not."""

    __tablename__ = "dala_scheduling_plan_runs"
    __table_args__ = (
        tenant_fk(["branch_id"], "branches", ondelete="CASCADE"),
        # The plan list of a branch's day, newest first.
        Index(
            "ix_dala_scheduling_plan_runs_branch_day",
            "tenant_id",
            "branch_id",
            "day",
            "created_at",
        ),
    )

    branch_id: Mapped[uuid.UUID]
    # The branch's calendar day being planned (its time zone).
    day: Mapped[date]
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus, 12), default=PlanStatus.QUEUED)
    trigger: Mapped[PlanTrigger] = mapped_column(
        str_enum(PlanTrigger, 12), default=PlanTrigger.MANUAL
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    task_id: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[uuid.UUID | None]
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))
    applied_at: Mapped[datetime | None]
    applied_by: Mapped[uuid.UUID | None]
