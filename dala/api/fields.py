"""Field types shared by the API schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from dala.tenancy.regions import SUPPORTED_LOCALES, is_currency, is_timezone


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError(str(_l("Must not be blank.")))


def Text(max_length: int, *, required: bool = False, **kwargs: Any) -> ma.fields.String:
    """A trimmed, non-blank string of bounded length."""
    return ma.fields.String(
        required=required,
        validate=[ma.validate.Length(min=1, max=max_length), _not_blank],
        **kwargs,
    )


class Email(ma.fields.String):
    """An e-mail address checked for syntax (no DNS look-up), normalised to lower case."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 254:
            raise ma.ValidationError(str(_l("Not a valid e-mail address.")))
        try:
            return validate_email(text, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise ma.ValidationError(str(_l("Not a valid e-mail address."))) from None


class Password(ma.fields.String):
    """A new password: 10 to 128 characters, not only spaces."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not 10 <= len(text) <= 128 or not text.strip():
            raise ma.ValidationError(str(_l("Use 10 to 128 characters.")))
        return text


def _timezone(value: str) -> None:
    if not is_timezone(value):
        raise ma.ValidationError(
            str(_l("Unknown time zone; use an IANA name such as Asia/Almaty."))
        )


def _currency(value: str) -> None:
    if not is_currency(value):
        raise ma.ValidationError(str(_l("Unknown currency; use an ISO 4217 code such as KZT.")))


def Timezone(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=_timezone, metadata={"example": "Asia/Almaty"}, **kwargs)


def Currency(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=_currency, metadata={"example": "KZT"}, **kwargs)


def Locale(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.OneOf(SUPPORTED_LOCALES), **kwargs)


class Instant(ma.fields.AwareDateTime):
    """A moment with its UTC offset, read as UTC; years outside 2000 to 2100 are refused.

    Everything is stored and answered in UTC, so an offset the client sent is
    only a way of saying when; far-off years are typos that would overflow
    date arithmetic.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        if not 2000 <= moment.year <= 2100:
            raise ma.ValidationError(str(_l("Use a date between the years 2000 and 2100.")))
        return moment.astimezone(UTC)
