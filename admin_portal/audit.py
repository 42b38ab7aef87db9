"""The audit log: who changed what in the company's administration, and when.

Listed with ``dala.audit.queries.events_query``, as ``GET /api/v1/audit-events``
lists it, and under the same rule: the log spans every branch, so reading it
needs ``audit:read`` company-wide. Days are the branch's days (its time zone).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from admin_portal import audit_entries
from admin_portal.blueprint import bp
from dala.audit.queries import ACTIONS, TARGET_TYPES, actors, events_query
from dala.auth.guard import authorize, current_principal, require
from dala.db import get_session
from dala.modules.host import hooks
from dala.web.branch import portal_branch
from dala.web.pages import PAGE_SIZE, paged

#: ``who`` for the changes no user made: the system, or Dala's staff.
NOBODY = "system"
#: Days a filter accepts (as the API's ``Instant``): far-off years are typos.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _sensible_year(_form: FlaskForm, field: DateField) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(str(_l("Use a date between the years 2000 and 2100.")))


class AuditFilterForm(FlaskForm):
    """The list's filters, read from the address (a GET form: nothing to protect)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("What"), default="")
    action = SelectField(_l("Action"), default="")
    who = SelectField(_l("Who"), default="")
    date_from = DateField(_l("From"), validators=[Optional(), _sensible_year])
    date_to = DateField(_l("To"), validators=[Optional(), _sensible_year])

    def __init__(self, *args: Any, people: list[tuple[uuid.UUID, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(user_id): user_id for user_id, _name in people}
        self.kind.choices = [("", _l("Everything"))] + [
            (k, audit_entries.KIND_LABELS[k]) for k in TARGET_TYPES
        ]
        self.action.choices = [("", _l("Any action"))] + [
            (a, audit_entries.ACTION_LABELS[a]) for a in ACTIONS
        ]
        self.who.choices = [
            ("", _l("Anyone")),
            (NOBODY, _l("System or Dala staff")),
            *[(str(user_id), name) for user_id, name in people],
        ]

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(str(_l("The end is before the start.")))

    def filters(self, timezone: str) -> dict[str, Any]:
        """``events_query``'s filters; the days run from midnight to midnight in ``timezone``."""
        found: dict[str, Any] = {}
        if self.kind.data:
            found["target_type"] = self.kind.data
        if self.action.data:
            found["action"] = self.action.data
        if self.who.data == NOBODY:
            found["by_nobody"] = True
        elif self.who.data:
            found["user_id"] = self.people[self.who.data]  # one of the choices: validated
        zone = ZoneInfo(timezone)
        if self.date_from.data:
            found["since"] = _midnight(self.date_from.data, zone)
        if self.date_to.data:
            found["until"] = _midnight(self.date_to.data + timedelta(days=1), zone)
        return found

    def address_args(self) -> dict[str, str]:
        """The filters as they go into the list's page links."""
        values = {
            "kind": self.kind.data,
            "action": self.action.data,
            "who": self.who.data,
            "date_from": self.date_from.data.isoformat() if self.date_from.data else "",
            "date_to": self.date_to.data.isoformat() if self.date_to.data else "",
        }
        return {k: v for k, v in values.items() if v}


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


@bp.route("/audit")
@require("audit:read")
def audit() -> ResponseReturnValue:
    """The company's log, newest first, with filters; each entry opens to its changes."""
    authorize("audit:read")  # company-wide: the log spans every branch
    db = get_session()
    form = AuditFilterForm(formdata=request.args or None, people=actors(db))
    branch = portal_branch()
    timezone = branch.timezone if branch is not None else "UTC"
    invalid = bool(request.args) and not form.validate()
    if invalid:
        listing: dict[str, Any] = {"items": [], "page": 1, "page_size": PAGE_SIZE, "total": 0}
    else:
        listing = paged(events_query(form.filters(timezone)))
    shown = audit_entries.entries(
        db,
        listing["items"],
        manifests=hooks(current_app).manifests,
        company=current_principal().tenant.name,
        timezone=timezone,
    )
    kept = {} if invalid else form.address_args()
    return (
        render_template(
            "admin/audit.html",
            form=form,
            listing=listing,
            entries=shown,
            timezone=timezone,
            filtered=invalid or bool(kept),
            invalid=invalid,
            page_args=kept,
        ),
        422 if invalid else 200,
    )
