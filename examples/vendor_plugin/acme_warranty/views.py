"""The plug-in's portal page: /acme-warranty/ lists warranty registrations.

A Flask blueprint with its own ``templates/`` folder; the page extends Dala's
signed-in layout (``web/app_layout.html``), so it has the portal's navigation,
language switch and look.
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from acme_warranty import services
from acme_warranty.models import Registration
from dala.auth.guard import in_permitted_branches, require
from dala.tenancy import context
from dala.web.pages import page_blueprint, paged

# Dala's page blueprint: signed-out visitors go to the sign-in page, the signed-in user
# is the permission guard's principal, errors show as the portal's error page.
bp = page_blueprint(
    "acme_warranty", __name__, url_prefix="/acme-warranty", template_folder="templates"
)


@bp.route("/")
@require("warranty:read")
def index() -> ResponseReturnValue:
    query = services.registrations_query(context.current_branch_id())
    query = in_permitted_branches(query, Registration.branch_id, "warranty:read")
    listing = paged(query)
    return render_template("acme_warranty/index.html", listing=listing)
