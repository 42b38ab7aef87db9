"""/api/v1/roles and /api/v1/role-assignments."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Text
from dala.api.pagination import PageArgs, page_of, paginate, paginate_items
from dala.auth import roles
from dala.auth.guard import (
    authorize,
    current_principal,
    require,
)
from dala.auth.models import RoleAssignment
from dala.db import get_session

blp = Blueprint("roles", __name__, description="Roles, custom roles and role assignments")

_PERMISSIONS = ma.fields.List(
    ma.fields.String(validate=ma.validate.Length(min=3, max=80)),
    validate=ma.validate.Length(max=500),
    metadata={"description": "Permission keys (resource:action) from /api/v1/permissions"},
)


class RoleSchema(ma.Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    builtin = ma.fields.Boolean(required=True)
    permissions = ma.fields.List(ma.fields.String(), required=True)
    version = ma.fields.Integer(required=True)


class RoleListArgs(PageArgs):
    q = ma.fields.String(
        validate=ma.validate.Length(min=1, max=80),
        metadata={"description": "Part of the role's key or name"},
    )
    builtin = ma.fields.Boolean(metadata={"description": "Only built-in (true) or custom (false)"})


class RoleCreateArgs(ma.Schema):
    key = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=2, max=40),
        metadata={"description": "Lower-case identifier, e.g. senior_technician"},
    )
    name = Text(80, required=True)
    description = ma.fields.String(validate=ma.validate.Length(max=500))
    permissions = _PERMISSIONS


class RoleUpdateArgs(ma.Schema):
    name = Text(80)
    description = ma.fields.String(validate=ma.validate.Length(max=500))
    permissions = _PERMISSIONS


class AssignmentSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    user_id = ma.fields.UUID(required=True)
    role = ma.fields.String(required=True)
    branch_id = ma.fields.UUID(allow_none=True, required=True)
    created_at = ma.fields.DateTime(dump_only=True)


class AssignmentCreateArgs(ma.Schema):
    user_id = ma.fields.UUID(required=True)
    role = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    branch_id = ma.fields.UUID(
        load_default=None, allow_none=True, metadata={"description": "Null for tenant-wide"}
    )


class AssignmentListArgs(PageArgs):
    user_id = ma.fields.UUID()
    branch_id = ma.fields.UUID()
    role = ma.fields.String(validate=ma.validate.Length(min=1, max=40))


@blp.route("/roles")
class RolesView(MethodView):
    @require("role:read")
    @blp.arguments(RoleListArgs, location="query")
    @blp.response(200, page_of(RoleSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Built-in roles, then the company's custom roles."""
        items = roles.list_roles(get_session())
        if "builtin" in args:
            items = [r for r in items if r.builtin == args["builtin"]]
        if "q" in args:
            needle = args["q"].lower()
            items = [r for r in items if needle in r.key or needle in r.name.lower()]
        return paginate_items(items, args)

    @require("role:create")
    @blp.arguments(RoleCreateArgs)
    @blp.response(201, RoleSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a custom role from the permission catalogue."""
        principal = authorize("role:create")
        session = get_session()
        view = roles.create_role(session, principal, data)
        session.commit()
        return view, 201, etag_headers(view)


@blp.route("/roles/<string:key>")
class RoleView(MethodView):
    @require("role:read")
    @blp.response(200, RoleSchema)
    def get(self, key: str) -> Any:
        view = roles.get_role(get_session(), key)
        return view, 200, etag_headers(view)

    @require("role:update")
    @blp.arguments(RoleUpdateArgs)
    @blp.response(200, RoleSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], key: str) -> Any:
        """Rename a custom role or change its permissions (built-in roles are fixed)."""
        principal = authorize("role:update")
        session = get_session()
        role = roles.get_custom_role(session, key)
        check_if_match(role)
        view = roles.update_role(session, principal, role, data)
        session.commit()
        return view, 200, etag_headers(view)

    @require("role:delete")
    @blp.response(204)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, key: str) -> None:
        """Delete a custom role that nobody holds."""
        principal = authorize("role:delete")
        session = get_session()
        role = roles.get_custom_role(session, key)
        check_if_match(role)
        roles.delete_role(session, principal, role)
        session.commit()


@blp.route("/role-assignments")
class AssignmentsView(MethodView):
    @require("role_assignment:read")
    @blp.arguments(AssignmentListArgs, location="query")
    @blp.response(200, page_of(AssignmentSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Who holds which role where, within the branches the user may see."""
        query = roles.visible_assignments(
            user_id=args.get("user_id"), role=args.get("role"), branch_id=args.get("branch_id")
        ).order_by(RoleAssignment.created_at, RoleAssignment.id)
        return paginate(get_session(), query, args)

    @require("role_assignment:create")
    @blp.arguments(AssignmentCreateArgs)
    @blp.response(201, AssignmentSchema)
    @blp.alt_response(404, description="No such user or branch")
    def post(self, data: dict[str, Any]) -> RoleAssignment:
        """Give a user a role in one branch, or tenant-wide (``branch_id`` null)."""
        session = get_session()
        assignment = roles.assign_role(
            session,
            current_principal(),
            user_id=data["user_id"],
            role_key=data["role"],
            branch_id=data["branch_id"],
        )
        session.commit()
        return assignment


@blp.route("/role-assignments/<uuid:assignment_id>")
class AssignmentView(MethodView):
    @require("role_assignment:read")
    @blp.response(200, AssignmentSchema)
    def get(self, assignment_id: uuid.UUID) -> RoleAssignment:
        assignment = roles.get_assignment(get_session(), assignment_id)
        authorize("role_assignment:read", assignment.branch_id)
        return assignment

    @require("role_assignment:delete")
    @blp.response(204)
    def delete(self, assignment_id: uuid.UUID) -> None:
        session = get_session()
        assignment = roles.get_assignment(session, assignment_id)
        roles.unassign_role(session, current_principal(), assignment)
        session.commit()
