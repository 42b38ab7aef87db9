"""Reporting's hook implementations: its manifest.

Dashboards, job profitability and exports arrive with the reporting issue;
until then the module declares what it is.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from dala.modules.hookspecs import hookimpl
from dala.modules.manifest import Layer, Level, Manifest, Meter, ModulePermission, Setting


@hookimpl
def dala_manifest() -> Manifest:
    return Manifest(
        name="dala_reporting",
        label=_l("Reports"),
        description=_l(
            "Dashboards of the work done, first-time fix rate and job profitability, "
            "with exports for the accountant."
        ),
        version="0.1.0",
        core_api=(1,),
        # Reads core's jobs, technicians and their costs; other modules add their widgets
        # through hooks when they are on, but none is needed.
        depends=(),
        # Company-wide figures with per-branch views a branch may switch off.
        level=Level.BOTH,
        # Seeing how the business runs is part of the product from the first day.
        layer=Layer.DEFAULT,
        permissions=(
            ModulePermission("report", "view", _l("View dashboards and reports")),
            ModulePermission("report", "export", _l("Export reports")),
        ),
        settings=(
            Setting(
                "week_starts_on",
                "choice",
                "monday",
                _l("Weeks start on"),
                choices=("monday", "sunday"),
                choice_labels={"monday": _l("Monday"), "sunday": _l("Sunday")},
            ),
        ),
        meters=(Meter("exports", _l("Report exports"), "export"),),
    )
