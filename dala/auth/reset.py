"""Password reset and invitation by e-mailed single-use tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dala.auth.models import ActionToken, TokenPurpose, User, UserStatus
from dala.auth.secrets import digest, digest_matches, make_token, parse_token
from dala.auth.users import set_password
from dala.db import utcnow
from dala.errors import ValidationFailed
from dala.mail import queue_mail
from dala.tenancy import context
from dala.tenancy.models import USABLE_STATUSES, Tenant


def _invalid_link() -> str:
    # A literal inside _() so that `make i18n-extract` finds it.
    return _("This link is invalid or has expired.")


def _issue(session: Session, user: User, purpose: TokenPurpose, ttl: timedelta) -> str:
    now = utcnow()
    # A new link replaces any earlier unused one of the same purpose.
    session.execute(
        update(ActionToken)
        .where(
            ActionToken.user_id == user.id,
            ActionToken.purpose == purpose,
            ActionToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token_id = uuid.uuid4()
    bearer, secret = make_token(user.tenant_id, token_id)
    session.add(
        ActionToken(
            id=token_id,
            user_id=user.id,
            purpose=purpose,
            secret_hash=digest(secret),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return bearer


def _link(path: str, token: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}{path}?token={token}"


def request_password_reset(session: Session, tenant_slug: str, email: str) -> None:
    """E-mail a reset link if the account exists; the caller answers the same either way."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == tenant_slug.lower()))
    if tenant is None or tenant.status not in USABLE_STATUSES:
        return
    with context.tenant_scope(tenant.id):
        user = session.scalar(select(User).where(User.email == email.lower()))
        if user is None or user.status == UserStatus.DEACTIVATED:
            return
        ttl = timedelta(minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"])
        token = _issue(session, user, TokenPurpose.PASSWORD_RESET, ttl)
        with force_locale(user.locale or "en"):
            subject = _("Reset your Dala password")
            body = _(
                "Someone asked to reset the password of your account at %(company)s.\n\n"
                "Open this link within %(minutes)s minutes to choose a new password:\n%(link)s\n\n"
                "If it was not you, ignore this message; your password stays as it is.",
                company=tenant.name,
                minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"],
                link=_link("/reset-password", token),
            )
        queue_mail(session, user.email, subject, body)
        session.commit()


def send_invitation(session: Session, user: User, tenant: Tenant, inviter: User) -> None:
    """Queue an invitation e-mail (sent when the caller commits) to choose a password."""
    ttl = timedelta(hours=current_app.config["INVITE_TTL_HOURS"])
    token = _issue(session, user, TokenPurpose.INVITE, ttl)
    with force_locale(user.locale or "en"):
        subject = _("You are invited to %(company)s on Dala", company=tenant.name)
        body = _(
            "%(inviter)s invited you to join %(company)s on Dala.\n\n"
            "Open this link within %(hours)s hours to choose your password:\n%(link)s\n",
            inviter=inviter.name,
            company=tenant.name,
            hours=current_app.config["INVITE_TTL_HOURS"],
            link=_link("/reset-password", token),
        )
    queue_mail(session, user.email, subject, body)


def _usable_link(session: Session, token: str, *, lock: bool) -> tuple[ActionToken, User] | None:
    """The unused, unexpired action token and its user, activating the token's tenant."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    tenant_id, token_id, secret = parsed
    context.activate(tenant_id)
    query = select(ActionToken).where(ActionToken.id == token_id)
    action = session.scalar(query.with_for_update() if lock else query)
    if (
        action is None
        or not digest_matches(action.secret_hash, secret)
        or action.used_at is not None
        or action.expires_at <= utcnow()
    ):
        return None
    user = session.scalar(select(User).where(User.id == action.user_id))
    if user is None or user.status == UserStatus.DEACTIVATED:
        return None
    tenant = session.get(Tenant, tenant_id)
    if tenant is None or tenant.status not in USABLE_STATUSES:
        return None
    return action, user


def link_purpose(session: Session, token: str) -> TokenPurpose | None:
    """What an e-mailed link is for while it can still be used, else None; changes nothing."""
    found = _usable_link(session, token, lock=False)
    return found[0].purpose if found else None


def confirm_password(session: Session, token: str, password: str) -> User:
    """Use a reset or invitation token once to set the password."""
    found = _usable_link(session, token, lock=True)
    if found is None:
        raise ValidationFailed(_invalid_link(), errors={"token": [_invalid_link()]})
    action, user = found
    action.used_at = utcnow()
    set_password(user, password)
    session.flush()
    return user
