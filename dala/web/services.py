"""What the portal shell reads: the signed-in user's principal, home page and reset links.

Views call these and render; they hold no queries of their own.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
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


@dataclass(frozen=True)
class HeldRole:
    """One role assignment as pages show it: "Dispatcher · Almaty", "Owner · all branches"."""

    assignment_id: uuid.UUID
    user_id: uuid.UUID
    key: str
    label: object  # lazy for built-in roles
    branch: Branch | None  # None: every branch


def held_roles(session: Session, assignments: Select[Any]) -> dict[uuid.UUID, list[HeldRole]]:
    """The assignments ``assignments`` selects, labelled and grouped by user.

    Tenant-wide roles come first, then by branch name, built-in roles in their
    order; one query with the branches (plus one for custom roles' names) however
    many users, so a list page does not ask once per row.
    """
    ids = assignments.with_only_columns(RoleAssignment.id).order_by(None)
    rows = session.execute(
        select(RoleAssignment.id, RoleAssignment.user_id, RoleAssignment.role, Branch)
        .outerjoin(
            Branch,
            (Branch.tenant_id == RoleAssignment.tenant_id)
            & (Branch.id == RoleAssignment.branch_id),
        )
        .where(RoleAssignment.id.in_(ids))
    ).all()
    labels = _role_labels(session, {role for _id, _user, role, _branch in rows})
    order = list(BUILTIN_ROLE_LABELS)

    def rank(held: HeldRole) -> tuple[bool, str, str, int, str]:
        branch = held.branch
        return (
            branch is not None,
            branch.name if branch is not None else "",
            str(branch.id) if branch is not None else "",
            order.index(held.key) if held.key in order else len(order),
            held.key,
        )

    result: dict[uuid.UUID, list[HeldRole]] = {}
    for assignment_id, user_id, role, branch in rows:
        result.setdefault(user_id, []).append(
            HeldRole(assignment_id, user_id, role, labels[role], branch)
        )
    for held in result.values():
        held.sort(key=rank)
    return result


def roles_by_branch(session: Session, user_id: uuid.UUID) -> list[BranchRoles]:
    """The user's roles, tenant-wide first, then per branch by branch name."""
    held = held_roles(session, select(RoleAssignment).where(RoleAssignment.user_id == user_id))
    grouped: dict[uuid.UUID | None, BranchRoles] = {}
    for entry in held.get(user_id, []):
        key = entry.branch.id if entry.branch is not None else None
        grouped.setdefault(key, BranchRoles(entry.branch)).roles.append(entry.label)
    return list(grouped.values())


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
