"""The plug-in manager kept on the app, and the typed facade core calls hooks through.

Start-up (``init_plugins``): block what the operator blocked, load installed
plug-ins from the ``dala.plugins`` entry points (none in safe mode), register
extra ones, ``check_pending()``, read each plug-in's manifest. Then
(``mount_plugins``) every plug-in's blueprints and navigation entries are
added once; a request gate answers 404 where the module is off for the branch.
Per call, hooks of modules switched off in the branch concerned are left out
(``subset_hook_caller``, cached per set of left-out plug-ins).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any, cast

import pluggy
from flask import Flask, abort, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from dala.events.domain import (
    JobAssigned,
    JobCreated,
    JobEvent,
    JobScheduled,
    JobStatusChanged,
    JobUpdated,
)
from dala.modules import hookspecs
from dala.modules.discovery import ENTRY_POINT_GROUP
from dala.modules.manifest import CORE_API_VERSION, Manifest

log = logging.getLogger(__name__)


class Hooks:
    """Core's only way to call plug-ins: one typed method per kind of call."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        #: module name -> manifest, for every plug-in that declared one
        self.manifests: dict[str, Manifest] = {}
        #: pluggy plug-in name -> module name
        self.module_of_plugin: dict[str, str] = {}
        #: blueprint name -> module name (gated per request)
        self.blueprint_modules: dict[str, str] = {}
        #: the portal (page) blueprints among them: signed-out visitors go to sign in
        self.page_blueprints: set[str] = set()
        self._subsets: dict[tuple[str, frozenset[str]], Any] = {}

    # --- plug-ins and their modules ---------------------------------------------------------

    def read_manifests(self) -> None:
        for impl in self.pm.hook.dala_manifest.get_hookimpls():
            try:
                manifest = cast(Manifest, impl.function())
            except Exception:
                log.exception("plug-in %r: its manifest failed; not loaded", impl.plugin_name)
                self.pm.unregister(name=impl.plugin_name)
                continue
            if CORE_API_VERSION not in manifest.core_api:
                log.error(
                    "plug-in %r needs core API %s, this is %s; not loaded",
                    impl.plugin_name,
                    manifest.core_api,
                    CORE_API_VERSION,
                )
                self.pm.unregister(name=impl.plugin_name)
                continue
            if manifest.name in self.manifests:
                log.error(
                    "two plug-ins call themselves %r; the second is not loaded", manifest.name
                )
                self.pm.unregister(name=impl.plugin_name)
                continue
            self.manifests[manifest.name] = manifest
            self.module_of_plugin[impl.plugin_name] = manifest.name
        for manifest in self.manifests.values():
            for needed in manifest.depends:
                if needed not in self.manifests:
                    log.warning("module %r needs %r, which is not installed", manifest.name, needed)

    def per_plugin(self, hook: str) -> list[tuple[str | None, Any]]:
        """(module, result) of each implementation of a start-up hook, failures logged."""
        results = []
        for impl in reversed(getattr(self.pm.hook, hook).get_hookimpls()):
            try:
                value = impl.function()
            except Exception:
                log.exception("plug-in %r failed in %s", impl.plugin_name, hook)
                continue
            results.append((self.module_of_plugin.get(impl.plugin_name), value))
        return results

    def _caller(self, name: str, enabled: frozenset[str] | None) -> Any:
        """The hook without the plug-ins of modules that are off (all when ``enabled`` is None)."""
        off = frozenset(
            plugin
            for plugin, module in self.module_of_plugin.items()
            if enabled is not None and module not in enabled
        )
        key = (name, off)
        if key not in self._subsets:
            remove = [self.pm.get_plugin(p) for p in off]
            self._subsets[key] = self.pm.subset_hook_caller(name, remove_plugins=remove)
        return self._subsets[key]

    def _call_each(self, name: str, enabled: frozenset[str] | None, **kwargs: Any) -> None:
        # Each implementation on its own: one plug-in's failure must not stop the others.
        for impl in reversed(self._caller(name, enabled).get_hookimpls()):  # pluggy's order
            try:
                impl.function(**kwargs)
            except Exception:
                log.exception("plug-in %r failed in %s", impl.plugin_name, name)

    # --- job lifecycle ------------------------------------------------------------------------

    def job_event(self, event: JobEvent, enabled: frozenset[str] | None = None) -> None:
        """Deliver a domain event to the hook that carries its kind, for the modules on."""
        if isinstance(event, JobCreated):
            self._call_each("dala_job_created", enabled, event=event)
        elif isinstance(event, JobScheduled):
            self._call_each("dala_job_scheduled", enabled, event=event)
        elif isinstance(event, JobAssigned):
            self._call_each("dala_job_assigned", enabled, event=event)
        elif isinstance(event, JobUpdated):
            self._call_each("dala_job_updated", enabled, event=event)
        elif isinstance(event, JobStatusChanged):
            self._call_each("dala_job_status_changed", enabled, event=event)
            if event.to_status == "completed":
                self._call_each("dala_job_completed", enabled, event=event)

    def enabled_in(self, branch_id: uuid.UUID | None) -> frozenset[str]:
        """The modules on in ``branch_id`` for the current company (cached per request)."""
        from dala.db import get_session
        from dala.modules.enablement import enabled_modules

        return enabled_modules(get_session(), self.manifests, branch_id)


def init_plugins(app: Flask, extra: Iterable[object] = ()) -> Hooks:
    """Build the manager: hookspecs, installed plug-ins (entry points), then ``extra``."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in app.config["PLUGINS_BLOCKED"]:
        pm.set_blocked(name)
    if app.config["SAFE_MODE"]:
        log.warning("safe mode: no installed plug-in is loaded")
    else:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in [*extra, *app.config.get("PLUGINS", ())]:
        pm.register(plugin)
    # A misspelt hook name fails at start-up, not silently at run time.
    pm.check_pending()
    if app.config["PLUGIN_TRACE"]:
        pm.trace.root.setwriter(lambda message: log.info("hook: %s", message.rstrip()))
        pm.enable_tracing()
    facade = Hooks(pm)
    facade.read_manifests()
    app.extensions["dala.plugins"] = facade
    return facade


def mount_plugins(app: Flask) -> None:
    """Register every plug-in's blueprints and navigation entries, and the per-branch gate."""
    from dala.api import api_of
    from dala.extensions import csrf, login_manager
    from dala.tenancy import context
    from dala.web.shell import NavItem, add_nav_item

    facade = hooks(app)
    for module, blueprints in facade.per_plugin("dala_api_blueprints"):
        for blp in blueprints or ():
            csrf.exempt(blp)
            prefix = "/api/v1" + (blp.url_prefix or "")
            if module:
                app.extensions["dala.api.errors"].module_prefixes.add(prefix)
            api_of(app).register_blueprint(blp, url_prefix=prefix)
            if module:
                facade.blueprint_modules[blp.name] = module
    for module, blueprints in facade.per_plugin("dala_blueprints"):
        for bp in blueprints or ():
            app.register_blueprint(bp)
            if module:
                facade.blueprint_modules[bp.name] = module
                facade.page_blueprints.add(bp.name)
    for module, items in facade.per_plugin("dala_nav_items"):
        for item in items or ():
            add_nav_item(app, _gated(item, module, facade, context.current_branch_id, NavItem))

    @app.before_request
    def _module_gate() -> ResponseReturnValue | None:
        blueprint = request.blueprint or ""
        module = facade.blueprint_modules.get(blueprint)
        if module is None:
            return None
        if context.current() is None and not current_user.is_authenticated:  # loads the company
            if blueprint in facade.page_blueprints:
                return login_manager.unauthorized()
            abort(404)
        # A module's pages and endpoints exist only where it is on.
        if context.current() is None or module not in facade.enabled_in(
            context.current_branch_id()
        ):
            abort(404)
        return None


def _gated(item: Any, module: str | None, facade: Hooks, branch: Any, cls: Any) -> Any:
    """The nav item, shown only where its module is on (and its own check passes)."""
    if module is None:
        return item
    own = item.visible

    def visible() -> bool:
        from dala.tenancy import context

        if not context.current() is not None or module not in facade.enabled_in(branch()):
            return False
        return own() if own else True

    return cls(
        label=item.label, icon=item.icon, endpoint=item.endpoint, href=item.href, visible=visible
    )


def module_page_open(path: str, branch_id: uuid.UUID) -> bool:
    """Whether the page at ``path`` is there in ``branch_id``: False only for a module's
    page where the module is off (e.g. to leave it when switching branches)."""
    from flask import current_app
    from werkzeug.exceptions import HTTPException

    try:
        endpoint, _args = current_app.url_map.bind("").match(path.split("?", 1)[0])
    except HTTPException:
        return True  # not a page of a module; the address answers for itself
    facade = hooks(current_app)
    module = facade.blueprint_modules.get(str(endpoint).rsplit(".", 1)[0])
    return module is None or module in facade.enabled_in(branch_id)


def hooks(app: Flask) -> Hooks:
    facade: Hooks = app.extensions["dala.plugins"]
    return facade
