"""Validation messages of marshmallow and webargs, in the request's language.

Those libraries answer in English; the API's bodies are translated here, once,
by matching their fixed wording. Messages Dala writes itself pass unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _


def _exact() -> dict[str, str]:
    return {
        "Missing data for required field.": _("This field is required."),
        "Field may not be null.": _("This field may not be null."),
        "Unknown field.": _("Unknown field."),
        "Invalid input type.": _("Invalid input type."),
        "Invalid value.": _("Invalid value."),
        "Invalid type.": _("Invalid type."),
        "Invalid JSON body.": _("The body is not valid JSON."),
        "Not a valid string.": _("Not a valid string."),
        "Not a valid integer.": _("Not a valid integer."),
        "Not a valid number.": _("Not a valid number."),
        "Number too large.": _("The number is too large."),
        "Not a valid boolean.": _("Not a valid boolean (use true or false)."),
        "Not a valid UUID.": _("Not a valid UUID."),
        "Not a valid list.": _("Not a valid list."),
        "Not a valid mapping type.": _("Not a valid object."),
        "Not a valid email address.": _("Not a valid e-mail address."),
        "Not a valid datetime.": _("Not a valid date and time (use ISO 8601)."),
        "Not a valid aware datetime.": _(
            "Not a valid date and time with a time zone offset (use ISO 8601, e.g. "
            "2026-01-31T09:00:00+05:00)."
        ),
        "Special numeric values (nan or infinity) are not permitted.": _(
            "NaN and infinity are not allowed."
        ),
    }


_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
        lambda m: _("Length must be between %(min)s and %(max)s.", min=m[1], max=m[2]),
    ),
    (re.compile(r"^Length must be (\d+)\.$"), lambda m: _("Length must be %(n)s.", n=m[1])),
    (
        re.compile(r"^Longer than maximum length (\d+)\.$"),
        lambda m: _("Longer than the maximum length %(max)s.", max=m[1]),
    ),
    (
        re.compile(r"^Shorter than minimum length (\d+)\.$"),
        lambda m: _("Shorter than the minimum length %(min)s.", min=m[1]),
    ),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        lambda m: _("Must be between %(min)s and %(max)s.", min=m[1], max=m[2]),
    ),
    (
        re.compile(r"^Must be greater than or equal to (\S+)\.$"),
        lambda m: _("Must be at least %(min)s.", min=m[1]),
    ),
    (
        re.compile(r"^Must be less than or equal to (\S+)\.$"),
        lambda m: _("Must be at most %(max)s.", max=m[1]),
    ),
    (
        re.compile(r"^Must be one of: (.*)\.$", re.DOTALL),
        lambda m: _("Must be one of: %(choices)s.", choices=m[1]),
    ),
]


def translate_message(message: str, exact: dict[str, str] | None = None) -> str:
    table = exact if exact is not None else _exact()
    if message in table:
        return table[message]
    for pattern, render in _PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return message


def translate_errors(errors: Any) -> Any:
    """``errors`` (nested dicts and lists of messages) with each library message translated."""
    exact = _exact()

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return translate_message(value, exact)
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(errors)
