"""Blueprints for portal pages: the one way core, the admin portal and plug-ins make them.

A page blueprint loads the signed-in user as the permission guard's principal
before every view (signed-out visitors go to the sign-in page unless the
blueprint is public) and turns errors into the portal's error page, so a
refused permission reads as a page, not as JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import Select
from werkzeug.exceptions import HTTPException

from dala.api.pagination import paginate
from dala.db import get_session
from dala.errors import DalaError
from dala.extensions import login_manager
from dala.web.services import session_principal

#: Rows per page of a portal list.
PAGE_SIZE = 25
#: The highest page number a list accepts (as the API's ``page`` argument).
MAX_PAGE = 100_000


def paged(query: Select[Any], page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of ``query`` (ordered), the page number taken from ``?page=``."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    return paginate(get_session(), query, {"page": page, "page_size": page_size})


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    """The portal's error page; the request's unfinished changes are dropped."""
    get_session().rollback()
    return render_template("web/error.html", title=title, message=message, status=status), status


def _load_principal() -> None:
    if current_user.is_authenticated:
        g.principal = session_principal(get_session(), current_user.user, current_user.tenant)


def _signed_in_only() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    _load_principal()
    return None


def _csrf_failed(_exc: CSRFError) -> ResponseReturnValue:
    return error_page(
        400,
        _("The form has expired"),
        _(
            "For your security, forms work for a limited time and only on this site. "
            "Go back, reload the page and send the form again."
        ),
    )


def _dala_error(exc: DalaError) -> ResponseReturnValue:
    status = exc.status if exc.status < 500 else 500
    return error_page(status, _("Something went wrong"), exc.message)


def _http_messages(status: int) -> tuple[str, str]:
    """The error page's title and text in the reader's language (Werkzeug's are English)."""
    messages = {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        403: (_("Not allowed"), _("Your role does not allow this action.")),
        404: (
            _("Page not found"),
            _(
                "This page does not exist, or its module is not switched on in the branch "
                "you work in."
            ),
        ),
        405: (_("Not allowed"), _("This address does not take that kind of request.")),
        413: (_("Too large"), _("What you sent is larger than allowed.")),
    }
    return messages.get(
        status,
        (_("Something went wrong"), _("We could not finish this. Try again in a moment.")),
    )


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    title, message = _http_messages(status)
    return error_page(status, title, message)


def page_blueprint(
    name: str, import_name: str, *, public: bool = False, **options: Any
) -> Blueprint:
    """A blueprint for portal pages (``options`` as Flask's: url_prefix, template_folder).

    ``public`` pages (sign-in, sign-up) are open to signed-out visitors; the
    others send them to the sign-in page and come back after it.
    """
    bp = Blueprint(name, import_name, **options)
    bp.before_request(_load_principal if public else _signed_in_only)
    bp.register_error_handler(CSRFError, _csrf_failed)
    bp.register_error_handler(DalaError, _dala_error)
    bp.register_error_handler(HTTPException, _http_error)
    return bp
