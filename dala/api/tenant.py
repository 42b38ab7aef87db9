"""/api/v1/tenant: the signed-in user's company."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Text
from dala.api.schemas import TenantSchema
from dala.auth.guard import authorize, current_principal, require
from dala.db import get_session
from dala.tenancy.services import update_tenant

blp = Blueprint("tenant", __name__, url_prefix="/tenant", description="Your company")


class TenantUpdateArgs(ma.Schema):
    name = Text(200)


@blp.route("")
class TenantView(MethodView):
    @require("tenant:read")
    @blp.response(200, TenantSchema)
    def get(self) -> Any:
        """Your company: name, address (slug), status and trial end."""
        tenant = current_principal().tenant
        return tenant, 200, etag_headers(tenant)

    @require("tenant:update")
    @blp.arguments(TenantUpdateArgs)
    @blp.response(200, TenantSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any]) -> Any:
        """Rename your company (owners only)."""
        principal = authorize("tenant:update")
        session = get_session()
        tenant = principal.tenant
        check_if_match(tenant)
        update_tenant(session, tenant, data)
        session.commit()
        return tenant, 200, etag_headers(tenant)
