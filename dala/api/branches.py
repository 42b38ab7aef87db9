"""/api/v1/branches: a company's locations."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import func, select

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Currency, Locale, Text, Timezone
from dala.api.pagination import PageArgs, page_of, paginate
from dala.api.schemas import BranchSchema
from dala.auth.guard import authorize, in_permitted_branches, require
from dala.db import get_session
from dala.tenancy.models import Branch
from dala.tenancy.services import create_branch, delete_branch, get_branch, update_branch

blp = Blueprint("branches", __name__, url_prefix="/branches", description="Branches")


class BranchCreateArgs(ma.Schema):
    name = Text(120, required=True)
    timezone = Timezone(required=True)
    currency = Currency()
    locale = Locale()
    address = ma.fields.String(validate=ma.validate.Length(max=500))


class BranchUpdateArgs(ma.Schema):
    name = Text(120)
    timezone = Timezone()
    currency = Currency()
    locale = Locale()
    address = ma.fields.String(validate=ma.validate.Length(max=500))


class BranchListArgs(PageArgs):
    q = ma.fields.String(
        validate=ma.validate.Length(min=1, max=120),
        metadata={"description": "Part of the branch name"},
    )
    timezone = ma.fields.String(validate=ma.validate.Length(min=1, max=64))


@blp.route("")
class BranchesView(MethodView):
    @require("branch:read")
    @blp.arguments(BranchListArgs, location="query")
    @blp.response(200, page_of(BranchSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Branches the user may see, by name."""
        query = in_permitted_branches(
            select(Branch).order_by(Branch.name, Branch.id), Branch.id, "branch:read"
        )
        if "q" in args:
            query = query.where(
                func.lower(Branch.name).contains(args["q"].lower(), autoescape=True)
            )
        if "timezone" in args:
            query = query.where(Branch.timezone == args["timezone"])
        return paginate(get_session(), query, args)

    @require("branch:create")
    @blp.arguments(BranchCreateArgs)
    @blp.response(201, BranchSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Open a new branch; tenant-wide roles apply to it at once."""
        authorize("branch:create")
        session = get_session()
        branch = create_branch(session, data)
        session.commit()
        return branch, 201, etag_headers(branch)


@blp.route("/<uuid:branch_id>")
class BranchView(MethodView):
    @require("branch:read")
    @blp.response(200, BranchSchema)
    def get(self, branch_id: uuid.UUID) -> Any:
        session = get_session()
        branch = get_branch(session, branch_id)
        authorize("branch:read", branch.id)
        return branch, 200, etag_headers(branch)

    @require("branch:update")
    @blp.arguments(BranchUpdateArgs)
    @blp.response(200, BranchSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], branch_id: uuid.UUID) -> Any:
        """Change name, time zone, currency, language or address."""
        session = get_session()
        branch = get_branch(session, branch_id)
        authorize("branch:update", branch.id)
        check_if_match(branch)
        update_branch(session, branch, data)
        session.commit()
        return branch, 200, etag_headers(branch)

    @require("branch:delete")
    @blp.response(204)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, branch_id: uuid.UUID) -> None:
        """Delete a branch and its role assignments (a company keeps at least one)."""
        session = get_session()
        branch = get_branch(session, branch_id)
        authorize("branch:delete")
        check_if_match(branch)
        delete_branch(session, branch)
        session.commit()
