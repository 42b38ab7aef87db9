"""/api/v1/tokens: a user's API tokens (admins may see and revoke everyone's)."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.fields import Text
from dala.api.pagination import PageArgs, page_of, paginate
from dala.auth.guard import current_principal, require
from dala.auth.models import ApiToken
from dala.auth.tokens import issue_token, revoke_token, visible_token, visible_tokens
from dala.db import get_session

blp = Blueprint("tokens", __name__, url_prefix="/tokens", description="API tokens")


class TokenSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    user_id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    hint = ma.fields.String(
        dump_only=True, metadata={"description": "The last characters of the token"}
    )
    created_at = ma.fields.DateTime(dump_only=True)
    expires_at = ma.fields.DateTime(dump_only=True)
    last_used_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    access_token = ma.fields.String(
        dump_only=True, metadata={"description": "Shown once; store it now."}
    )


class TokenCreateArgs(ma.Schema):
    name = Text(120, required=True)
    expires_at = ma.fields.AwareDateTime(
        metadata={"description": "Defaults to 30 days from now; at most 365"}
    )


class TokenListArgs(PageArgs):
    user_id = ma.fields.UUID(metadata={"description": "Another user's tokens (token:manage)"})
    active = ma.fields.Boolean(metadata={"description": "Only unrevoked, unexpired tokens"})


@blp.route("")
class TokensView(MethodView):
    @require("token:read")
    @blp.arguments(TokenListArgs, location="query")
    @blp.response(200, page_of(TokenSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Your tokens, newest first (or another user's, with token:manage)."""
        query = visible_tokens(
            current_principal(), user_id=args.get("user_id"), active=args.get("active")
        )
        return paginate(get_session(), query, args)

    @require("token:create")
    @blp.arguments(TokenCreateArgs)
    @blp.response(201, NewTokenSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a token for yourself; the response holds the secret, shown only once."""
        principal = current_principal()
        session = get_session()
        issued = issue_token(
            session, principal.user, name=data["name"], expires_at=data.get("expires_at")
        )
        session.commit()
        token = issued.token
        return {
            **{f: getattr(token, f) for f in TokenSchema._declared_fields},
            "access_token": issued.secret,
        }


@blp.route("/<uuid:token_id>")
class TokenView(MethodView):
    @require("token:read")
    @blp.response(200, TokenSchema)
    def get(self, token_id: uuid.UUID) -> ApiToken:
        return visible_token(get_session(), current_principal(), token_id)

    @require("token:revoke")
    @blp.response(204)
    def delete(self, token_id: uuid.UUID) -> None:
        """Revoke a token at once; requests with it get 401 from then on."""
        token = visible_token(get_session(), current_principal(), token_id)
        revoke_token(token)
        get_session().commit()
