"""/api/v1/users: the company's people; inviting sends an e-mail."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Email, Locale, Text
from dala.api.pagination import PageArgs, page_of, paginate
from dala.api.schemas import UserSchema
from dala.auth.directory import get_visible_user, users_query
from dala.auth.guard import (
    authorize,
    current_principal,
    require,
)
from dala.auth.invitations import Grant, invitation_state, invite, resend_invitation
from dala.auth.models import UserStatus
from dala.auth.users import deactivate_user, get_user, update_user
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
        """The company's users, filtered by text, status, role or branch.

        With ``user:read`` in some branches only, the people holding a role there.
        """
        query = users_query(
            q=args.get("q"),
            status=args.get("status"),
            role=args.get("role"),
            branch_id=args.get("branch_id"),
        )
        return paginate(get_session(), query, args)

    @require("user:invite")
    @blp.arguments(UserInviteArgs)
    @blp.response(201, UserSchema)
    @blp.alt_response(404, description="No such branch in roles")
    def post(self, data: dict[str, Any]) -> Any:
        """Invite a person by e-mail, optionally with roles; they choose their password."""
        session = get_session()
        user = invite(
            session,
            current_principal(),
            email=data["email"],
            name=data["name"],
            locale=data["locale"],
            grants=[Grant(g["role"], g["branch_id"]) for g in data["roles"]],
        )
        session.commit()
        return user, 201, etag_headers(user)


@blp.route("/<uuid:user_id>")
class UserView(MethodView):
    @require("user:read")
    @blp.response(200, UserSchema)
    def get(self, user_id: uuid.UUID) -> Any:
        """A user; with ``user:read`` in some branches only, one holding a role there."""
        user = get_visible_user(get_session(), user_id)
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


class InvitationSchema(ma.Schema):
    sent_at = ma.fields.DateTime(
        dump_only=True, allow_none=True, metadata={"description": "Null: never invited"}
    )
    expires_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    pending = ma.fields.Boolean(
        dump_only=True, metadata={"description": "Not accepted yet, and the link still works"}
    )


@blp.route("/<uuid:user_id>/invitation")
class InvitationView(MethodView):
    @require("user:read")
    @blp.response(200, InvitationSchema)
    def get(self, user_id: uuid.UUID) -> Any:
        """The user's newest invitation: when it was sent and until when its link works."""
        session = get_session()
        return invitation_state(session, get_visible_user(session, user_id))

    @require("user:invite")
    @blp.response(200, InvitationSchema)
    @blp.alt_response(409, description="The user accepted already or is deactivated")
    def post(self, user_id: uuid.UUID) -> Any:
        """Send an invited user a new link (the earlier one stops working)."""
        session = get_session()
        user = get_user(session, user_id)
        resend_invitation(session, user)
        session.flush()
        state = invitation_state(session, user)
        session.commit()
        return state
