"""TODO(helper): the audit section of the admin portal."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from admin_portal.blueprint import bp
from dala.auth.guard import require


@bp.route("/audit")
@require("audit:read")
def audit() -> ResponseReturnValue:
    return "audit"
