"""Who am I, and the permission catalogue."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.pagination import PageArgs, page_of, paginate_items
from dala.api.schemas import TenantSchema, UserSchema
from dala.auth import policy
from dala.auth.catalogue import all_permissions
from dala.auth.guard import current_principal

blp = Blueprint("meta", __name__, description="The signed-in user and the permission catalogue")


class GrantSchema(ma.Schema):
    branch_id = ma.fields.UUID(allow_none=True, required=True)
    permissions = ma.fields.List(ma.fields.String(), required=True)


class MeSchema(ma.Schema):
    user = ma.fields.Nested(UserSchema, required=True)
    tenant = ma.fields.Nested(TenantSchema, required=True)
    grants = ma.fields.List(ma.fields.Nested(GrantSchema), required=True)


class PermissionSchema(ma.Schema):
    key = ma.fields.String(required=True)
    resource = ma.fields.String(required=True)
    action = ma.fields.String(required=True)
    label = ma.fields.String(required=True)


class PermissionListArgs(PageArgs):
    resource = ma.fields.String(validate=ma.validate.Length(min=1, max=40))


@blp.route("/me")
class MeView(MethodView):
    @blp.response(200, MeSchema)
    def get(self) -> dict[str, Any]:
        """The signed-in user, their company and what they may do in each branch."""
        principal = current_principal()
        domains = sorted(principal.authz.user_domains(principal.user.id))
        grants = [
            {
                "branch_id": policy.branch_of_domain(d),
                "permissions": sorted(principal.permissions_in(policy.branch_of_domain(d))),
            }
            for d in domains
        ]
        return {"user": principal.user, "tenant": principal.tenant, "grants": grants}


@blp.route("/permissions")
class PermissionsView(MethodView):
    @blp.arguments(PermissionListArgs, location="query")
    @blp.response(200, page_of(PermissionSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every permission a custom role can be built from (labels in your language)."""
        current_principal()
        items = [
            {"key": p.key, "resource": p.resource, "action": p.action, "label": str(p.label)}
            for p in all_permissions()
            if args.get("resource") in (None, p.resource)
        ]
        return paginate_items(items, args)
