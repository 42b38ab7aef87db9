"""Which of the company's people a user may see and act on: the user list and its rule.

A permission on users held company-wide covers everyone. Held in some branches
only (a branch administrator, a dispatcher), it covers the people who hold a
role in one of those branches; people with only company-wide roles (owners,
administrators) or no role yet are outside a branch's view, as their role
assignments are (:func:`dala.auth.roles.visible_assignments`). The API's
``/users`` and the admin portal's user pages both ask here.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from dala.auth.guard import AllBranches, Principal, current_principal, permitted_branches
from dala.auth.models import RoleAssignment, User, UserStatus
from dala.auth.roles import visible_assignments
from dala.auth.users import get_user
from dala.errors import Forbidden


def users_query(
    *,
    q: str | None = None,
    status: UserStatus | str | None = None,
    role: str | None = None,
    branch_id: uuid.UUID | None = None,
) -> Select[Any]:
    """The users the current user may see (``user:read``), by name, filtered.

    ``q`` is part of the name or e-mail; ``role`` and ``branch_id`` filter by
    the role assignments the current user may see, and need the right to see them.
    """
    query = select(User).order_by(User.name, User.id)
    visible = permitted_branches("user:read")
    if not isinstance(visible, AllBranches):
        members = select(RoleAssignment.user_id).where(RoleAssignment.branch_id.in_(visible))
        query = query.where(User.id.in_(members))
    if q:
        needle = q.lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            )
        )
    if status:
        query = query.where(User.status == status)
    if role is not None or branch_id is not None:
        holders = visible_assignments(role=role, branch_id=branch_id).with_only_columns(
            RoleAssignment.user_id
        )
        query = query.where(User.id.in_(holders))
    return query


def may_act_on(session: Session, principal: Principal, permission: str, user: User) -> bool:
    """Whether ``principal`` holds ``permission`` company-wide or in a branch ``user`` works in."""
    if principal.can(permission, None):
        return True
    branches = session.scalars(
        select(RoleAssignment.branch_id).where(
            RoleAssignment.user_id == user.id, RoleAssignment.branch_id.is_not(None)
        )
    )
    return any(principal.can(permission, branch_id) for branch_id in set(branches))


def authorize_on_user(session: Session, permission: str, user: User) -> Principal:
    """Raise :class:`Forbidden` unless the current user may take ``permission`` on ``user``."""
    principal = current_principal()
    if not may_act_on(session, principal, permission, user):
        raise Forbidden(_("Your role does not allow this action."))
    return principal


def get_visible_user(session: Session, user_id: uuid.UUID) -> User:
    """A user of the company the current user may see; 404 for another company's id."""
    user = get_user(session, user_id)
    authorize_on_user(session, "user:read", user)
    return user
