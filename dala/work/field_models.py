"""What a technician records on a job from the field: notes, time entries and parts used.

Rows made on the phone keep the UUID the phone gave them, so the same record
sent twice (a retried sync) is recognised and stored once.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dala.db import Base, Timestamped, str_enum
from dala.storage.encrypted import EncryptedText
from dala.tenancy.scoping import TenantScoped, tenant_fk
from dala.work.job_models import Source


class JobNote(TenantScoped, Timestamped, Base):
    """A note on a job: what the technician found, did or wants the office to know."""

    __tablename__ = "job_notes"
    __table_args__ = (
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        Index("ix_job_notes_job", "tenant_id", "job_id", "written_at"),
    )

    job_id: Mapped[uuid.UUID]
    author_id: Mapped[uuid.UUID | None]
    text: Mapped[str] = mapped_column(EncryptedText("job_notes.text"))
    # When it was written (the phone's time, clamped), which may be before it reached us.
    written_at: Mapped[datetime]
    source: Mapped[Source] = mapped_column(str_enum(Source, 8))


class TimeKind(enum.StrEnum):
    WORK = "work"
    TRAVEL = "travel"
    BREAK = "break"


class TimeEntry(TenantScoped, Timestamped, Base):
    """A span of a technician's time on a job (work, travel or a break)."""

    __tablename__ = "job_time_entries"
    __table_args__ = (
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        tenant_fk(["technician_id"], "technicians", ondelete="CASCADE"),
        Index("ix_job_time_entries_job", "tenant_id", "job_id", "started_at"),
        Index("ix_job_time_entries_technician", "tenant_id", "technician_id", "started_at"),
        CheckConstraint("ended_at > started_at", name="time_order"),
    )

    job_id: Mapped[uuid.UUID]
    technician_id: Mapped[uuid.UUID]
    kind: Mapped[TimeKind] = mapped_column(str_enum(TimeKind, 8))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]


class PartUsage(TenantScoped, Timestamped, Base):
    """A part or material used on a job. The technician says what and how many; the price
    is the office's (invoicing sets it)."""

    __tablename__ = "job_parts"
    __table_args__ = (
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        Index("ix_job_parts_job", "tenant_id", "job_id", "created_at"),
        CheckConstraint("quantity_milli > 0", name="quantity_positive"),
    )

    job_id: Mapped[uuid.UUID]
    recorded_by: Mapped[uuid.UUID | None]
    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str | None] = mapped_column(String(64))
    # Thousandths of the unit, so 1.5 m of pipe is 1500: exact, no floats.
    quantity_milli: Mapped[int]
