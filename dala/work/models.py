"""Customers and their contacts; names, notes, phones and e-mails are stored encrypted."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import JSON, Enum, Index, String, and_
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from dala.db import Base, Timestamped
from dala.storage.encrypted import EncryptedText
from dala.tenancy.scoping import TenantScoped, tenant_fk


class CustomerKind(enum.StrEnum):
    PERSON = "person"
    COMPANY = "company"


class Customer(TenantScoped, Timestamped, Base):
    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_tenant_created", "tenant_id", "created_at"),)

    kind: Mapped[CustomerKind] = mapped_column(
        Enum(
            CustomerKind,
            native_enum=False,
            length=8,
            values_callable=lambda e: [m.value for m in e],
        )
    )
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
