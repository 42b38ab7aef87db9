"""/api/v1/users: the company's people; inviting sends an e-mail."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import func, or_, select

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Email, Locale, Text
from dala.api.pagination import PageArgs, page_of, paginate
from dala.api.schemas import UserSchema
from dala.auth.guard import (
    authorize,
    current_principal,
    require,
)
from dala.auth.models import RoleAssignment, User, UserStatus
from dala.auth.reset import send_invitation
from dala.auth.roles import assign_role, visible_assignments
from dala.auth.users import deactivate_user, get_user, invite_user, update_user
from dala.db import get_session

blp = Blueprint("users", __name__, url_prefix="/users", description="Users")


class InitialRoleArgs(ma.Schema):
    role = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    branch_id = ma.fields.UUID(
        load_default=None,
        allow_none=True,
        metadata={"description": "Null for a tenant-wide role"},
    )


class UserInviteArgs(ma.Schema):
    email = Email(required=True)
    name = Text(120, required=True)
    locale = Locale(allow_none=True, load_default=None)
    roles = ma.fields.List(
        ma.fields.Nested(InitialRoleArgs), load_default=list, validate=ma.validate.Length(max=50)
    )


class UserUpdateArgs(ma.Schema):
    name = Text(120)
    locale = Locale(allow_none=True)


class UserListArgs(PageArgs):
    q = ma.fields.String(
        validate=ma.validate.Length(min=1, max=254),
        metadata={"description": "Part of the name or e-mail"},
    )
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in UserStatus]))
    role = ma.fields.String(validate=ma.validate.Length(min=1, max=40))
    branch_id = ma.fields.UUID(metadata={"description": "Users holding a role in this branch"})


@blp.route("")
class UsersView(MethodView):
    @require("user:read")
    @blp.arguments(UserListArgs, location="query")
    @blp.response(200, page_of(UserSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The company's users, filtered by text, status, role or branch."""
        query = select(User).order_by(User.name, User.id)
        if "q" in args:
            needle = args["q"].lower()
            query = query.where(
                or_(
                    func.lower(User.name).contains(needle, autoescape=True),
                    User.email.contains(needle, autoescape=True),
                )
            )
        if "status" in args:
            query = query.where(User.status == args["status"])
        if "role" in args or "branch_id" in args:
            holders = visible_assignments(
                role=args.get("role"), branch_id=args.get("branch_id")
            ).with_only_columns(RoleAssignment.user_id)
            query = query.where(User.id.in_(holders))
        return paginate(get_session(), query, args)

    @require("user:invite")
    @blp.arguments(UserInviteArgs)
    @blp.response(201, UserSchema)
    @blp.alt_response(404, description="No such branch in roles")
    def post(self, data: dict[str, Any]) -> Any:
        """Invite a person by e-mail, optionally with roles; they choose their password."""
        principal = current_principal()
        session = get_session()
        user = invite_user(session, email=data["email"], name=data["name"], locale=data["locale"])
        for grant in data["roles"]:
            assign_role(
                session,
                principal,
                user_id=user.id,
                role_key=grant["role"],
                branch_id=grant["branch_id"],
            )
        send_invitation(session, user, principal.tenant, principal.user)
        session.commit()
        return user, 201, etag_headers(user)


@blp.route("/<uuid:user_id>")
class UserView(MethodView):
    @require("user:read")
    @blp.response(200, UserSchema)
    def get(self, user_id: uuid.UUID) -> Any:
        user = get_user(get_session(), user_id)
        return user, 200, etag_headers(user)

    @require("user:update")
    @blp.arguments(UserUpdateArgs)
    @blp.response(200, UserSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], user_id: uuid.UUID) -> Any:
        """Change a user's name or language."""
        session = get_session()
        user = get_user(session, user_id)
        authorize("user:update")
        check_if_match(user)
        update_user(session, user, data)
        session.commit()
        return user, 200, etag_headers(user)

    @require("user:deactivate")
    @blp.response(204)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, user_id: uuid.UUID) -> None:
        """Deactivate: sign out everywhere, revoke tokens; the history stays."""
        session = get_session()
        user = get_user(session, user_id)
        principal = authorize("user:deactivate")
        check_if_match(user)
        deactivate_user(session, principal, user)
        session.commit()
