"""Portal sessions (flask-login): the session id names tenant, user and session nonce."""

from __future__ import annotations

import uuid

from flask import Flask, g
from flask_login import UserMixin

from dala.auth.models import User
from dala.db import get_session
from dala.extensions import login_manager
from dala.tenancy import context
from dala.tenancy.models import USABLE_STATUSES, Tenant
from dala.tenancy.scoping import get_scoped


class SessionUser(UserMixin):
    """The signed-in portal user, as flask-login sees them."""

    def __init__(self, user: User, tenant: Tenant) -> None:
        self.user = user
        self.tenant = tenant

    def get_id(self) -> str:
        return f"{self.tenant.id}:{self.user.id}:{self.user.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.user.is_active


#: ``g`` key of the company of a valid session that may not use Dala now (see below).
INACTIVE_TENANT = "inactive_tenant"


def load_session_user(session_id: str) -> SessionUser | None:
    try:
        tenant_raw, user_raw, nonce = session_id.split(":", 2)
        tenant_id, user_id = uuid.UUID(tenant_raw), uuid.UUID(user_raw)
    except ValueError:
        return None
    db = get_session()
    tenant = db.get(Tenant, tenant_id)
    if tenant is None:
        return None
    context.activate(tenant_id)
    user = get_scoped(db, User, user_id)
    if user is None or user.session_nonce != nonce or not user.is_active:
        context.clear()
        return None
    if tenant.status not in USABLE_STATUSES:
        # Signed out for this request only: the pages say the company is suspended
        # (dala.web.shell) rather than asking to sign in, and the same session works
        # again once the company is reactivated.
        setattr(g, INACTIVE_TENANT, tenant)
        context.clear()
        return None
    from dala.web.branch import activate_portal_branch

    activate_portal_branch(db, tenant_id, user)
    return SessionUser(user, tenant)


def init_sessions(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=app.config["SESSION_COOKIE_SECURE"],
    )
    login_manager.init_app(app)
    login_manager.user_loader(load_session_user)
    login_manager.session_protection = "strong"
