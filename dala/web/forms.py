"""The portal's sign-in forms (Flask-WTF: every one carries a CSRF token).

Field names match the API's (``tenant``, ``email``, ``password``) so the
sign-in rate limits (:func:`dala.extensions.sign_in_limits`) count both alike.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from dala.errors import DalaError
from dala.text import is_storable, unstorable_message

#: The same rule as the API's ``Password`` field (dala.api.fields).
PASSWORD_MIN, PASSWORD_MAX = 10, 128


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def storable(_form: FlaskForm, field: StringField) -> None:
    if isinstance(field.data, str) and not is_storable(field.data):
        raise ValidationError(unstorable_message())


def not_only_spaces(_form: FlaskForm, field: PasswordField) -> None:
    if field.data and not field.data.strip():
        raise ValidationError(str(_l("Use 10 to 128 characters.")))


def _company_field() -> StringField:
    return StringField(
        _l("Company ID"),
        validators=[
            InputRequired(message=_l("Enter your company ID.")),
            storable,
            Length(max=63, message=_l("A company ID has at most 63 characters.")),
        ],
        filters=[strip],
        description=_l("The short name of your company in Dala, e.g. aqua-plumbing."),
    )


def email_field(*, check_syntax: bool) -> EmailField:
    """An e-mail address; ``check_syntax`` where a new one is given (not when signing in)."""
    validators: list[Any] = [
        InputRequired(message=_l("Enter your e-mail address.")),
        storable,
        Length(max=254, message=_l("Not a valid e-mail address.")),
    ]
    if check_syntax:
        validators.append(
            Email(message=_l("Not a valid e-mail address."), check_deliverability=False)
        )
    return EmailField(_l("E-mail"), validators=validators, filters=[strip])


def sign_in_password_field() -> PasswordField:
    """The password of a sign-in form (its length is not checked beyond the maximum)."""
    return PasswordField(
        _l("Password"),
        validators=[
            InputRequired(message=_l("Enter your password.")),
            storable,
            Length(max=PASSWORD_MAX, message=_l("Use 10 to 128 characters.")),
        ],
    )


def new_password_field(label: object) -> PasswordField:
    """A password being chosen: the API's ``Password`` rule (10 to 128, not only spaces)."""
    return PasswordField(
        label,
        validators=[
            InputRequired(message=_l("Choose a password.")),
            storable,
            Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=_l("Use 10 to 128 characters.")),
            not_only_spaces,
        ],
        description=_l("At least 10 characters. A few unrelated words are easy to remember."),
    )


def repeat_password_field(label: object, of: str = "password") -> PasswordField:
    """The chosen password again, to catch a typing slip."""
    return PasswordField(
        label,
        validators=[
            InputRequired(message=_l("Repeat the password.")),
            EqualTo(of, message=_l("The two passwords do not match.")),
        ],
    )


class LoginForm(FlaskForm):
    tenant = _company_field()
    email = email_field(check_syntax=False)
    password = sign_in_password_field()


class ForgotPasswordForm(FlaskForm):
    tenant = _company_field()
    email = email_field(check_syntax=True)


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))
    confirm = repeat_password_field(_l("Repeat the new password"))


def show_errors(form: FlaskForm, exc: DalaError) -> str:
    """Put a service's field errors next to the form's fields; the message for the rest.

    Services raise :class:`dala.errors.DalaError` with ``errors`` keyed by the
    API's field names, which portal forms share; errors of fields the form does
    not have are part of the returned message.
    """
    unplaced: list[str] = []
    for name, messages in (exc.errors or {}).items():
        texts = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        field = getattr(form, name, None) if isinstance(name, str) else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *texts]
        else:
            unplaced += texts
    return " ".join([exc.message, *[t for t in unplaced if t != exc.message]])
