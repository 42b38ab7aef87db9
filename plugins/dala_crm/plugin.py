"""CRM's hook implementations: its manifest.

Leads, quotes and follow-ups arrive with the CRM issue; until then the module
declares what it is.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from dala.modules.hookspecs import hookimpl
from dala.modules.manifest import Layer, Level, Manifest, Meter, ModulePermission, Setting


@hookimpl
def dala_manifest() -> Manifest:
    return Manifest(
        name="dala_crm",
        label=_l("Sales pipeline"),
        description=_l(
            "Leads, quotes and follow-ups: win the work before it becomes a job, then turn "
            "an accepted quote into one."
        ),
        version="0.1.0",
        core_api=(1,),
        # Works on core's customers and creates core jobs; needs no other module.
        depends=(),
        # One pipeline for the company: a lead arrives before anyone knows which branch
        # will do the work.
        level=Level.TENANT,
        # Many companies sell by phone and need no pipeline: off until wanted.
        layer=Layer.OPTIONAL,
        permissions=(
            ModulePermission("lead", "read", _l("View leads")),
            ModulePermission("lead", "manage", _l("Add, edit and close leads")),
            ModulePermission("quote", "read", _l("View quotes")),
            ModulePermission("quote", "manage", _l("Write, send and convert quotes")),
        ),
        settings=(
            Setting(
                "quote_valid_days",
                "integer",
                30,
                _l("Quotes are valid for (days)"),
                minimum=1,
                maximum=365,
            ),
            Setting(
                "follow_up_after_days",
                "integer",
                7,
                _l("Follow up an unanswered quote after (days)"),
                minimum=1,
                maximum=90,
            ),
        ),
        meters=(Meter("quotes_created", _l("Quotes created"), "quote"),),
    )
