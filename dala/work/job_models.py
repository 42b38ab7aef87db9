"""Job types and jobs: assignments, status history, checklists and attachments."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, String, and_, func, select
from sqlalchemy.orm import Mapped, column_property, foreign, mapped_column, relationship

from dala.db import Base, Timestamped, str_enum
from dala.storage.encrypted import EncryptedText
from dala.sync.models import ConflictStatus, SyncConflict
from dala.tenancy.scoping import TenantScoped, tenant_fk
from dala.work.models import Customer, Site


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    EMERGENCY = "emergency"


class JobStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


class Source(enum.StrEnum):
    """Where a change came from."""

    WEB = "web"
    APP = "app"
    API = "api"
    SYSTEM = "system"


class JobType(TenantScoped, Timestamped, Base):
    """A kind of work: default duration, required skills, checklist template."""

    __tablename__ = "job_types"
    __table_args__ = (Index("uq_job_types_tenant_name", "tenant_id", "name_key", unique=True),)

    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(1000), default="")
    default_duration_minutes: Mapped[int] = mapped_column(default=60)
    # [{"skill_id": "...", "min_level": 1..5}]
    required_skills: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    checklist_template: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Job(TenantScoped, Timestamped, Base):
    """A piece of work at a customer's site, planned and done by technicians."""

    __tablename__ = "jobs"
    __table_args__ = (
        tenant_fk(["branch_id"], "branches"),
        tenant_fk(["customer_id"], "customers"),
        tenant_fk(["site_id"], "sites"),
        tenant_fk(["job_type_id"], "job_types"),
        Index("uq_jobs_tenant_number", "tenant_id", "number", unique=True),
        # The dispatcher's lists: a branch's jobs by day, by status, by customer.
        Index("ix_jobs_branch_start", "tenant_id", "branch_id", "scheduled_start"),
        Index("ix_jobs_branch_status", "tenant_id", "branch_id", "status", "scheduled_start"),
        Index("ix_jobs_branch_created", "tenant_id", "branch_id", "created_at"),
        Index("ix_jobs_customer", "tenant_id", "customer_id", "created_at"),
        Index("ix_jobs_site", "tenant_id", "site_id"),
        Index("ix_jobs_sync_version", "tenant_id", "sync_version"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint(
            "window_end IS NULL OR window_start IS NULL OR window_end > window_start",
            name="window_order",
        ),
        CheckConstraint(
            "scheduled_end IS NULL OR scheduled_start IS NULL OR scheduled_end > scheduled_start",
            name="schedule_order",
        ),
    )

    number: Mapped[int]
    branch_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    site_id: Mapped[uuid.UUID | None]
    job_type_id: Mapped[uuid.UUID | None]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(EncryptedText("jobs.description"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 10), default=Priority.NORMAL)
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, 12), default=JobStatus.DRAFT)
    # [{"skill_id": "...", "min_level": 1..5}]
    required_skills: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    duration_minutes: Mapped[int] = mapped_column(default=60)
    scheduled_start: Mapped[datetime | None]
    scheduled_end: Mapped[datetime | None]
    status_changed_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None]
    version: Mapped[int] = mapped_column(default=1)
    # The company's change version of the last change to the job or anything on it
    # (checklist, notes, files, assignment, ...): what a phone's sync pulls by.
    sync_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    assignments: Mapped[list[JobAssignment]] = relationship(
        primaryjoin=lambda: and_(
            foreign(JobAssignment.tenant_id) == Job.tenant_id,
            foreign(JobAssignment.job_id) == Job.id,
        ),
        order_by=lambda: (JobAssignment.is_lead.desc(), JobAssignment.created_at),
        viewonly=True,
    )

    customer: Mapped[Customer] = relationship(
        primaryjoin=lambda: and_(
            foreign(Job.tenant_id) == Customer.tenant_id, foreign(Job.customer_id) == Customer.id
        ),
        viewonly=True,
    )
    site: Mapped[Site | None] = relationship(
        primaryjoin=lambda: and_(
            foreign(Job.tenant_id) == Site.tenant_id, foreign(Job.site_id) == Site.id
        ),
        viewonly=True,
    )

    __mapper_args__ = {"version_id_col": version}

    if TYPE_CHECKING:
        conflicts_open: int  # mapped below, once the job's columns exist

    @property
    def technician_ids(self) -> list[uuid.UUID]:
        return [a.technician_id for a in self.assignments]


# Sync conflicts waiting for a person's decision, so dispatchers see them on the job:
# a subquery per row along ix_sync_conflicts_job, no query per job.
Job.conflicts_open = column_property(  # type: ignore[assignment]
    select(func.count(SyncConflict.id))
    .where(
        SyncConflict.tenant_id == Job.tenant_id,
        SyncConflict.job_id == Job.id,
        SyncConflict.status == ConflictStatus.OPEN,
    )
    .correlate_except(SyncConflict)
    .scalar_subquery()
)


class JobAssignment(TenantScoped, Timestamped, Base):
    """A technician assigned to a job; the lead is listed first."""

    __tablename__ = "job_assignments"
    __table_args__ = (
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        tenant_fk(["technician_id"], "technicians", ondelete="CASCADE"),
        Index("uq_job_assignments", "tenant_id", "job_id", "technician_id", unique=True),
        # "My jobs" and the technician filter of the job list.
        Index("ix_job_assignments_technician", "tenant_id", "technician_id", "job_id"),
    )

    job_id: Mapped[uuid.UUID]
    technician_id: Mapped[uuid.UUID]
    is_lead: Mapped[bool] = mapped_column(default=False)


class JobTransition(TenantScoped, Base):
    """One status change of a job: who, when, from, to and where from."""

    __tablename__ = "job_transitions"
    __table_args__ = (
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        Index("ix_job_transitions_job", "tenant_id", "job_id", "at"),
    )

    job_id: Mapped[uuid.UUID]
    from_status: Mapped[JobStatus | None] = mapped_column(str_enum(JobStatus, 12))
    to_status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, 12))
    at: Mapped[datetime]
    user_id: Mapped[uuid.UUID | None]
    source: Mapped[Source] = mapped_column(str_enum(Source, 8))
    reason: Mapped[str | None] = mapped_column(EncryptedText("job_transitions.reason"))


class ChecklistItem(TenantScoped, Timestamped, Base):
    """One line of a job's checklist, copied from its type's template and editable."""

    __tablename__ = "job_checklist_items"
    __table_args__ = (
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        Index("ix_job_checklist_items_job", "tenant_id", "job_id", "position"),
    )

    job_id: Mapped[uuid.UUID]
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(300))
    done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None]
    done_by: Mapped[uuid.UUID | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AttachmentKind(enum.StrEnum):
    FILE = "file"
    PHOTO = "photo"
    SIGNATURE = "signature"


class Attachment(TenantScoped, Timestamped, Base):
    """A file on a job (photo, document); its bytes are stored encrypted, by content."""

    __tablename__ = "job_attachments"
    __table_args__ = (
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        Index("ix_job_attachments_job", "tenant_id", "job_id", "created_at"),
        Index("ix_job_attachments_blob", "tenant_id", "blob"),
    )

    job_id: Mapped[uuid.UUID]
    # The content address: a keyed hash of the bytes, so equal files are stored once
    # and the name says nothing about the content to someone without the tenant's key.
    blob: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(EncryptedText("job_attachments.filename"))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by: Mapped[uuid.UUID | None]
    kind: Mapped[AttachmentKind] = mapped_column(
        str_enum(AttachmentKind, 10), default=AttachmentKind.FILE, server_default="file"
    )
    caption: Mapped[str | None] = mapped_column(EncryptedText("job_attachments.caption"))
    # Who signed, for a customer's signature.
    signer_name: Mapped[str | None] = mapped_column(EncryptedText("job_attachments.signer_name"))
