"""Tracking's hook implementations: its manifest.

Live positions from the technician app, arrival times and the live map layer
arrive with the tracking issue; until then the module declares what it is.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from dala.modules.hookspecs import hookimpl
from dala.modules.manifest import Layer, Level, Manifest, Meter, ModulePermission, Setting


@hookimpl
def dala_manifest() -> Manifest:
    return Manifest(
        name="dala_tracking",
        label=_l("Live tracking"),
        description=_l(
            "Technicians' live positions on the dispatch map, arrival times for their next "
            "jobs and a warning when someone is running late."
        ),
        version="0.1.0",
        core_api=(1,),
        # A position alone is a dot on a map; what dispatchers and customers ask for is
        # "when will they be there" and "who is running late". Both are measured against
        # scheduling's plan: the next stop on the technician's planned route, the drive
        # time from scheduling's travel model (travel_speed_kmh), the live layer on its
        # dispatch map, and lateness handed to its replanning (replan_policy).
        depends=("dala_scheduling",),
        # Per branch, like the plan it follows (and consent to tracking may differ by site).
        level=Level.BRANCH,
        # Locating employees needs their consent and a company's deliberate choice: off
        # until an administrator turns it on.
        layer=Layer.OPTIONAL,
        permissions=(
            ModulePermission(
                "tracking", "view", _l("See technicians' live positions and arrival times")
            ),
            ModulePermission("tracking", "history", _l("See the routes technicians drove")),
        ),
        settings=(
            Setting(
                "ping_interval_seconds",
                "integer",
                60,
                _l("Position update interval (seconds)"),
                help=_l("How often the technician app sends its position while on duty."),
                minimum=10,
                maximum=600,
            ),
            Setting(
                "share_eta_with_customer",
                "boolean",
                True,
                _l("Share the arrival time with the customer"),
                help=_l("The customer sees the expected arrival time, never the position."),
            ),
            Setting(
                "keep_positions_days",
                "integer",
                30,
                _l("Keep driven routes for (days)"),
                help=_l("Older positions are deleted."),
                minimum=1,
                maximum=365,
            ),
        ),
        meters=(
            Meter("tracked_technician_days", _l("Technicians tracked per day"), "technician-day"),
        ),
    )
