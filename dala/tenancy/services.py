"""Sign-up and branch management."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dala.auth import policy
from dala.auth.grants import grant_role
from dala.auth.models import RoleAssignment, User, UserStatus
from dala.auth.secrets import hash_password
from dala.db import utcnow
from dala.errors import Conflict, NotFound, ValidationFailed
from dala.storage.keys import create_tenant_keys
from dala.tenancy import context
from dala.tenancy.locks import lock_tenant
from dala.tenancy.models import Branch, Tenant, TenantStatus
from dala.tenancy.regions import defaults_for_timezone
from dala.tenancy.scoping import get_scoped
from dala.tenancy.slugs import RESERVED, SLUG_RE, slugify


@dataclass(frozen=True)
class Signup:
    tenant: Tenant
    branch: Branch
    owner: User


def _free_slug(session: Session, wanted: str | None, company_name: str) -> str:
    if wanted:
        if not SLUG_RE.fullmatch(wanted) or wanted in RESERVED:
            raise ValidationFailed(
                _("Invalid company address."),
                errors={"slug": [_("Use 1-63 lower-case letters, digits and hyphens.")]},
            )
        if session.scalar(select(Tenant.id).where(Tenant.slug == wanted)):
            raise Conflict(_("This company address is taken."), errors={"slug": [_("Taken.")]})
        return wanted
    base = slugify(company_name) or "company"
    if base in RESERVED:
        base = f"{base}-co"
    candidate = base
    while session.scalar(select(Tenant.id).where(Tenant.slug == candidate)):
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate


def signup(
    session: Session,
    *,
    company_name: str,
    email: str,
    password: str,
    branch_name: str,
    timezone: str,
    owner_name: str | None = None,
    slug: str | None = None,
    currency: str | None = None,
    locale: str | None = None,
) -> Signup:
    """Create a tenant in trial, its first branch and its owner; commits nothing."""
    default_currency, default_locale = defaults_for_timezone(timezone)
    tenant = Tenant(
        id=uuid.uuid4(),
        name=company_name,
        slug=_free_slug(session, slug, company_name),
        status=TenantStatus.TRIALING,
        trial_ends_at=utcnow() + timedelta(days=current_app.config["TRIAL_DAYS"]),
    )
    session.add(tenant)
    session.flush()
    with context.tenant_scope(tenant.id):
        branch = Branch(
            id=uuid.uuid4(),
            name=branch_name,
            timezone=timezone,
            currency=currency or default_currency,
            locale=locale or default_locale,
        )
        owner = User(
            id=uuid.uuid4(),
            email=email.lower(),
            name=owner_name or email.split("@", 1)[0],
            password_hash=hash_password(password),
            status=UserStatus.ACTIVE,
            locale=locale or default_locale,
            session_nonce=secrets.token_hex(8),
        )
        session.add_all([branch, owner])
        create_tenant_keys(session, tenant.id)
        session.flush()
        grant_role(session, user_id=owner.id, role_key="owner", branch_id=None)
    return Signup(tenant, branch, owner)


def update_tenant(session: Session, tenant: Tenant, data: dict[str, Any]) -> Tenant:
    """Change the company's own settings (its slug and status are not the owner's to change)."""
    if "name" in data:
        tenant.name = data["name"]
    session.flush()
    return tenant


def get_branch(session: Session, branch_id: uuid.UUID) -> Branch:
    branch = get_scoped(session, Branch, branch_id)
    if branch is None:
        raise NotFound(_("Branch not found."))
    return branch


def create_branch(session: Session, data: dict[str, Any]) -> Branch:
    tenant_id = context.current_tenant_id()
    _check_name_free(session, data["name"])
    currency, locale = defaults_for_timezone(data["timezone"])
    branch = Branch(
        id=uuid.uuid4(),
        name=data["name"],
        timezone=data["timezone"],
        currency=data.get("currency") or currency,
        locale=data.get("locale") or locale,
        address=data.get("address", ""),
    )
    session.add(branch)
    session.flush()
    policy.expand_tenant_wide_to_branch(session, tenant_id, branch.id)
    policy.bump_policy_version(session, tenant_id)
    return branch


def update_branch(session: Session, branch: Branch, data: dict[str, Any]) -> Branch:
    if "name" in data and data["name"] != branch.name:
        _check_name_free(session, data["name"])
    for field in ("name", "timezone", "currency", "locale", "address"):
        if field in data:
            setattr(branch, field, data[field])
    session.flush()
    return branch


def delete_branch(session: Session, branch: Branch) -> None:
    """Delete a branch and its role assignments; a tenant keeps at least one branch."""
    tenant_id = context.current_tenant_id()
    lock_tenant(session)
    if (session.scalar(select(func.count()).select_from(Branch)) or 0) <= 1:
        raise Conflict(_("A company needs at least one branch."))
    affected = set(
        session.scalars(select(RoleAssignment.user_id).where(RoleAssignment.branch_id == branch.id))
    )
    for assignment in session.scalars(
        select(RoleAssignment).where(RoleAssignment.branch_id == branch.id)
    ):
        session.delete(assignment)
    session.delete(branch)
    session.flush()
    policy.forget_branch(session, tenant_id, branch.id)
    for user_id in affected:
        policy.rebuild_user_grants(session, tenant_id, user_id)
    policy.bump_policy_version(session, tenant_id)


def _check_name_free(session: Session, name: str) -> None:
    if session.scalar(select(Branch.id).where(func.lower(Branch.name) == name.lower())):
        raise Conflict(
            _("A branch with this name already exists."),
            errors={"name": [_("A branch with this name already exists.")]},
        )
