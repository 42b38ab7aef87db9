"""The plug-in's portal page: /acme-warranty/ lists warranty registrations.

A Flask blueprint with its own ``templates/`` folder; the page extends Dala's
signed-in layout (``web/app_layout.html``), so it has the portal's navigation,
language switch and look.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from acme_warranty import services
from acme_warranty.models import Registration
from dala.api.pagination import paginate
from dala.auth.guard import in_permitted_branches, require
from dala.db import get_session
from dala.errors import DalaError
from dala.extensions import login_manager
from dala.tenancy import context
from dala.web.services import session_principal

bp = Blueprint("acme_warranty", __name__, url_prefix="/acme-warranty", template_folder="templates")

PAGE_SIZE = 25
MAX_PAGE = 100_000  # as the API's page argument


@bp.before_request
def _signed_in() -> ResponseReturnValue | None:
    """Signed-out visitors go to the sign-in page; the permission guard needs the user."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    g.principal = session_principal(get_session(), current_user.user, current_user.tenant)
    return None


@bp.route("/")
@require("warranty:read")
def index() -> ResponseReturnValue:
    query = services.registrations_query(context.current_branch_id())
    query = in_permitted_branches(query, Registration.branch_id, "warranty:read")
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    listing = paginate(get_session(), query, {"page": page, "page_size": PAGE_SIZE})
    return render_template("acme_warranty/index.html", listing=listing)


@bp.errorhandler(DalaError)
def _error(exc: DalaError) -> ResponseReturnValue:
    get_session().rollback()
    status = exc.status if exc.status < 500 else 500
    page = render_template(
        "web/error.html", title=_("Something went wrong"), message=exc.message, status=status
    )
    return page, status
