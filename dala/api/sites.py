"""/api/v1/sites: customers' service addresses (address and access notes encrypted)."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Text
from dala.api.pagination import PageArgs, page_of, paginate
from dala.auth.guard import authorize, authorize_in, require
from dala.db import get_session
from dala.work import sites
from dala.work.models import Site

blp = Blueprint("sites", __name__, url_prefix="/sites", description="Customers' sites")

LATITUDE = ma.fields.Float(allow_none=True, validate=ma.validate.Range(-90, 90))
LONGITUDE = ma.fields.Float(allow_none=True, validate=ma.validate.Range(-180, 180))


class SiteSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    customer_id = ma.fields.UUID()
    branch_id = ma.fields.UUID()
    label = ma.fields.String()
    address = ma.fields.String()
    access_notes = ma.fields.String(allow_none=True)
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    timezone = ma.fields.String(dump_only=True, metadata={"description": "The branch's"})
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class SiteCreateArgs(ma.Schema):
    customer_id = ma.fields.UUID(required=True)
    branch_id = ma.fields.UUID(required=True)
    label = ma.fields.String(validate=ma.validate.Length(max=80), metadata={"example": "Home"})
    address = Text(500, required=True, metadata={"example": "Abay Ave 150, apt 12, Almaty"})
    access_notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    latitude = LATITUDE
    longitude = LONGITUDE


class SiteUpdateArgs(ma.Schema):
    branch_id = ma.fields.UUID()
    label = ma.fields.String(validate=ma.validate.Length(max=80))
    address = Text(500)
    access_notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    latitude = LATITUDE
    longitude = LONGITUDE


class SiteListArgs(PageArgs):
    customer_id = ma.fields.UUID()
    branch_id = ma.fields.UUID()


@blp.route("")
class SitesView(MethodView):
    @require("customer:read")
    @blp.arguments(SiteListArgs, location="query")
    @blp.response(200, page_of(SiteSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Sites, newest first; filter by customer or branch."""
        query = sites.sites_query()
        if "customer_id" in args:
            query = query.where(Site.customer_id == args["customer_id"])
        if "branch_id" in args:
            query = query.where(Site.branch_id == args["branch_id"])
        return paginate(get_session(), query, args)

    @require("customer:update")
    @blp.arguments(SiteCreateArgs)
    @blp.response(201, SiteSchema)
    @blp.alt_response(404, description="A referenced object does not exist")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a service address to a customer."""
        session = get_session()
        authorize_in("customer:update", data["branch_id"])
        site = sites.create_site(session, data)
        session.commit()
        return site, 201, etag_headers(site)


# Customers and their sites are company-wide to read; a site is changed by those
# who edit customers in the branch that serves it.


@blp.route("/<uuid:site_id>")
class SiteView(MethodView):
    @require("customer:read")
    @blp.response(200, SiteSchema)
    def get(self, site_id: uuid.UUID) -> Any:
        site = sites.get_site(get_session(), site_id)
        return site, 200, etag_headers(site)

    @require("customer:update")
    @blp.arguments(SiteUpdateArgs)
    @blp.response(200, SiteSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], site_id: uuid.UUID) -> Any:
        session = get_session()
        site = sites.get_site(session, site_id)
        authorize("customer:update", site.branch_id)
        check_if_match(site)
        if "branch_id" in data:
            authorize_in("customer:update", data["branch_id"])
        sites.update_site(session, site, data)
        session.commit()
        session.refresh(site, ["branch"])
        return site, 200, etag_headers(site)

    @require("customer:update")
    @blp.response(204)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, site_id: uuid.UUID) -> None:
        """Delete a site no job points to."""
        session = get_session()
        site = sites.get_site(session, site_id)
        authorize("customer:update", site.branch_id)
        check_if_match(site)
        sites.delete_site(session, site)
        session.commit()
