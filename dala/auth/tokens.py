"""API bearer tokens: issued once, stored hashed, expiring and revocable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from dala.auth.models import ApiToken, User
from dala.auth.secrets import digest, digest_matches, make_token, parse_token
from dala.db import utcnow
from dala.errors import Forbidden, NotFound, TokenRefused, ValidationFailed
from dala.tenancy import context
from dala.tenancy.models import Tenant
from dala.tenancy.scoping import get_scoped

if TYPE_CHECKING:
    from dala.auth.guard import Principal

# last_used_at is refreshed at most this often, so reads do not all become writes.
_LAST_USED_RESOLUTION = timedelta(minutes=1)

# Built once rather than on every API request (constructing it cost ~0.15 ms a call); the
# tenant filter is still added per execution by dala.tenancy.scoping, and RLS still applies.
_TOKEN_ROW = (
    select(ApiToken, User, Tenant)
    .join(User, (User.tenant_id == ApiToken.tenant_id) & (User.id == ApiToken.user_id))
    .join(Tenant, Tenant.id == ApiToken.tenant_id)
    .where(ApiToken.id == bindparam("token_id"))
)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the full bearer token; shown once, never stored


def issue_token(
    session: Session, user: User, *, name: str, expires_at: datetime | None = None
) -> IssuedToken:
    now = utcnow()
    cfg = current_app.config
    if expires_at is None:
        expires_at = now + timedelta(days=cfg["TOKEN_TTL_DAYS"])
    if expires_at <= now:
        raise ValidationFailed(
            _("The expiry must be in the future."),
            errors={"expires_at": [_("The expiry must be in the future.")]},
        )
    if expires_at > now + timedelta(days=cfg["TOKEN_MAX_TTL_DAYS"]):
        raise ValidationFailed(
            _("Tokens can live at most %(days)s days.", days=cfg["TOKEN_MAX_TTL_DAYS"]),
            errors={"expires_at": [_("Too far in the future.")]},
        )
    token_id = uuid.uuid4()
    bearer, secret = make_token(user.tenant_id, token_id)
    token = ApiToken(
        id=token_id,
        user_id=user.id,
        name=name,
        secret_hash=digest(secret),
        hint=f"…{bearer[-6:]}",
        created_at=now,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, bearer)


def _invalid() -> TokenRefused:
    return TokenRefused(_("Invalid or expired token."), TokenRefused.INVALID)


def authenticate_bearer(session: Session, bearer: str) -> tuple[ApiToken, User, Tenant]:
    """Resolve a bearer token, activating its tenant; raises :class:`TokenRefused`.

    Why a token is refused is told only to whoever holds its secret: without it, every
    refusal is the same ``invalid``, so nobody learns about tokens they do not own.
    """
    parsed = parse_token(bearer)
    if parsed is None:
        raise _invalid()
    tenant_id, token_id, secret = parsed
    context.activate(tenant_id)
    row = session.execute(_TOKEN_ROW, {"token_id": token_id}).one_or_none()
    now = utcnow()
    if row is None:
        raise _invalid()
    token, user, tenant = row
    if not digest_matches(token.secret_hash, secret):
        raise _invalid()
    # Revoked wins over expired: someone ended this sign-in on purpose (a lost phone, a
    # person who left), so a client must drop what it holds, whatever the date says.
    if token.revoked_at is not None or not user.is_active:
        raise TokenRefused(
            _("This token was revoked or its user deactivated."), TokenRefused.REVOKED
        )
    if token.expires_at <= now:
        raise TokenRefused(_("This token has expired; sign in again."), TokenRefused.EXPIRED)
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token, user, tenant


def get_token(session: Session, token_id: uuid.UUID) -> ApiToken:
    token = get_scoped(session, ApiToken, token_id)
    if token is None:
        raise NotFound(_("Token not found."))
    return token


def visible_token(session: Session, principal: Principal, token_id: uuid.UUID) -> ApiToken:
    """The token if it is the principal's own or they may manage everyone's (else 404, so
    nobody learns of another user's token)."""
    token = get_token(session, token_id)
    if token.user_id != principal.user.id and not principal.can("token:manage"):
        raise NotFound(_("Token not found."))
    return token


def visible_tokens(
    principal: Principal,
    *,
    user_id: uuid.UUID | None = None,
    everyone: bool = False,
    active: bool | None = None,
) -> Select[ApiToken]:
    """Tokens newest first: the principal's own, or ``user_id``'s or ``everyone``'s in the
    company (both with token:manage); ``active`` keeps only live (True) or dead (False) ones."""
    others = everyone or (user_id is not None and user_id != principal.user.id)
    if others and not principal.can("token:manage"):
        raise Forbidden(_("Your role does not allow this action."))
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id)
    if not everyone:
        query = query.where(ApiToken.user_id == (user_id or principal.user.id))
    now = utcnow()
    if active is True:
        query = query.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    elif active is False:
        query = query.where((ApiToken.revoked_at.is_not(None)) | (ApiToken.expires_at <= now))
    return query


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
