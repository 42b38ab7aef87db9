"""Language selection: the request's Accept-Language, then the user's, the branch's, English."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel

from dala.tenancy.regions import SUPPORTED_LOCALES


def select_locale() -> str:
    if request.headers.get("Accept-Language"):
        best = request.accept_languages.best_match(SUPPORTED_LOCALES)
        if best:
            return best
    principal = g.get("principal")
    if principal is not None and principal.user.locale in SUPPORTED_LOCALES:
        return str(principal.user.locale)
    branch_locale = g.get("branch_locale")
    return branch_locale if branch_locale in SUPPORTED_LOCALES else "en"


def init_i18n(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")
