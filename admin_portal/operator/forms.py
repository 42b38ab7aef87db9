"""The console's forms: sign-in, the company list's filter, a status change with its reason."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from dala.tenancy.models import TenantStatus
from dala.web.forms import email_field, sign_in_password_field, storable, strip
from dala.web.services import STATUS_LABELS


class OperatorLoginForm(FlaskForm):
    # Named as the company sign-in's fields, so the sign-in rate limits count it alike.
    email = email_field(check_syntax=False)
    password = sign_in_password_field()


class TenantFilterForm(FlaskForm):
    """The company list's search (read from the query string: no CSRF token for a GET)."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        validators=[
            Optional(),
            storable,
            Length(max=100, message=_l("At most 100 characters.")),
        ],
        filters=[strip],
        description=_l("Part of the company's name or company ID."),
    )
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [("", str(_l("Any status")))] + [
            (s.value, str(STATUS_LABELS[s])) for s in TenantStatus
        ]

    def chosen_status(self) -> TenantStatus | None:
        return TenantStatus(self.status.data) if self.status.data else None


class StatusChangeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            InputRequired(message=_l("Say why: it is kept with the change.")),
            storable,
            Length(min=3, max=500, message=_l("Use 3 to 500 characters.")),
        ],
        filters=[strip],
        description=_l("Kept with the change in the company's status history."),
    )
    version = HiddenField()
