"""The users section's forms: list filters, invitation, profile, roles and confirmations."""

from __future__ import annotations

import uuid
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from dala.auth.grantable import GrantOptions
from dala.auth.invitations import Grant
from dala.auth.models import UserStatus
from dala.auth.roles import RoleView
from dala.tenancy.regions import SUPPORTED_LOCALES
from dala.web.forms import storable, strip
from dala.web.shell import LANGUAGE_NAMES

#: How pages name a user's status.
STATUS_LABELS: dict[str, object] = {
    UserStatus.INVITED.value: _l("Invited"),
    UserStatus.ACTIVE.value: _l("Active"),
    UserStatus.DEACTIVATED.value: _l("Deactivated"),
}

#: The branch choice meaning "every branch" (a company-wide role).
ALL_BRANCHES = "all"


def _email_address(_form: FlaskForm, field: Field) -> None:
    """The API's rule (``dala.api.fields.Email``): valid syntax, stored normalised in lower case."""
    if not field.data:
        return
    try:
        field.data = validate_email(field.data, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(_("Not a valid e-mail address.")) from None


def _name_field() -> StringField:
    return StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter the person's name.")),
            storable,
            Length(max=120, message=_l("At most 120 characters.")),
        ],
        filters=[strip],
        description=_l("As colleagues and customers see it, e.g. Aigerim Sadykova."),
    )


def _locale_field(description: object) -> SelectField:
    return SelectField(_l("Language"), validators=[Optional()], description=description)


def _locale_choices(empty_label: str) -> list[tuple[str, str]]:
    return [("", empty_label)] + [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES]


class UserFilterForm(FlaskForm):
    """The list's search and filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[storable, Length(max=254, message=_l("At most 254 characters."))],
        filters=[strip],
    )
    status = SelectField(_l("Status"), default="")
    role = SelectField(_l("Role"), default="")

    def __init__(self, formdata: Any, roles: list[RoleView], **kwargs: Any) -> None:
        super().__init__(formdata=formdata, **kwargs)
        self.status.choices = [("", _("Any status"))] + [
            (value, str(label)) for value, label in STATUS_LABELS.items()
        ]
        if roles:
            self.role.choices = [("", _("Any role"))] + [(r.key, r.name) for r in roles]
        else:
            del self.role  # only for those who may see role assignments

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (the empty list then says "no match")."""
        return any(f.data for f in self if f.name in ("q", "status", "role"))

    def arguments(self) -> dict[str, str]:
        """The filters in effect, for the pager's links."""
        return {f.name: f.data for f in self if f.name in ("q", "status", "role") and f.data}


class GrantFields:
    """A role and where it applies; the choices are what the user may grant."""

    role: SelectField
    branch: SelectField

    def offer(self, options: GrantOptions) -> None:
        self.role.choices = [("", _("Choose a role…"))] + [
            (r.key, r.name if r.builtin else f"{r.name} ({r.key})") for r in options.roles
        ]
        self.branch.choices = (
            [(ALL_BRANCHES, _("All branches"))] if options.company_wide else []
        ) + [(str(b.id), b.name) for b in options.branches]
        if not options.company_wide:
            self.branch.description = ""  # the help text explains "All branches"

    def preselect(self, branch_id: uuid.UUID | None) -> None:
        """Start with the branch the admin works in, when they may assign roles there."""
        values = [value for value, _label in self.branch.choices]
        if str(branch_id) in values:
            self.branch.data = str(branch_id)

    def grant(self) -> Grant:
        branch = self.branch.data
        return Grant(self.role.data, None if branch == ALL_BRANCHES else uuid.UUID(branch))


def _role_field() -> SelectField:
    return SelectField(_l("Role"), validators=[DataRequired(message=_l("Choose a role."))])


def _branch_field() -> SelectField:
    return SelectField(
        _l("Branch"),
        validators=[DataRequired(message=_l("Choose where the role applies."))],
        description=_l("All branches: the role applies in every branch, present and future."),
    )


class InviteForm(GrantFields, FlaskForm):
    name = _name_field()
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(message=_l("Enter the person's e-mail address.")),
            storable,
            Length(max=254, message=_l("Not a valid e-mail address.")),
            _email_address,
        ],
        filters=[strip],
        description=_l("The invitation goes there; it is also their sign-in name."),
    )
    locale = _locale_field(_l("Of the invitation and of their pages."))
    role = _role_field()
    branch = _branch_field()

    def __init__(self, options: GrantOptions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.locale.choices = _locale_choices(_("The branch's language"))
        if options.any:
            self.offer(options)
        else:
            del self.role, self.branch  # they may invite, an administrator gives the role

    def grants(self) -> list[Grant]:
        return [self.grant()] if "role" in self else []


class RoleForm(GrantFields, FlaskForm):
    role = _role_field()
    branch = _branch_field()

    def __init__(self, options: GrantOptions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.offer(options)


class ProfileForm(FlaskForm):
    name = _name_field()
    locale = _locale_field(_l("Their pages and e-mails; unset, the branch's language is used."))
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = _locale_choices(_("The branch's language"))


def _uuid(_form: FlaskForm, field: Field) -> None:
    try:
        uuid.UUID(str(field.data))
    except ValueError:
        raise ValidationError(_("Not a valid role assignment.")) from None


class RemoveRoleForm(FlaskForm):
    assignment = HiddenField(
        validators=[DataRequired(message=_l("Not a valid role assignment.")), _uuid]
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
