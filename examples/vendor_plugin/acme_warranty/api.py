"""/api/v1/acme-warranty: the plug-in's REST endpoints (Dala mounts them under /api/v1)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from acme_warranty import services
from acme_warranty.models import Registration
from dala.api.blueprint import Blueprint
from dala.api.pagination import PageArgs, page_of, paginate
from dala.auth.guard import in_permitted_branches, require
from dala.db import get_session
from dala.tenancy import context

blp = Blueprint(
    "acme_warranty_api",
    __name__,
    url_prefix="/acme-warranty",
    description="Acme Warranty Tracker: warranties of completed jobs",
)


class WarrantyRegistrationSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    job_id = ma.fields.UUID(dump_only=True)
    branch_id = ma.fields.UUID(dump_only=True)
    job_number = ma.fields.Integer(dump_only=True)
    completed_on = ma.fields.Date(dump_only=True)
    valid_until = ma.fields.Date(dump_only=True)
    months = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


@blp.route("/registrations")
class RegistrationsView(MethodView):
    @require("warranty:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(WarrantyRegistrationSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Warranties, newest completion first: of the selected branch, else of every
        branch where you may read them."""
        query = services.registrations_query(context.current_branch_id())
        query = in_permitted_branches(query, Registration.branch_id, "warranty:read")
        return paginate(get_session(), query, args)
