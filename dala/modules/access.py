"""Who may see or change modules at a scope: the one rule the API and the admin portal apply."""

from __future__ import annotations

import uuid

from flask_babel import gettext as _

from dala.auth.guard import authorize, authorize_in, current_principal
from dala.errors import Forbidden


def authorize_scope(permission: str, branch_id: uuid.UUID | None) -> None:
    """Raise unless the user holds ``permission`` (``module:read``/``module:manage``) there.

    A branch's modules need it in that branch (another company's branch is a 404);
    company-wide changes need it company-wide. Reading the company-wide state
    needs it anywhere: a branch admin sees what their branch inherits.
    """
    if branch_id is not None:
        authorize_in(permission, branch_id)
    elif permission == "module:read":
        principal = current_principal()
        if not (principal.can(permission) or principal.can_somewhere(permission)):
            raise Forbidden(_("Your role does not allow this action."))
    else:
        authorize(permission)
