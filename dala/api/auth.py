"""Sign-in for the API (bearer tokens) and password reset by e-mail."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.fields import Email, Password
from dala.auth.reset import confirm_password, request_password_reset
from dala.auth.tokens import issue_token
from dala.auth.users import authenticate
from dala.db import get_session
from dala.extensions import config_limit, limiter, sign_in_limits

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Sign-in and password reset")


class TokenArgs(ma.Schema):
    tenant = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=63),
        metadata={"description": "The company's slug, as returned by sign-up."},
    )
    email = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=254))
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=128)
    )
    token_name = ma.fields.String(load_default="API", validate=ma.validate.Length(min=1, max=120))


class AccessTokenSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"enum": ["Bearer"]})
    expires_at = ma.fields.DateTime(required=True)


class ResetRequestArgs(ma.Schema):
    tenant = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=63))
    email = Email(required=True)


class ResetConfirmArgs(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    password = Password(required=True, load_only=True)


@blp.route("/token")
class TokenView(MethodView):
    public = True
    decorators = [sign_in_limits("LOGIN_RATE_LIMIT")]

    @blp.arguments(TokenArgs)
    @blp.response(200, AccessTokenSchema)
    @blp.alt_response(401, description="Wrong company, e-mail or password")
    @blp.alt_response(402, description="Right credentials, but the company is suspended")
    @blp.alt_response(403, description="Right credentials, but the company is cancelled")
    @blp.doc(security=[])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Exchange company slug, e-mail and password for a bearer token."""
        session = get_session()
        user = authenticate(session, data["tenant"], data["email"], data["password"])
        issued = issue_token(session, user, name=data["token_name"])
        session.commit()
        return {
            "access_token": issued.secret,
            "token_type": "Bearer",
            "expires_at": issued.token.expires_at,
        }


@blp.route("/password-reset")
class PasswordResetView(MethodView):
    public = True
    decorators = [sign_in_limits("RESET_RATE_LIMIT")]

    @blp.arguments(ResetRequestArgs)
    @blp.response(202)
    @blp.doc(security=[])
    def post(self, data: dict[str, Any]) -> None:
        """E-mail a single-use reset link; answers 202 whether or not the account exists."""
        session = get_session()
        request_password_reset(session, data["tenant"], data["email"])
        session.commit()


@blp.route("/password-reset/confirm")
class PasswordResetConfirmView(MethodView):
    public = True
    decorators = [limiter.limit(config_limit("RESET_RATE_LIMIT"))]

    @blp.arguments(ResetConfirmArgs)
    @blp.response(204)
    @blp.doc(security=[])
    def post(self, data: dict[str, Any]) -> None:
        """Set a new password with the token from a reset or invitation e-mail."""
        session = get_session()
        confirm_password(session, data["token"], data["password"])
        session.commit()
