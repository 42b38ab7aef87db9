"""What the portal shell reads: the signed-in user's principal, home page and reset links.

Views call these and render; they hold no queries of their own.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.auth.catalogue import BUILTIN_ROLE_LABELS
from dala.auth.guard import Principal
from dala.auth.models import Role, RoleAssignment, User
from dala.auth.policy import PolicyStore
from dala.db import utcnow
from dala.tenancy.models import Branch, Tenant, TenantStatus

#: How the home page names a tenant's status.
STATUS_LABELS: dict[TenantStatus, object] = {
    TenantStatus.TRIALING: _l("Free trial"),
    TenantStatus.ACTIVE: _l("Active"),
    TenantStatus.PAST_DUE: _l("Payment overdue"),
    TenantStatus.SUSPENDED: _l("Suspended"),
    TenantStatus.CANCELLED: _l("Cancelled"),
}

FALLBACK_TIMEZONE = "UTC"


def session_principal(session: Session, user: User, tenant: Tenant) -> Principal:
    """The portal user as the permission guard sees them (same as an API token's)."""
    store: PolicyStore = current_app.extensions["dala.policy"]
    return Principal(user=user, tenant=tenant, authz=store.policy(session, tenant))


@dataclass(frozen=True)
class BranchRoles:
    """The roles a user holds in one branch; ``branch`` None means every branch."""

    branch: Branch | None
    roles: list[object] = field(default_factory=list)  # labels, lazy for built-in roles


@dataclass(frozen=True)
class HomeSummary:
    user: User
    tenant: Tenant
    status_label: object
    #: The time zone dates are shown in: the user's (first) branch's.
    timezone: str
    home_branch: Branch | None
    trial_ends_at: datetime | None
    trial_days_left: int | None
    roles: list[BranchRoles]

    @property
    def is_trialing(self) -> bool:
        return self.tenant.status == TenantStatus.TRIALING


def _role_labels(session: Session, keys: set[str]) -> dict[str, object]:
    labels: dict[str, object] = {k: v for k, v in BUILTIN_ROLE_LABELS.items() if k in keys}
    custom = keys - labels.keys()
    if custom:
        for key, name in session.execute(select(Role.key, Role.name).where(Role.key.in_(custom))):
            labels[key] = name
    for key in custom - labels.keys():
        labels[key] = key
    return labels


def roles_by_branch(session: Session, user_id: uuid.UUID) -> list[BranchRoles]:
    """The user's roles, tenant-wide first, then per branch by branch name."""
    rows = session.execute(
        select(RoleAssignment.role, Branch)
        .outerjoin(
            Branch,
            (Branch.tenant_id == RoleAssignment.tenant_id)
            & (Branch.id == RoleAssignment.branch_id),
        )
        .where(RoleAssignment.user_id == user_id)
    ).all()
    labels = _role_labels(session, {role for role, _branch in rows})
    order = list(BUILTIN_ROLE_LABELS)
    grouped: dict[uuid.UUID | None, tuple[Branch | None, list[str]]] = {}
    for role, branch_or_none in rows:
        key = branch_or_none.id if branch_or_none is not None else None
        grouped.setdefault(key, (branch_or_none, []))[1].append(role)
    result = []
    for branch, keys in grouped.values():
        keys.sort(key=lambda k: (order.index(k) if k in order else len(order), k))
        result.append(BranchRoles(branch, [labels[k] for k in keys]))
    result.sort(key=lambda br: (br.branch is not None, br.branch.name if br.branch else ""))
    return result


def home_branch(session: Session, roles: list[BranchRoles]) -> Branch | None:
    """The branch whose time zone the user's pages use: their first branch, else the oldest."""
    for entry in roles:
        if entry.branch is not None:
            return entry.branch
    return session.scalars(select(Branch).order_by(Branch.created_at, Branch.name).limit(1)).first()


def home_summary(session: Session, user: User, tenant: Tenant) -> HomeSummary:
    """Everything the signed-in home page shows (the tenant context is the user's)."""
    roles = roles_by_branch(session, user.id)
    branch = home_branch(session, roles)
    timezone = branch.timezone if branch is not None else FALLBACK_TIMEZONE
    ends = tenant.trial_ends_at
    local_end = ends.astimezone(ZoneInfo(timezone)) if ends is not None else None
    days_left = None
    if ends is not None and tenant.status == TenantStatus.TRIALING:
        days_left = max(0, math.ceil((ends - utcnow()).total_seconds() / 86400))
    return HomeSummary(
        user=user,
        tenant=tenant,
        status_label=STATUS_LABELS.get(tenant.status, tenant.status.value),
        timezone=timezone,
        home_branch=branch,
        trial_ends_at=local_end,
        trial_days_left=days_left,
        roles=roles,
    )
