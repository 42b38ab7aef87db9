"""Hook specifications: the contract between core and plug-ins.

Each docstring is the hook's reference documentation (``docs/plugins.md``
repeats it for plug-in authors). Job hooks are called after the change has
committed, with a frozen event (ids and plain values, no ORM objects), in an
app context of their own scoped to the event's company: ``get_session()`` there
is a fresh session that sees the committed change; commit what you write. A
hook implementation that raises is logged with the plug-in's name and skipped;
the change and the other plug-ins are unaffected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from dala.events.domain import (
    JobAssigned,
    JobCreated,
    JobScheduled,
    JobStatusChanged,
    JobUpdated,
)

if TYPE_CHECKING:
    from flask import Blueprint
    from flask_smorest import Blueprint as ApiBlueprint

    from dala.modules.manifest import Manifest
    from dala.web.shell import NavItem

PROJECT = "dala"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- what a plug-in is and brings (called once at start-up) ---------------------------------


@hookspec
def dala_manifest() -> Manifest:  # type: ignore[empty-body]
    """The plug-in's manifest: name, version, dependencies, level, permissions, settings,
    usage meters (see ``dala.modules.manifest``). Every plug-in implements it."""


@hookspec
def dala_api_blueprints() -> list[ApiBlueprint]:  # type: ignore[empty-body]
    """flask-smorest blueprints mounted under ``/api/v1``; answered with 404 for a branch
    where the module is off."""


@hookspec
def dala_blueprints() -> list[Blueprint]:  # type: ignore[empty-body]
    """Flask blueprints of portal pages; answered with 404 where the module is off."""


@hookspec
def dala_nav_items() -> list[NavItem]:  # type: ignore[empty-body]
    """Entries for the portal's main navigation, shown only where the module is on."""


# --- job lifecycle (called after commit, for modules on in the job's branch) ---------------


@hookspec
def dala_job_created(event: JobCreated) -> None:
    """A job was created (by a person, an import or the API)."""


@hookspec
def dala_job_scheduled(event: JobScheduled) -> None:
    """A job's planned start/end was set, moved or cleared."""


@hookspec
def dala_job_assigned(event: JobAssigned) -> None:
    """The technicians assigned to a job changed (added, removed or a new lead)."""


@hookspec
def dala_job_updated(event: JobUpdated) -> None:
    """A job's details changed (title, priority, duration, window, skills, site, branch);
    ``event.changed`` names the fields."""


@hookspec
def dala_job_status_changed(event: JobStatusChanged) -> None:
    """A job moved from one status to another through the lifecycle (every transition)."""


@hookspec
def dala_job_completed(event: JobStatusChanged) -> None:
    """A job reached ``completed``; called after :func:`dala_job_status_changed`."""
