"""Users: sign-in, invitation, profile changes and deactivation."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.auth import policy
from dala.auth.catalogue import permission_keys
from dala.auth.guard import Principal
from dala.auth.models import ApiToken, RoleAssignment, User, UserStatus
from dala.auth.secrets import hash_password, verify_password
from dala.db import utcnow
from dala.errors import Conflict, Forbidden, NotFound, Unauthenticated
from dala.tenancy import context
from dala.tenancy.access import refuse_unusable
from dala.tenancy.locks import lock_tenant
from dala.tenancy.models import Tenant
from dala.tenancy.scoping import get_scoped


def _bad_credentials() -> Unauthenticated:
    # A literal inside _() so that `make i18n-extract` finds and the catalogues translate it.
    return Unauthenticated(_("Invalid company, e-mail or password."))


def new_session_nonce() -> str:
    return secrets.token_hex(8)


def authenticate(session: Session, tenant_slug: str, email: str, password: str) -> User:
    """The active user for these credentials; the same error whichever part is wrong.

    Only once the credentials are right does a suspended or cancelled company
    say so (:class:`dala.errors.TenantInactive`): a guess learns nothing from it.
    Leaves the tenant context set to the user's tenant on success.
    """
    tenant = session.scalar(select(Tenant).where(Tenant.slug == tenant_slug.lower()))
    user = None
    if tenant is not None:
        context.activate(tenant.id)
        user = session.scalar(select(User).where(User.email == email.lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active or tenant is None:
        raise _bad_credentials()
    refuse_unusable(tenant)
    user.last_login_at = utcnow()
    return user


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = get_scoped(session, User, user_id)
    if user is None:
        raise NotFound(_("User not found."))
    return user


def invite_user(session: Session, *, email: str, name: str, locale: str | None) -> User:
    """Create an invited user (no password yet); the caller sends the invitation."""
    email = email.lower()
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(
            _("A user with this e-mail already exists."),
            errors={"email": [_("A user with this e-mail already exists.")]},
        )
    user = User(
        id=uuid.uuid4(),
        email=email,
        name=name,
        password_hash=None,
        status=UserStatus.INVITED,
        locale=locale,
        session_nonce=new_session_nonce(),
    )
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, user: User, data: dict[str, Any]) -> User:
    for field in ("name", "locale"):
        if field in data:
            setattr(user, field, data[field])
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password, activate an invited user and end their other sessions."""
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()
    if user.status == UserStatus.INVITED:
        user.status = UserStatus.ACTIVE


def held_permissions(principal: Principal, user_id: uuid.UUID) -> set[str]:
    """Every permission ``user_id`` holds in any branch or company-wide."""
    authz = principal.authz
    return {
        permission
        for dom in authz.user_domains(user_id)
        for permission in permission_keys()
        if authz.allowed(user_id, policy.branch_of_domain(dom), permission)
    }


def deactivate_user(session: Session, principal: Principal, user: User) -> None:
    """Sign the user out everywhere and revoke their tokens; history stays.

    Nobody can lock out someone with more rights than their own (an admin, an owner),
    nor themselves (they would lose the account they act with mid-way).
    """
    tenant_id = context.current_tenant_id()
    if user.id == principal.user.id:
        raise Conflict(_("You cannot deactivate your own account."))
    if held_permissions(principal, user.id) - principal.permissions_in(None):
        raise Forbidden(_("You cannot deactivate someone with more rights than your own."))
    lock_tenant(session)
    if is_last_owner(session, user.id):
        raise Conflict(_("The last owner of a company cannot be deactivated."))
    user.status = UserStatus.DEACTIVATED
    user.session_nonce = new_session_nonce()
    now = utcnow()
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now
    session.flush()
    policy.bump_policy_version(session, tenant_id)


def is_last_owner(session: Session, user_id: uuid.UUID) -> bool:
    owners = set(
        session.scalars(
            select(RoleAssignment.user_id)
            .join(
                User,
                (User.tenant_id == RoleAssignment.tenant_id) & (User.id == RoleAssignment.user_id),
            )
            .where(
                RoleAssignment.role == "owner",
                RoleAssignment.branch_id.is_(None),
                User.status == UserStatus.ACTIVE,
            )
        )
    )
    return owners == {user_id}
