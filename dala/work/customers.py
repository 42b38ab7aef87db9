"""Customers: create, change, delete and find them through blind indexes."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session, selectinload

from dala.db import utcnow
from dala.errors import Conflict, NotFound
from dala.storage.search import query_digests, terms_for
from dala.tenancy import context
from dala.tenancy.models import Branch
from dala.tenancy.regions import country_for_timezone
from dala.work.job_models import Job
from dala.work.models import Contact, Customer, CustomerKind, CustomerSearchTerm

#: Where a phone number without a country code is read when no branch says otherwise.
DEFAULT_PHONE_REGION = "KZ"


def phone_region(session: Session) -> str:
    """The country phone numbers are read in: the selected branch's, else the first branch's."""
    branch_id = context.current_branch_id()
    query = select(Branch.timezone)
    query = (
        query.where(Branch.id == branch_id)
        if branch_id
        else query.order_by(Branch.created_at).limit(1)
    )
    timezone = session.scalar(query)
    return (country_for_timezone(timezone) if timezone else None) or DEFAULT_PHONE_REGION


def customers_query() -> Select[Any]:
    """Customers with their contacts loaded in one more query, never one per row."""
    return select(Customer).options(selectinload(Customer.contacts))


def get_customer(session: Session, customer_id: uuid.UUID) -> Customer:
    customer = session.scalars(customers_query().where(Customer.id == customer_id)).first()
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def _reindex(session: Session, customer: Customer, contacts: list[Contact]) -> None:
    tenant_id = context.current_tenant_id()
    session.execute(
        delete(CustomerSearchTerm)
        .where(CustomerSearchTerm.customer_id == customer.id)
        .execution_options(synchronize_session=False)
    )
    digests = terms_for(
        tenant_id,
        names=[customer.name, *(c.name for c in contacts if c.name)],
        emails=[c.email for c in contacts if c.email],
        phones=[c.phone for c in contacts if c.phone],
        region=phone_region(session),
    )
    session.add_all(CustomerSearchTerm(customer_id=customer.id, digest=d) for d in digests)


def create_customer(session: Session, data: dict[str, Any]) -> Customer:
    """A customer with its primary contact (name, e-mail, phone), findable at once."""
    customer = Customer(
        id=uuid.uuid4(),
        kind=data.get("kind", CustomerKind.PERSON),
        name=data["name"],
        notes=data.get("notes"),
        tags=sorted(set(data.get("tags", []))),
        preferred_language=data.get("preferred_language"),
    )
    session.add(customer)
    session.flush()
    contact = Contact(
        id=uuid.uuid4(),
        customer_id=customer.id,
        name=data.get("contact_name") or data["name"],
        email=data.get("email"),
        phone=data.get("phone"),
        is_primary=True,
    )
    session.add(contact)
    session.flush()
    _reindex(session, customer, [contact])
    session.flush()
    return get_customer(session, customer.id)


def update_customer(session: Session, customer: Customer, data: dict[str, Any]) -> Customer:
    for field in ("kind", "name", "notes", "preferred_language"):
        if field in data:
            setattr(customer, field, data[field])
    if "tags" in data:
        customer.tags = sorted(set(data["tags"]))
    # The customer's version (its ETag) moves with any change, its contact's included.
    customer.updated_at = utcnow()
    contacts = list(customer.contacts)
    primary = customer.primary_contact
    if primary is not None:
        for field, attr in (("email", "email"), ("phone", "phone"), ("contact_name", "name")):
            if field in data:
                setattr(primary, attr, data[field])
    session.flush()
    _reindex(session, customer, contacts)
    session.flush()
    return customer


def delete_customer(session: Session, customer: Customer) -> None:
    """Delete a customer with its contacts, sites and search terms; not one with jobs."""
    if session.scalar(select(Job.id).where(Job.customer_id == customer.id).limit(1)):
        raise Conflict(_("The customer has jobs; they keep the customer while they exist."))
    session.delete(customer)
    session.flush()


def get_contact(session: Session, customer: Customer, contact_id: uuid.UUID) -> Contact:
    contact = next((c for c in customer.contacts if c.id == contact_id), None)
    if contact is None:
        raise NotFound(_("Contact not found."))
    return contact


def _make_primary(customer: Customer, contact: Contact) -> None:
    for other in customer.contacts:
        if other.id != contact.id:
            other.is_primary = False
    contact.is_primary = True


def add_contact(session: Session, customer: Customer, data: dict[str, Any]) -> Contact:
    """Another person to reach at the customer; ``is_primary`` moves the primary to them."""
    contact = Contact(
        id=uuid.uuid4(),
        customer_id=customer.id,
        name=data["name"],
        email=data.get("email"),
        phone=data.get("phone"),
        is_primary=False,
    )
    session.add(contact)
    session.flush()
    session.refresh(customer, ["contacts"])
    if data.get("is_primary"):
        _make_primary(customer, contact)
    customer.updated_at = utcnow()
    session.flush()
    _reindex(session, customer, list(customer.contacts))
    return contact


def update_contact(
    session: Session, customer: Customer, contact: Contact, data: dict[str, Any]
) -> Contact:
    for field in ("name", "email", "phone"):
        if field in data:
            setattr(contact, field, data[field])
    if data.get("is_primary"):
        _make_primary(customer, contact)
    customer.updated_at = utcnow()
    session.flush()
    _reindex(session, customer, list(customer.contacts))
    return contact


def remove_contact(session: Session, customer: Customer, contact: Contact) -> None:
    """Remove a contact; the primary one stays until another is made primary."""
    if contact.is_primary:
        raise Conflict(_("The primary contact stays; make another contact primary first."))
    session.delete(contact)
    customer.updated_at = utcnow()
    session.flush()
    session.refresh(customer, ["contacts"])
    _reindex(session, customer, list(customer.contacts))


def search_filter(session: Session, query: Select[Any], text: str) -> Select[Any]:
    """Narrow ``query`` to customers matching every word of ``text`` (name, e-mail, phone)."""
    groups = query_digests(context.current_tenant_id(), text, phone_region(session))
    if not groups:
        return query.where(Customer.id.is_(None))
    for digests in groups:
        query = query.where(
            Customer.id.in_(
                select(CustomerSearchTerm.customer_id).where(CustomerSearchTerm.digest.in_(digests))
            )
        )
    return query
