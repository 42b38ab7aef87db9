"""The plug-in manager kept on the app, and the typed facade core calls hooks through."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import pluggy
from flask import Flask

from dala.events.domain import (
    JobAssigned,
    JobCreated,
    JobEvent,
    JobScheduled,
    JobStatusChanged,
)
from dala.modules import hookspecs

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "dala.plugins"


class Hooks:
    """Core's only way to call plug-ins: one typed method per kind of call."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    def _call_each(self, name: str, **kwargs: Any) -> None:
        # Each implementation on its own: one plug-in's failure must not stop the others.
        caller: pluggy.HookCaller = getattr(self.pm.hook, name)
        for impl in reversed(caller.get_hookimpls()):  # pluggy's call order
            try:
                impl.function(**kwargs)
            except Exception:
                log.exception("plug-in %r failed in %s", impl.plugin_name, name)

    def job_event(self, event: JobEvent) -> None:
        """Deliver a domain event to the hook that carries its kind."""
        if isinstance(event, JobCreated):
            self._call_each("dala_job_created", event=event)
        elif isinstance(event, JobScheduled):
            self._call_each("dala_job_scheduled", event=event)
        elif isinstance(event, JobAssigned):
            self._call_each("dala_job_assigned", event=event)
        elif isinstance(event, JobStatusChanged):
            self._call_each("dala_job_status_changed", event=event)
            if event.to_status == "completed":
                self._call_each("dala_job_completed", event=event)


def init_plugins(app: Flask, extra: Iterable[object] = ()) -> Hooks:
    """Build the manager: hookspecs, installed plug-ins (entry points), then ``extra``."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in [*extra, *app.config.get("PLUGINS", ())]:
        pm.register(plugin)
    # A misspelt hook name fails at start-up, not silently at run time.
    pm.check_pending()
    facade = Hooks(pm)
    app.extensions["dala.plugins"] = facade
    return facade


def hooks(app: Flask) -> Hooks:
    facade: Hooks = app.extensions["dala.plugins"]
    return facade
