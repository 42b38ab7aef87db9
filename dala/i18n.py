"""Language selection, first match wins.

API requests (``/api/``), where the client says what it wants:

1. the request's ``Accept-Language``;
2. the token user's own language;
3. the selected branch's language (``X-Dala-Branch``);
4. ``DEFAULT_LOCALE`` (English).

Portal pages, where the company's setting comes before the browser's:

1. the language the person chose with the language switch (kept in the session);
2. the signed-in user's own language;
3. the language of the branch they work in;
4. the browser's ``Accept-Language`` (signed-out pages: sign-in, sign-up);
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


def _accepted() -> str | None:
    if not request.headers.get("Accept-Language"):
        return None
    best: str | None = request.accept_languages.best_match(SUPPORTED_LOCALES)
    return best


def _user_or_branch() -> str | None:
    principal = g.get("principal")
    user = principal.user if principal is not None else None
    if user is None and not request.path.startswith("/api/"):
        # A page refused before its view loaded the principal (a module's page where
        # the module is off) still speaks the signed-in person's language.
        from flask_login import current_user

        if current_user.is_authenticated:
            user = current_user.user
    if user is not None and user.locale in SUPPORTED_LOCALES:
        return str(user.locale)
    branch_locale = g.get("branch_locale")
    return str(branch_locale) if branch_locale in SUPPORTED_LOCALES else None


def select_locale() -> str:
    if not has_request_context():
        return _default()
    if request.path.startswith("/api/"):
        return _accepted() or _user_or_branch() or _default()
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    return _user_or_branch() or _accepted() or _default()


#: Core's catalogues: ``dala/translations/<locale>/LC_MESSAGES/messages.mo``.
CORE_DIRECTORY, CORE_DOMAIN = "translations", "messages"


def catalogues(app: Flask) -> list[tuple[str, str]]:
    """(folder, domain) of every message catalogue, core's last.

    Each module that ships translations has its own domain (its name), so a
    vendor's catalogue never clashes with core's; Flask-Babel merges them in
    this order, so where both translate the same text core's translation wins.
    """
    from dala.modules.host import hooks

    modules = [
        (str(m.translations), m.name)
        for m in hooks(app).manifests.values()
        if m.translations is not None
    ]
    return [*sorted(modules, key=lambda c: c[1]), (CORE_DIRECTORY, CORE_DOMAIN)]


def init_i18n(app: Flask) -> None:
    """Flask-Babel with core's catalogues and those of the installed modules.

    Runs after the plug-ins are loaded (``init_plugins``) to know their catalogues.
    """
    found = catalogues(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(folder for folder, _d in found)
    app.config["BABEL_DOMAIN"] = ";".join(domain for _f, domain in found)
    Babel(app, locale_selector=select_locale)
