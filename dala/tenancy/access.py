"""Whether a company may use Dala now: one answer for API tokens and portal sign-ins."""

from __future__ import annotations

from flask_babel import gettext as _

from dala.errors import TenantCancelled, TenantInactive
from dala.tenancy.models import USABLE_STATUSES, Tenant, TenantStatus


def refuse_unusable(tenant: Tenant) -> None:
    """Raise :class:`TenantInactive` (suspended, 402) or :class:`TenantCancelled` (403)
    when the company's users may not use Dala now; nothing while it may."""
    if tenant.status in USABLE_STATUSES:
        return
    if tenant.status == TenantStatus.SUSPENDED:
        raise TenantInactive(_("This company's account is suspended; contact your owner."))
    raise TenantCancelled(_("This company's account is cancelled."))
