"""Language selection, first match wins:

1. the language the person chose with the portal's language switch (kept in the session);
2. the request's ``Accept-Language``;
3. the signed-in user's own language (API token or portal session);
4. the selected branch's language;
5. ``DEFAULT_LOCALE`` (English).
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel

from dala.tenancy.regions import SUPPORTED_LOCALES

#: Session key of the language chosen with the language switch.
LOCALE_SESSION_KEY = "locale"


def _default() -> str:
    configured = current_app.config.get("DEFAULT_LOCALE", "en")
    return configured if configured in SUPPORTED_LOCALES else "en"


def select_locale() -> str:
    if not has_request_context():
        return _default()
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    if request.headers.get("Accept-Language"):
        best = request.accept_languages.best_match(SUPPORTED_LOCALES)
        if best:
            return best
    principal = g.get("principal")
    if principal is not None and principal.user.locale in SUPPORTED_LOCALES:
        return str(principal.user.locale)
    branch_locale = g.get("branch_locale")
    return branch_locale if branch_locale in SUPPORTED_LOCALES else _default()


def init_i18n(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")
