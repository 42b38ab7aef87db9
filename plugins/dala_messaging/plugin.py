"""Messaging's hook implementations: its manifest.

Notifications, reminders, templates and two-way SMS arrive with the messaging
issue; until then the module declares what it is.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from dala.modules.hookspecs import hookimpl
from dala.modules.manifest import Layer, Level, Manifest, Meter, ModulePermission, Setting


@hookimpl
def dala_manifest() -> Manifest:
    return Manifest(
        name="dala_messaging",
        label=_l("Customer messaging"),
        description=_l(
            'SMS and e-mail to customers: appointment reminders, "on my way" when the '
            "technician sets off, and replies from customers in one conversation."
        ),
        version="0.1.0",
        core_api=(1,),
        # Everything it sends follows core's jobs: reminders from the planned start, "on my
        # way" from the en_route status. Where tracking is on, the message also carries the
        # arrival time, but reminders and conversations must not require locating staff.
        depends=(),
        # Company-wide sender and templates, switched off or on per branch.
        level=Level.BOTH,
        # Messages go to real customers in the company's name and are paid per message:
        # a company turns this on once its sender name and templates are right.
        layer=Layer.OPTIONAL,
        permissions=(
            ModulePermission("message", "read", _l("Read conversations with customers")),
            ModulePermission("message", "send", _l("Send messages to customers")),
            ModulePermission("message", "template", _l("Edit message templates")),
        ),
        settings=(
            Setting(
                "sender_name",
                "string",
                "",
                _l("Sender name"),
                help=_l("Shown to customers as the sender; empty uses the company's name."),
            ),
            Setting(
                "send_on_my_way",
                "boolean",
                True,
                _l("Tell the customer when the technician sets off"),
            ),
            Setting(
                "reminder_hours_before",
                "integer",
                24,
                _l("Remind customers before the visit (hours)"),
                help=_l("0 sends no reminder."),
                minimum=0,
                maximum=168,
            ),
        ),
        meters=(
            Meter("sms_sent", _l("SMS sent"), "message"),
            Meter("emails_sent", _l("E-mails sent"), "message"),
        ),
    )
