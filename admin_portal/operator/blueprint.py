"""The console's blueprint: only a signed-in operator gets past it (the sign-in page aside).

Not a ``page_blueprint``: those load the company user of the portal session,
and nothing of a company's session may count here. Errors render as the
console's own page.
"""

from __future__ import annotations

from datetime import UTC, datetime

from babel.dates import format_date, format_datetime
from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from dala.db import get_session
from dala.errors import DalaError
from dala.operators.services import session_operator

bp = Blueprint("operator", __name__, url_prefix="/operator", template_folder="../templates")

#: Session key of the signed-in operator (``dala.operators.services.session_id``).
OPERATOR_SESSION_KEY = "dala_operator"
#: Pages open without an operator session.
OPEN_ENDPOINTS = frozenset({"operator.login", "operator.logout"})


@bp.before_request
def _operator_only() -> ResponseReturnValue | None:
    operator = session_operator(get_session(), session.get(OPERATOR_SESSION_KEY))
    if operator is not None:
        g.operator = operator
    elif request.endpoint not in OPEN_ENDPOINTS:
        session.pop(OPERATOR_SESSION_KEY, None)
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("operator.login", next=target))
    return None


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    """The console's error page; the request's unfinished changes are dropped."""
    get_session().rollback()
    page = render_template("operator/error.html", title=title, message=message, status=status)
    return page, status


@bp.errorhandler(CSRFError)
def _csrf_failed(_exc: CSRFError) -> ResponseReturnValue:
    return error_page(
        400,
        _("The form has expired"),
        _("Go back, reload the page and send the form again."),
    )


@bp.errorhandler(DalaError)
def _dala_error(exc: DalaError) -> ResponseReturnValue:
    status = exc.status if exc.status < 500 else 500
    return error_page(status, _("Something went wrong"), exc.message)


@bp.errorhandler(StaleDataError)
def _stale(_exc: StaleDataError) -> ResponseReturnValue:
    return error_page(
        412,
        _("Changed meanwhile"),
        _("Someone changed this company meanwhile; check it and try again."),
    )


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    return error_page(status, f"{status} {exc.name}", exc.description or "")


def utc_datetime(value: datetime | None) -> str:
    """A stored time as the console shows it: in UTC, and saying so (companies span zones)."""
    if value is None:
        return "—"
    locale = get_locale() or "en"
    return f"{format_datetime(value.astimezone(UTC), 'medium', tzinfo=UTC, locale=locale)} UTC"


def utc_date(value: datetime | None) -> str:
    """The UTC day of a stored time (the page says its dates are UTC)."""
    if value is None:
        return "—"
    return format_date(value.astimezone(UTC).date(), "medium", locale=get_locale() or "en")


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {"utc_datetime": utc_datetime, "utc_date": utc_date}
