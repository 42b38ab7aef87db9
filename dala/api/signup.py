"""POST /api/v1/signup: a company starts its free trial."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.fields import Currency, Email, Locale, Password, Text, Timezone
from dala.api.schemas import BranchSchema, TenantSchema, UserSchema
from dala.db import get_session
from dala.extensions import config_limit, limiter
from dala.tenancy.services import signup

blp = Blueprint("signup", __name__, description="Company sign-up (starts a 14-day trial)")


class SignupArgs(ma.Schema):
    company_name = Text(200, required=True)
    email = Email(required=True)
    password = Password(required=True, load_only=True)
    branch_name = Text(120, required=True)
    timezone = Timezone(required=True)
    owner_name = Text(120)
    slug = ma.fields.String(validate=ma.validate.Length(min=1, max=63))
    currency = Currency()
    locale = Locale()


class SignupResultSchema(ma.Schema):
    tenant = ma.fields.Nested(TenantSchema, required=True)
    branch = ma.fields.Nested(BranchSchema, required=True)
    user = ma.fields.Nested(UserSchema, required=True)


@blp.route("/signup")
class SignupView(MethodView):
    public = True
    decorators = [limiter.limit(config_limit("SIGNUP_RATE_LIMIT"))]

    @blp.arguments(SignupArgs)
    @blp.response(201, SignupResultSchema)
    @blp.alt_response(409, description="The company address is taken")
    @blp.doc(security=[])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a company (tenant) in trial, its first branch and its owner."""
        session = get_session()
        result = signup(session, **data)
        session.commit()
        return {"tenant": result.tenant, "branch": result.branch, "user": result.owner}
