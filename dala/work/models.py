"""Customers, their contacts and sites, the skill catalogue and technicians.

Names, notes, phones, e-mails and addresses are stored encrypted.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, String, and_
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from dala.auth.models import User
from dala.db import Base, Timestamped, str_enum
from dala.storage.encrypted import EncryptedText
from dala.tenancy.models import Branch
from dala.tenancy.scoping import TenantScoped, tenant_fk


class CustomerKind(enum.StrEnum):
    PERSON = "person"
    COMPANY = "company"


class Customer(TenantScoped, Timestamped, Base):
    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_tenant_created", "tenant_id", "created_at"),)

    kind: Mapped[CustomerKind] = mapped_column(str_enum(CustomerKind, 8))
    name: Mapped[str] = mapped_column(EncryptedText("customers.name"))
    notes: Mapped[str | None] = mapped_column(EncryptedText("customers.notes"))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_language: Mapped[str | None] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(default=1)

    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin=lambda: and_(
            foreign(Contact.tenant_id) == Customer.tenant_id,
            foreign(Contact.customer_id) == Customer.id,
        ),
        order_by=lambda: (Contact.is_primary.desc(), Contact.created_at),
        viewonly=True,
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def primary_contact(self) -> Contact | None:
        return next((c for c in self.contacts if c.is_primary), None)


class Contact(TenantScoped, Timestamped, Base):
    """A person to reach at a customer; the first one is the primary contact."""

    __tablename__ = "customer_contacts"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        Index("ix_customer_contacts_tenant_customer", "tenant_id", "customer_id"),
    )

    customer_id: Mapped[uuid.UUID]
    name: Mapped[str | None] = mapped_column(EncryptedText("customer_contacts.name"))
    email: Mapped[str | None] = mapped_column(EncryptedText("customer_contacts.email"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("customer_contacts.phone"))
    is_primary: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class CustomerSearchTerm(TenantScoped, Base):
    """One blind-index digest a customer is findable by (name token, e-mail, phone)."""

    __tablename__ = "customer_search_terms"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        Index("ix_customer_search_terms_tenant_digest", "tenant_id", "digest"),
        Index("ix_customer_search_terms_tenant_customer", "tenant_id", "customer_id"),
    )

    customer_id: Mapped[uuid.UUID]
    digest: Mapped[str] = mapped_column(String(32))


class Skill(TenantScoped, Timestamped, Base):
    """A skill in the company's catalogue (HVAC, electrical, ...) that jobs require."""

    __tablename__ = "skills"
    __table_args__ = (Index("uq_skills_tenant_name", "tenant_id", "name_key", unique=True),)

    name: Mapped[str] = mapped_column(String(80))
    # The name folded for uniqueness and lookup ("HVAC" and "hvac" are one skill).
    name_key: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Site(TenantScoped, Timestamped, Base):
    """A service address of a customer, served by one branch (whose time zone it keeps)."""

    __tablename__ = "sites"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        tenant_fk(["branch_id"], "branches"),
        Index("ix_sites_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_sites_tenant_branch_created", "tenant_id", "branch_id", "created_at"),
    )

    customer_id: Mapped[uuid.UUID]
    branch_id: Mapped[uuid.UUID]
    # A short label the customer uses ("Home", "Warehouse 2"); the address is encrypted.
    label: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(EncryptedText("sites.address"))
    access_notes: Mapped[str | None] = mapped_column(EncryptedText("sites.access_notes"))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    version: Mapped[int] = mapped_column(default=1)

    branch: Mapped[Branch] = relationship(
        primaryjoin=lambda: and_(
            foreign(Site.tenant_id) == Branch.tenant_id, foreign(Site.branch_id) == Branch.id
        ),
        viewonly=True,
        lazy="joined",
        innerjoin=True,
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def timezone(self) -> str:
        """Local times at the site are the branch's."""
        return self.branch.timezone


class Technician(TenantScoped, Timestamped, Base):
    """A user who works jobs in the field: skills, home base, hours, time off and cost."""

    __tablename__ = "technicians"
    __table_args__ = (
        tenant_fk(["user_id"], "users", ondelete="CASCADE"),
        tenant_fk(["branch_id"], "branches"),
        Index("uq_technicians_tenant_user", "tenant_id", "user_id", unique=True),
        Index("ix_technicians_tenant_branch", "tenant_id", "branch_id", "active"),
        CheckConstraint("hourly_cost_minor >= 0", name="hourly_cost_not_negative"),
    )

    user_id: Mapped[uuid.UUID]
    branch_id: Mapped[uuid.UUID]
    active: Mapped[bool] = mapped_column(default=True)
    home_address: Mapped[str | None] = mapped_column(EncryptedText("technicians.home_address"))
    home_latitude: Mapped[float | None]
    home_longitude: Mapped[float | None]
    # [{"weekday": 0..6 (Monday 0), "start": "08:00", "end": "17:00"}, ...] in the
    # branch's time zone; two intervals on one day leave a break between them.
    working_hours: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    hourly_cost_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    version: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship(
        primaryjoin=lambda: and_(
            foreign(Technician.tenant_id) == User.tenant_id, foreign(Technician.user_id) == User.id
        ),
        viewonly=True,
        lazy="joined",
        innerjoin=True,
    )
    skills: Mapped[list[TechnicianSkill]] = relationship(
        primaryjoin=lambda: and_(
            foreign(TechnicianSkill.tenant_id) == Technician.tenant_id,
            foreign(TechnicianSkill.technician_id) == Technician.id,
        ),
        order_by=lambda: TechnicianSkill.skill_id,
        viewonly=True,
    )

    __mapper_args__ = {"version_id_col": version}


class TechnicianSkill(TenantScoped, Base):
    """A skill a technician has, at a level from 1 (trainee) to 5 (expert)."""

    __tablename__ = "technician_skills"
    __table_args__ = (
        tenant_fk(["technician_id"], "technicians", ondelete="CASCADE"),
        tenant_fk(["skill_id"], "skills", ondelete="CASCADE"),
        Index("uq_technician_skills", "tenant_id", "technician_id", "skill_id", unique=True),
        Index("ix_technician_skills_skill", "tenant_id", "skill_id"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    technician_id: Mapped[uuid.UUID]
    skill_id: Mapped[uuid.UUID]
    level: Mapped[int] = mapped_column(default=3)


class TimeOffReason(enum.StrEnum):
    VACATION = "vacation"
    SICK = "sick"
    TRAINING = "training"
    OTHER = "other"


class TimeOff(TenantScoped, Timestamped, Base):
    """A period a technician is away (leave, sick, training), stored in UTC."""

    __tablename__ = "technician_time_off"
    __table_args__ = (
        tenant_fk(["technician_id"], "technicians", ondelete="CASCADE"),
        Index("ix_technician_time_off_span", "tenant_id", "technician_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    technician_id: Mapped[uuid.UUID]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[TimeOffReason] = mapped_column(str_enum(TimeOffReason, 16))
    note: Mapped[str | None] = mapped_column(EncryptedText("technician_time_off.note"))
