"""/api/v1/modules: the installed modules, and which are on for the company or a branch."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_babel import gettext as _

from dala.api.blueprint import Blueprint
from dala.api.pagination import PageArgs, page_of, paginate_items
from dala.auth.guard import current_principal, require
from dala.db import get_session
from dala.errors import NotFound
from dala.modules import enablement
from dala.modules.access import authorize_scope
from dala.modules.host import hooks

blp = Blueprint("modules", __name__, url_prefix="/modules", description="Modules (plug-ins)")


class SettingSchema(ma.Schema):
    key = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": ["string", "integer", "boolean", "choice"]})
    default = ma.fields.Raw()
    label = ma.fields.Function(lambda s: str(s.label))
    help = ma.fields.Function(lambda s: str(s.help))
    choices = ma.fields.List(ma.fields.String())
    choice_labels = ma.fields.Function(
        lambda s: dict(s.labelled_choices()),
        metadata={"description": "Each of `choices` as people read it (the value if unnamed)"},
    )
    minimum = ma.fields.Integer(allow_none=True)
    maximum = ma.fields.Integer(allow_none=True)


class ModuleSchema(ma.Schema):
    name = ma.fields.Function(lambda r: r.manifest.name)
    label = ma.fields.Function(lambda r: str(r.manifest.label))
    description = ma.fields.Function(lambda r: str(r.manifest.description))
    version = ma.fields.Function(lambda r: r.manifest.version)
    vendor = ma.fields.Function(lambda r: r.manifest.vendor)
    level = ma.fields.Function(
        lambda r: r.manifest.level.value, metadata={"enum": ["tenant", "branch", "both"]}
    )
    layer = ma.fields.Function(
        lambda r: r.manifest.layer.value, metadata={"enum": ["essential", "default", "optional"]}
    )
    depends = ma.fields.Function(lambda r: list(r.manifest.depends))
    permissions = ma.fields.Function(
        lambda r: [
            {"key": f"{p.resource}:{p.action}", "label": str(p.label)}
            for p in r.manifest.permissions
        ]
    )
    meters = ma.fields.Function(
        lambda r: [{"key": m.key, "label": str(m.label), "unit": m.unit} for m in r.manifest.meters]
    )
    settings_schema = ma.fields.Function(
        lambda r: SettingSchema(many=True).dump(r.manifest.settings)
    )
    enabled = ma.fields.Boolean()
    source = ma.fields.String(
        metadata={
            "enum": ["branch", "company", "default"],
            "description": "Where `enabled` comes from",
        }
    )
    settings = ma.fields.Dict(
        metadata={"description": "Resolved: branch, then company, then default"}
    )
    settings_sources = ma.fields.Function(
        lambda r: r.setting_sources,
        metadata={"description": "Where each of `settings` comes from: branch, company, default"},
    )


class ScopeArgs(ma.Schema):
    branch_id = ma.fields.UUID(
        metadata={"description": "The branch to show; without it, the company-wide state"}
    )


class ModuleListArgs(PageArgs, ScopeArgs):
    pass


class ModuleUpdateArgs(ma.Schema):
    branch_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "A branch, or null for the whole company"}
    )
    enabled = ma.fields.Boolean(
        allow_none=True,
        metadata={"description": "null: as the wider scope says (company, else the default)"},
    )
    settings = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=63)),
        metadata={"description": "A value of null is no longer set here: the wider scope's holds"},
    )


@blp.route("")
class ModulesView(MethodView):
    @require("module:read")
    @blp.arguments(ModuleListArgs, location="query")
    @blp.response(200, page_of(ModuleSchema))
    @blp.alt_response(404, description="The branch is not one of the company's")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every installed module with its manifest and its state at the scope asked for."""
        branch_id = args.get("branch_id")
        authorize_scope("module:read", branch_id)
        states = enablement.resolve_all(get_session(), hooks(current_app).manifests, branch_id)
        return paginate_items([states[n] for n in sorted(states)], args)


@blp.route("/<string:name>")
class ModuleView(MethodView):
    @require("module:read")
    @blp.arguments(ScopeArgs, location="query")
    @blp.response(200, ModuleSchema)
    def get(self, args: dict[str, Any], name: str) -> Any:
        branch_id = args.get("branch_id")
        authorize_scope("module:read", branch_id)
        states = enablement.resolve_all(get_session(), hooks(current_app).manifests, branch_id)
        if name not in states:
            raise NotFound(_("Module not found."))
        return states[name]

    @require("module:manage")
    @blp.arguments(ModuleUpdateArgs)
    @blp.response(200, ModuleSchema)
    @blp.alt_response(409, description="A dependency is off, or a module on needs this one")
    def patch(self, data: dict[str, Any], name: str) -> Any:
        """Switch a module on or off, or change its settings, for the company or a branch."""
        branch_id = data.get("branch_id")
        authorize_scope("module:manage", branch_id)
        session = get_session()
        state = enablement.set_state(
            session,
            hooks(current_app).manifests,
            name,
            branch_id=branch_id,
            enabled=data.get("enabled"),
            settings=data.get("settings"),
            user_id=current_principal().user.id,
            inherit_enabled="enabled" in data and data["enabled"] is None,
        )
        session.commit()
        return state
