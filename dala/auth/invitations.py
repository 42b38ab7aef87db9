"""Inviting people: the account, its first roles and the e-mail, one action for API and portal.

The e-mail is queued in the caller's transaction and goes out when it commits,
so a failed invitation (a role the inviter may not grant) sends nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.auth.directory import authorize_on_user
from dala.auth.guard import Principal
from dala.auth.models import ActionToken, TokenPurpose, User, UserStatus
from dala.auth.reset import send_invitation
from dala.auth.roles import assign_role
from dala.auth.users import invite_user
from dala.db import utcnow
from dala.errors import Conflict


@dataclass(frozen=True)
class Grant:
    """A role to give the invited person, in a branch or (``branch_id`` None) company-wide."""

    role: str
    branch_id: uuid.UUID | None


@dataclass(frozen=True)
class InvitationState:
    """The newest invitation of a user: when it was sent, until when its link works."""

    sent_at: datetime | None
    expires_at: datetime | None
    #: Not accepted yet, and the link still works.
    pending: bool


def invite(
    session: Session,
    principal: Principal,
    *,
    email: str,
    name: str,
    locale: str | None,
    grants: Iterable[Grant] = (),
) -> User:
    """Create an invited user with ``grants`` (each within the inviter's own rights) and
    queue the invitation e-mail; the caller commits."""
    user = invite_user(session, email=email, name=name, locale=locale)
    for grant in grants:
        assign_role(
            session, principal, user_id=user.id, role_key=grant.role, branch_id=grant.branch_id
        )
    send_invitation(session, user, principal.tenant, principal.user)
    return user


def resend_invitation(session: Session, user: User) -> Principal:
    """Send a new invitation link (the earlier one stops working) to someone who has not
    accepted yet; the inviter needs ``user:invite`` where the person works."""
    principal = authorize_on_user(session, "user:invite", user)
    if user.status == UserStatus.DEACTIVATED:
        raise Conflict(_("The user is deactivated."))
    if user.status != UserStatus.INVITED:
        raise Conflict(_("The user has accepted the invitation already."))
    send_invitation(session, user, principal.tenant, principal.user)
    return principal


def invitation_state(session: Session, user: User) -> InvitationState:
    newest = session.scalar(
        select(ActionToken)
        .where(ActionToken.user_id == user.id, ActionToken.purpose == TokenPurpose.INVITE)
        .order_by(ActionToken.created_at.desc())
        .limit(1)
    )
    if newest is None:
        return InvitationState(None, None, False)
    pending = (
        user.status == UserStatus.INVITED
        and newest.used_at is None
        and newest.expires_at > utcnow()
    )
    return InvitationState(newest.created_at, newest.expires_at, pending)
