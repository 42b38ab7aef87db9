"""The page a suspended or cancelled company's users see instead of the portal."""

from __future__ import annotations

from flask import render_template

from dala.db import get_session
from dala.tenancy.models import TenantStatus


def company_inactive_page(status: TenantStatus, *, signed_in: bool) -> tuple[str, int]:
    """Say the company's account is suspended (402) or cancelled (403), as the API does.

    ``signed_in``: shown to a session that is still open (it offers to sign out),
    else right after a sign-in with correct credentials.
    """
    get_session().rollback()
    cancelled = status == TenantStatus.CANCELLED
    page = render_template("web/company_inactive.html", cancelled=cancelled, signed_in=signed_in)
    return page, 403 if cancelled else 402
