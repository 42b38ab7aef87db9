"""Authenticate every API request except the public ones, and set the tenant context."""

from __future__ import annotations

import uuid

from flask import current_app, g, request
from flask_babel import gettext as _

from dala.auth.guard import Principal
from dala.auth.policy import PolicyStore
from dala.auth.tokens import authenticate_bearer
from dala.db import get_session
from dala.errors import TokenRefused, ValidationFailed
from dala.tenancy import context
from dala.tenancy.access import refuse_unusable
from dala.tenancy.models import Branch
from dala.tenancy.scoping import get_scoped
from dala.work.job_models import Source

API_PREFIX = "/api/v1/"
BRANCH_HEADER = "X-Dala-Branch"


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
    """Where a change comes from: the technician app and the portal say so, else the API."""
    declared = request.headers.get(CLIENT_HEADER, "").strip().lower()
    return {"app": Source.APP, "web": Source.WEB}.get(declared, Source.API)
