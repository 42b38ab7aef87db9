"""/api/v1/customers: the company's customers, stored encrypted, found by blind index."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Email, Locale, Text
from dala.api.pagination import PageArgs, page_of, paginate, paginate_items
from dala.auth.guard import require
from dala.db import get_session
from dala.work import customers
from dala.work.models import Customer, CustomerKind

blp = Blueprint("customers", __name__, url_prefix="/customers", description="Customers")

_KINDS = [k.value for k in CustomerKind]


class ContactSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    is_primary = ma.fields.Boolean()


class CustomerSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(metadata={"enum": _KINDS})
    name = ma.fields.String()
    notes = ma.fields.String(allow_none=True)
    tags = ma.fields.List(ma.fields.String())
    preferred_language = ma.fields.String(allow_none=True)
    contacts = ma.fields.List(ma.fields.Nested(ContactSchema))
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


_TAGS = ma.fields.List(
    ma.fields.String(validate=ma.validate.Length(min=1, max=40)),
    validate=ma.validate.Length(max=20),
)
_PHONE = ma.fields.String(
    allow_none=True,
    validate=ma.validate.Length(min=3, max=40),
    metadata={"example": "+7 701 123 45 67"},
)


class CustomerCreateArgs(ma.Schema):
    name = Text(200, required=True)
    kind = ma.fields.String(
        load_default=CustomerKind.PERSON.value, validate=ma.validate.OneOf(_KINDS)
    )
    email = Email(allow_none=True)
    phone = _PHONE
    contact_name = Text(200, metadata={"description": "The primary contact, if not the customer"})
    notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=5000))
    tags = _TAGS
    preferred_language = Locale(allow_none=True)


class CustomerUpdateArgs(ma.Schema):
    name = Text(200)
    kind = ma.fields.String(validate=ma.validate.OneOf(_KINDS))
    email = Email(allow_none=True)
    phone = _PHONE
    contact_name = Text(200)
    notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=5000))
    tags = _TAGS
    preferred_language = Locale(allow_none=True)


class CustomerListArgs(PageArgs):
    q = ma.fields.String(
        validate=ma.validate.Length(min=3, max=200),
        metadata={
            "description": "A name or a word of it (3 letters or more), an e-mail, or a phone "
            "number in any common format"
        },
    )
    kind = ma.fields.String(validate=ma.validate.OneOf(_KINDS))


@blp.route("")
class CustomersView(MethodView):
    @require("customer:read")
    @blp.arguments(CustomerListArgs, location="query")
    @blp.response(200, page_of(CustomerSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Customers, newest first; ``q`` searches names, e-mails and phones."""
        session = get_session()
        query = customers.customers_query().order_by(Customer.created_at.desc(), Customer.id)
        if "kind" in args:
            query = query.where(Customer.kind == args["kind"])
        if "q" in args:
            query = customers.search_filter(session, query, args["q"])
        return paginate(session, query, args)

    @require("customer:create")
    @blp.arguments(CustomerCreateArgs)
    @blp.response(201, CustomerSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a customer with its primary contact's name, e-mail and phone."""
        session = get_session()
        customer = customers.create_customer(session, data)
        session.commit()
        return customer, 201, etag_headers(customer)


@blp.route("/<uuid:customer_id>")
class CustomerView(MethodView):
    @require("customer:read")
    @blp.response(200, CustomerSchema)
    def get(self, customer_id: uuid.UUID) -> Any:
        customer = customers.get_customer(get_session(), customer_id)
        return customer, 200, etag_headers(customer)

    @require("customer:update")
    @blp.arguments(CustomerUpdateArgs)
    @blp.response(200, CustomerSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], customer_id: uuid.UUID) -> Any:
        """Change a customer or its primary contact; the search index follows."""
        session = get_session()
        customer = customers.get_customer(session, customer_id)
        check_if_match(customer)
        customers.update_customer(session, customer, data)
        session.commit()
        return customer, 200, etag_headers(customer)

    @require("customer:delete")
    @blp.response(204)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, customer_id: uuid.UUID) -> None:
        """Delete a customer with its contacts."""
        session = get_session()
        customer = customers.get_customer(session, customer_id)
        check_if_match(customer)
        customers.delete_customer(session, customer)
        session.commit()


class ContactCreateArgs(ma.Schema):
    name = Text(200, required=True)
    email = Email(allow_none=True)
    phone = _PHONE
    is_primary = ma.fields.Boolean(load_default=False)


class ContactUpdateArgs(ma.Schema):
    name = Text(200)
    email = Email(allow_none=True)
    phone = _PHONE
    is_primary = ma.fields.Boolean(
        metadata={"description": "true makes this the primary contact (the others stop being)"}
    )


class ContactDetailSchema(ContactSchema):
    customer_id = ma.fields.UUID(dump_only=True)
    version = ma.fields.Integer(dump_only=True)


@blp.route("/<uuid:customer_id>/contacts")
class ContactsView(MethodView):
    @require("customer:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(ContactDetailSchema))
    def get(self, args: dict[str, Any], customer_id: uuid.UUID) -> dict[str, Any]:
        """The customer's contacts, primary first."""
        customer = customers.get_customer(get_session(), customer_id)
        return paginate_items(customer.contacts, args)

    @require("customer:update")
    @blp.arguments(ContactCreateArgs)
    @blp.response(201, ContactDetailSchema)
    def post(self, data: dict[str, Any], customer_id: uuid.UUID) -> Any:
        """Add a person to reach at the customer."""
        session = get_session()
        customer = customers.get_customer(session, customer_id)
        contact = customers.add_contact(session, customer, data)
        session.commit()
        return contact, 201, etag_headers(contact)


@blp.route("/<uuid:customer_id>/contacts/<uuid:contact_id>")
class ContactView(MethodView):
    @require("customer:read")
    @blp.response(200, ContactDetailSchema)
    def get(self, customer_id: uuid.UUID, contact_id: uuid.UUID) -> Any:
        session = get_session()
        customer = customers.get_customer(session, customer_id)
        contact = customers.get_contact(session, customer, contact_id)
        return contact, 200, etag_headers(contact)

    @require("customer:update")
    @blp.arguments(ContactUpdateArgs)
    @blp.response(200, ContactDetailSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], customer_id: uuid.UUID, contact_id: uuid.UUID) -> Any:
        """Change a contact, or make it the primary one."""
        session = get_session()
        customer = customers.get_customer(session, customer_id)
        contact = customers.get_contact(session, customer, contact_id)
        check_if_match(contact)
        customers.update_contact(session, customer, contact, data)
        session.commit()
        return contact, 200, etag_headers(contact)

    @require("customer:update")
    @blp.response(204)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, customer_id: uuid.UUID, contact_id: uuid.UUID) -> None:
        """Remove a contact (not the primary one)."""
        session = get_session()
        customer = customers.get_customer(session, customer_id)
        contact = customers.get_contact(session, customer, contact_id)
        check_if_match(contact)
        customers.remove_contact(session, customer, contact)
        session.commit()
