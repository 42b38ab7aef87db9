"""Plug-ins for host tests: a branch-level module with an endpoint, a page, a menu entry
and a job hook, and a company-level module that depends on it."""

from __future__ import annotations

from typing import Any

import flask
import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.events.domain import JobEvent
from dala.modules.hookspecs import hookimpl
from dala.modules.manifest import Layer, Level, Manifest, Meter, ModulePermission, Setting
from dala.web.shell import NavItem


class PingSchema(ma.Schema):
    pong = ma.fields.String()
    greeting = ma.fields.String()


class Gadgets:
    """``test_gadgets``: optional, per branch."""

    def __init__(self) -> None:
        self.events: list[tuple[str, JobEvent]] = []
        self.api = Blueprint("test_gadgets_api", __name__, url_prefix="/test-gadgets")
        self.pages = flask.Blueprint("test_gadgets", __name__, url_prefix="/test-gadgets")
        plugin = self

        @self.api.route("/ping")
        class Ping(MethodView):
            @self.api.response(200, PingSchema)
            def get(self) -> dict[str, Any]:
                from flask import current_app

                from dala.db import get_session
                from dala.modules import enablement
                from dala.modules.host import hooks
                from dala.tenancy import context

                states = enablement.resolve_all(
                    get_session(), hooks(current_app).manifests, context.current_branch_id()
                )
                return {"pong": "ok", "greeting": states["test_gadgets"].settings["greeting"]}

        @self.pages.route("/")
        def index() -> str:
            return "gadgets page"

        del plugin

    @hookimpl
    def dala_manifest(self) -> Manifest:
        return Manifest(
            name="test_gadgets",
            label="Gadgets",
            version="1.0",
            level=Level.BOTH,
            layer=Layer.OPTIONAL,
            permissions=(ModulePermission("gadget", "use", "Use gadgets"),),
            settings=(
                Setting("greeting", "string", "hello", "Greeting"),
                Setting("count", "integer", 3, "Count", minimum=1, maximum=10),
                Setting("mode", "choice", "fast", "Mode", choices=("fast", "slow")),
            ),
            meters=(Meter("pings", "Pings", "ping"),),
        )

    @hookimpl
    def dala_api_blueprints(self) -> list[Any]:
        return [self.api]

    @hookimpl
    def dala_blueprints(self) -> list[flask.Blueprint]:
        return [self.pages]

    @hookimpl
    def dala_nav_items(self) -> list[NavItem]:
        return [NavItem(label="Gadgets", icon="bi-gear", endpoint="test_gadgets.index")]

    @hookimpl
    def dala_job_status_changed(self, event: JobEvent) -> None:
        self.events.append(("status_changed", event))


class Widgets:
    """``test_widgets``: company-wide, needs ``test_gadgets``."""

    @hookimpl
    def dala_manifest(self) -> Manifest:
        return Manifest(
            name="test_widgets",
            label="Widgets",
            version="1.0",
            level=Level.TENANT,
            layer=Layer.OPTIONAL,
            depends=("test_gadgets",),
        )


class Incompatible:
    @hookimpl
    def dala_manifest(self) -> Manifest:
        return Manifest(name="test_future", label="Future", version="9.0", core_api=(99,))
