"""Acme Warranty Tracker's hook implementations: what Dala loads through the entry point.

Each function marked ``@hookimpl`` implements the ``dala_*`` hook of the same
name (see Dala's ``docs/plugins.md``). Dala calls them only for branches where
the module is switched on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from acme_warranty import services
from dala.db import get_session
from dala.events.domain import JobStatusChanged
from dala.modules.hookspecs import hookimpl
from dala.modules.manifest import Layer, Level, Manifest, Meter, ModulePermission, Setting
from dala.web.shell import NavItem

if TYPE_CHECKING:
    from flask import Blueprint
    from flask_smorest import Blueprint as ApiBlueprint

MANIFEST = Manifest(
    name="acme_warranty",
    label=_l("Warranty tracker"),
    description=_l("Registers a warranty for every completed job and lists them per branch."),
    version="0.1.0",
    core_api=(1,),
    level=Level.BRANCH,
    layer=Layer.OPTIONAL,
    permissions=(
        ModulePermission("warranty", "read", _l("View warranty registrations")),
        ModulePermission("warranty", "manage", _l("Manage warranty registrations")),
    ),
    settings=(
        Setting(
            "warranty_months",
            "integer",
            12,
            _l("Warranty term (months)"),
            help=_l("For jobs completed from now on; registered warranties keep their term."),
            minimum=1,
            maximum=120,
        ),
    ),
    meters=(Meter("registrations", _l("Warranty registrations"), "registration"),),
    # This plug-in's own Alembic branch (label "acme_warranty"), run by `dala db upgrade`.
    migrations=Path(__file__).parent / "migrations" / "versions",
    # Its own message catalogues (translation domain "acme_warranty"), see README.md.
    translations=Path(__file__).parent / "translations",
    vendor="Acme",
)


@hookimpl
def dala_manifest() -> Manifest:
    return MANIFEST


@hookimpl
def dala_api_blueprints() -> list[ApiBlueprint]:
    from acme_warranty.api import blp

    return [blp]


@hookimpl
def dala_blueprints() -> list[Blueprint]:
    from acme_warranty.views import bp

    return [bp]


@hookimpl
def dala_nav_items() -> list[NavItem]:
    return [NavItem(_l("Warranties"), icon="bi-shield-check", endpoint="acme_warranty.index")]


@hookimpl
def dala_job_completed(event: JobStatusChanged) -> None:
    # Dala calls this after the job's change committed, in an app context scoped to the
    # event's company: this session is fresh and sees the completed job.
    session = get_session()
    months = services.warranty_months(session, MANIFEST, event.branch_id)
    if services.register_completed_job(session, event, months) is not None:
        session.commit()
