"""The plug-in's one table: a warranty registration per completed job."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Index
from sqlalchemy.orm import Mapped

from dala.db import Base, Timestamped
from dala.tenancy.scoping import TenantScoped, tenant_fk


class Registration(TenantScoped, Timestamped, Base):
    """The warranty on one completed job: from the day it was completed, for ``months``.

    Tenant-scoped like every company's data: reads are filtered to the current
    company, inserts stamped with it, and PostgreSQL's row-level security holds
    the same line (see the migration).
    """

    # A plug-in's tables carry its name, so they never clash with core's or another's.
    __tablename__ = "acme_warranty_registrations"
    __table_args__ = (
        # Foreign keys include tenant_id: a registration cannot point at another company's job.
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        tenant_fk(["branch_id"], "branches"),
        Index("uq_acme_warranty_registrations_job", "tenant_id", "job_id", unique=True),
        Index("ix_acme_warranty_registrations_branch", "tenant_id", "branch_id", "completed_on"),
        CheckConstraint("months > 0", name="months_positive"),
    )

    job_id: Mapped[uuid.UUID]
    # The branch that did the job: lists and permissions are per branch.
    branch_id: Mapped[uuid.UUID]
    job_number: Mapped[int]
    # Days in the branch's time zone: a warranty runs to the end of a calendar day.
    completed_on: Mapped[date]
    valid_until: Mapped[date]
    # The term in force when the job was completed; changing the setting later does not
    # change warranties already given.
    months: Mapped[int]
