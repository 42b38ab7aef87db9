"""Scheduling's hook implementations: its manifest.

The dispatch board, calendar, map and route optimisation arrive with the
scheduling issue; until then the module declares what it is, so enablement,
dependency checks, settings forms and the role editor work with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from dala.events.domain import JobCreated, JobEvent, JobUpdated
from dala.modules.hookspecs import hookimpl
from dala.modules.manifest import Layer, Level, Manifest, Meter, ModulePermission, Setting

# The tables join the shared metadata when the plug-in loads, so Alembic's model check
# and the test database see them wherever the module is installed; the background
# tasks are defined at start-up, so a worker knows them by name.
from dala_scheduling import models, tasks  # noqa: F401

if TYPE_CHECKING:
    from flask import Blueprint
    from flask_smorest import Blueprint as ApiBlueprint

    from dala.web.shell import NavItem


@hookimpl
def dala_manifest() -> Manifest:
    return Manifest(
        name="dala_scheduling",
        label=_l("Scheduling"),
        description=_l(
            "Dispatch board, calendar and map of the branch's jobs, with route optimisation "
            "that proposes each technician's day."
        ),
        version="0.1.0",
        core_api=(1,),
        # Planning works on core's jobs, technicians and working hours alone.
        depends=(),
        # Each branch plans its own technicians; a branch may keep planning on paper.
        level=Level.BRANCH,
        # Planning is what a field-service company comes for: on from the first day.
        layer=Layer.DEFAULT,
        permissions=(
            # Dispatchers and branch admins plan; viewers (managers, reporting) look on.
            ModulePermission(
                "schedule",
                "view",
                _l("See the dispatch board, calendar and map"),
                roles=("branch_admin", "dispatcher", "viewer"),
            ),
            ModulePermission(
                "schedule",
                "plan",
                _l("Plan and move jobs on the dispatch board"),
                roles=("branch_admin", "dispatcher"),
            ),
            ModulePermission(
                "schedule",
                "optimise",
                _l("Run route optimisation and apply plans"),
                roles=("branch_admin", "dispatcher"),
            ),
        ),
        settings=(
            Setting(
                "travel_speed_kmh",
                "integer",
                30,
                _l("Average travel speed (km/h)"),
                help=_l("Used to estimate driving time between jobs; lower it for city traffic."),
                minimum=5,
                maximum=120,
            ),
            Setting(
                "replan_policy",
                "choice",
                "propose",
                _l("When the day changes"),
                help=_l(
                    "Propose a new plan for a dispatcher to accept, or apply it at once "
                    "(technicians are told of changed jobs)."
                ),
                choices=("propose", "apply"),
                choice_labels={
                    "propose": _l("Propose a new plan"),
                    "apply": _l("Apply the new plan at once"),
                },
            ),
            Setting(
                "day_start",
                "string",
                "08:00",
                _l("Dispatch board starts at"),
                help=_l("First hour shown on the board and the calendar (HH:MM, branch time)."),
            ),
        ),
        meters=(Meter("optimisation_runs", _l("Route optimisation runs"), "run"),),
        # Scheduling's own Alembic branch (label "dala_scheduling"), run by `dala db upgrade`.
        migrations=Path(__file__).parent / "migrations" / "versions",
    )


@hookimpl
def dala_blueprints() -> list[Blueprint]:
    from dala_scheduling.views import bp

    return [bp]


def _sees_schedule() -> bool:
    from dala.tenancy.context import current_branch_id
    from dala.web.shell import can

    return can("schedule:view", current_branch_id())


@hookimpl
def dala_nav_items() -> list[NavItem]:
    from dala.web.shell import NavItem

    # One entry; the board, calendar and map are tabs on each page.
    return [
        NavItem(
            _l("Dispatch"), "bi-kanban", endpoint="dala_scheduling.board", visible=_sees_schedule
        )
    ]


@hookimpl
def dala_api_blueprints() -> list[ApiBlueprint]:
    from dala_scheduling.api import blp
    from dala_scheduling.assign_api import blp as assign_blp
    from dala_scheduling.plans_api import blp as plans_blp

    return [blp, assign_blp, plans_blp]


@hookimpl
def dala_job_created(event: JobCreated) -> None:
    _replan_for_emergency(event)


@hookimpl
def dala_job_updated(event: JobUpdated) -> None:
    # A job already waiting that is now an emergency counts as one just arrived.
    if "priority" in event.changed and event.priority == "emergency":
        _replan_for_emergency(event)


def _replan_for_emergency(event: JobEvent) -> None:
    # An emergency for today that nobody has taken re-plans the day (in the background).
    # The system's own changes (an applied plan) never start another re-planning.
    if event.source == "system":
        return
    from dala.db import get_session, utcnow
    from dala.events.tasks import enqueue
    from dala_scheduling.models import PlanTrigger
    from dala_scheduling.replan import emergency_needs_replan

    now = utcnow()
    day = emergency_needs_replan(get_session(), event.job_id, now)
    if day is not None:
        enqueue(
            tasks.run_replan,
            str(event.branch_id),
            day.isoformat(),
            PlanTrigger.EMERGENCY.value,
            now.isoformat(),
        )
