"""The portal shell: blueprint registration, navigation, language list and template helpers.

Portal pages extend ``web/app_layout.html`` (navigation bar, flashed messages)
or ``web/auth_layout.html`` (a centred card, for signed-out pages); both extend
``web/layout.html`` and use the form macros in ``web/macros.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Flask, current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dala.auth.sessions import INACTIVE_TENANT
from dala.extensions import login_manager
from dala.tenancy.regions import SUPPORTED_LOCALES
from dala.web.branch import portal_branch, selectable_branches
from dala.web.inactive import company_inactive_page

#: Each language named in itself, as a language switch shows it.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}


@dataclass(frozen=True)
class NavItem:
    """An entry of the portal's main navigation.

    ``endpoint`` names a view (highlighted while it is shown); ``href`` an
    address outside the portal (opened as it is). ``visible`` decides per
    request, e.g. by permission.
    """

    label: object
    icon: str
    endpoint: str | None = None
    href: str | None = None
    visible: Callable[[], bool] | None = None
    # "main" (the bar) or "user" (the signed-in user's menu, for what few need every day).
    menu: str = "main"

    @property
    def url(self) -> str:
        return url_for(self.endpoint) if self.endpoint else str(self.href)

    @property
    def active(self) -> bool:
        return self.endpoint is not None and request.endpoint == self.endpoint


def nav_items(app: Flask) -> list[NavItem]:
    items: list[NavItem] = app.extensions.setdefault("dala.nav", [])
    return items


def add_nav_item(app: Flask, item: NavItem) -> None:
    """Add an entry to the main navigation (core pages, later plug-ins)."""
    nav_items(app).append(item)


def local_datetime(value: datetime, timezone: str, *, date_format: str = "long") -> str:
    """``value`` (stored in UTC) as a date and time in ``timezone``, in the page's language."""
    local = value.astimezone(ZoneInfo(timezone))
    locale = get_locale() or "en"
    day = format_date(local, date_format, locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)}"


def can(permission: str, branch_id: Any = None) -> bool:
    """Whether the signed-in user holds ``permission`` in ``branch_id`` (None: company-wide);
    for showing or hiding a button. The view still checks."""
    principal = g.get("principal")
    return bool(principal is not None and principal.can(permission, branch_id))


def works_jobs() -> bool:
    """Whether the signed-in user works jobs in some branch (``job:work``): technicians, and
    admins who hold every right. The technician app (``/app``) is for them."""
    principal = g.get("principal")
    return bool(principal is not None and principal.can_somewhere("job:work"))


def _visible(menu: str) -> list[NavItem]:
    return [
        item
        for item in nav_items(current_app)
        if item.menu == menu and (item.visible is None or item.visible())
    ]


def _template_globals() -> dict[str, Any]:
    current = str(get_locale() or current_app.config.get("DEFAULT_LOCALE", "en"))
    return {
        "can": can,
        "current_branch": portal_branch(),
        "branch_choices": _branch_choices,
        "current_locale": current,
        "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in SUPPORTED_LOCALES],
        "main_nav": _visible("main"),
        "user_nav": _visible("user"),
    }


def _branch_choices() -> list[Any]:
    """The branches the switch offers (read only when the menu is drawn)."""
    from dala.db import get_session

    if not current_user.is_authenticated:
        return []
    return selectable_branches(get_session(), current_user.user.id)


def init_web(app: Flask) -> None:
    """Register the portal pages; called once from ``create_app``."""
    from dala.web.app import init_technician_app
    from dala.web.views import bp

    app.register_blueprint(bp)
    init_technician_app(app)
    add_nav_item(app, NavItem(_l("Home"), "bi-house", endpoint="web.home"))
    add_nav_item(app, NavItem(_l("Technician app"), "bi-phone", href="/app", visible=works_jobs))
    add_nav_item(app, NavItem(_l("API docs"), "bi-braces", href="/api/docs", menu="user"))
    app.context_processor(_template_globals)
    app.add_template_filter(local_datetime, "local_datetime")

    login_manager.login_view = "web.login"
    login_manager.unauthorized_handler(_sign_in_first)


def _sign_in_first() -> ResponseReturnValue:
    """Anonymous visitors go to the sign-in page, and from there back where they were going.

    A session whose company is suspended or cancelled gets a page saying so instead.
    """
    inactive = g.get(INACTIVE_TENANT)
    if inactive is not None:
        return company_inactive_page(inactive.status, signed_in=True)
    if request.endpoint == "web.home":
        return redirect(url_for("web.login"))
    flash(_("Please sign in to continue."), "info")
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("web.login", next=target))
