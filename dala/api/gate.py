"""Authenticate every API request except the public ones, and set the tenant context."""

from __future__ import annotations

import uuid

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import ValidationError as CsrfInvalid
from flask_wtf.csrf import validate_csrf

from dala.auth.guard import Principal
from dala.auth.policy import PolicyStore
from dala.auth.sessions import INACTIVE_TENANT
from dala.auth.tokens import authenticate_bearer
from dala.db import get_session
from dala.errors import Forbidden, TokenRefused, ValidationFailed
from dala.tenancy import context
from dala.tenancy.access import refuse_unusable
from dala.tenancy.models import Branch
from dala.tenancy.scoping import get_scoped
from dala.work.job_models import Source

API_PREFIX = "/api/v1/"
BRANCH_HEADER = "X-Dala-Branch"
CSRF_HEADER = "X-CSRFToken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_public(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    view_class = getattr(view, "view_class", None)
    return bool(getattr(view_class, "public", False) or getattr(view, "public", False))


def authenticate_api_request() -> None:
    if not request.path.startswith(API_PREFIX) or request.endpoint is None:
        return
    if is_public(request.endpoint) or request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    # A bearer token always wins; the portal's cookie counts only when none is sent.
    if not header and _authenticate_portal_session():
        return
    scheme, _sep, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise TokenRefused(
            _("Send an API token as 'Authorization: Bearer <token>'."),
            TokenRefused.MISSING,
            headers={"WWW-Authenticate": 'Bearer realm="dala"'},
        )
    session = get_session()
    try:
        token, user, tenant = authenticate_bearer(session, credentials.strip())
    except TokenRefused as exc:
        exc.headers = {"WWW-Authenticate": 'Bearer realm="dala", error="invalid_token"'}
        raise
    if session.dirty:  # last_used_at moved: keep it even if the request only reads
        session.commit()
    refuse_unusable(tenant)
    _selected_branch(tenant.id)
    store: PolicyStore = current_app.extensions["dala.policy"]
    g.principal = Principal(
        user=user, tenant=tenant, authz=store.policy(session, tenant), token=token
    )


def _authenticate_portal_session() -> bool:
    """Let the portal's own scripts call the API as the signed-in user (same origin).

    The cookie goes with every request a browser makes, including ones another
    site makes it send, so a change needs the page's CSRF token as well.
    """
    if not current_user.is_authenticated:  # loads the session user, if any
        inactive = g.get(INACTIVE_TENANT)
        if inactive is not None:
            refuse_unusable(inactive)
        return False
    if request.method not in SAFE_METHODS:
        try:
            validate_csrf(request.headers.get(CSRF_HEADER, ""))
        except CsrfInvalid:
            message = _(
                "Send the page's CSRF token in %(header)s to change data with a portal session.",
                header=CSRF_HEADER,
            )
            raise Forbidden(message, errors={"headers": {CSRF_HEADER: [message]}}) from None
    user, tenant = current_user.user, current_user.tenant
    # As with a token, the branch is the one the request names, not the page's branch.
    context.activate(tenant.id)
    g.pop("portal_branch", None)
    _selected_branch(tenant.id)
    store: PolicyStore = current_app.extensions["dala.policy"]
    g.principal = Principal(user=user, tenant=tenant, authz=store.policy(get_session(), tenant))
    return True


def _selected_branch(tenant_id: uuid.UUID) -> uuid.UUID | None:
    raw = request.headers.get(BRANCH_HEADER)
    if not raw:
        return None
    invalid = ValidationFailed(
        _("Unknown branch in %(header)s.", header=BRANCH_HEADER),
        errors={"headers": {BRANCH_HEADER: [_("Unknown branch.")]}},
    )
    try:
        branch_id = uuid.UUID(raw)
    except ValueError:
        raise invalid from None
    branch = get_scoped(get_session(), Branch, branch_id)
    if branch is None:
        raise invalid
    g.branch_locale = branch.locale
    context.activate(tenant_id, branch_id)
    return branch_id


CLIENT_HEADER = "X-Dala-Client"


def request_source() -> Source:
    """Where a change comes from: the technician app and the portal say so, else the API;
    a portal session (no token) is the portal."""
    principal = g.get("principal")
    if principal is not None and principal.token is None:
        return Source.WEB
    declared = request.headers.get(CLIENT_HEADER, "").strip().lower()
    return {"app": Source.APP, "web": Source.WEB}.get(declared, Source.API)
