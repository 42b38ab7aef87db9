"""The branch a portal session works in: chosen with the branch switch, kept in the session.

Portal pages run in one branch at a time, like an API request with
``X-Dala-Branch``: permissions are checked there, a module's pages and menu
items exist only where the module is on, and the branch's language is the
default. Without a choice the user's first branch is used (their home branch,
else the company's oldest).
"""

from __future__ import annotations

import uuid

from flask import g, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.auth.models import RoleAssignment, User
from dala.tenancy import context
from dala.tenancy.models import Branch
from dala.tenancy.scoping import get_scoped

#: Session key of the branch chosen with the branch switch.
BRANCH_SESSION_KEY = "branch"


def selectable_branches(db: Session, user_id: uuid.UUID) -> list[Branch]:
    """The branches the user may switch to: all with a company-wide role, else their own."""
    branch_ids = list(
        db.scalars(select(RoleAssignment.branch_id).where(RoleAssignment.user_id == user_id))
    )
    query = select(Branch).order_by(Branch.name)
    if None not in branch_ids:
        query = query.where(Branch.id.in_(branch_ids))
    return list(db.scalars(query))


def _default_branch(db: Session, user_id: uuid.UUID) -> Branch | None:
    own = db.scalar(
        select(Branch)
        .join(
            RoleAssignment,
            (RoleAssignment.tenant_id == Branch.tenant_id)
            & (RoleAssignment.branch_id == Branch.id),
        )
        .where(RoleAssignment.user_id == user_id)
        .order_by(Branch.created_at, Branch.name)
        .limit(1)
    )
    if own is not None:
        return own
    return db.scalar(select(Branch).order_by(Branch.created_at, Branch.name).limit(1))


def activate_portal_branch(db: Session, tenant_id: uuid.UUID, user: User) -> Branch | None:
    """Make the session's branch the request's (the tenant context is set already)."""
    branch = None
    raw = session.get(BRANCH_SESSION_KEY)
    if isinstance(raw, str):
        try:
            branch = get_scoped(db, Branch, uuid.UUID(raw))
        except ValueError:
            branch = None
    if branch is None:
        branch = _default_branch(db, user.id)
        if branch is not None:
            session[BRANCH_SESSION_KEY] = str(branch.id)
    if branch is not None:
        context.activate(tenant_id, branch.id)
        g.branch_locale = branch.locale
        g.portal_branch = branch
    return branch


def choose_branch(db: Session, user_id: uuid.UUID, branch_id: uuid.UUID) -> Branch | None:
    """Switch the session to ``branch_id`` if the user may work there; the branch, or None."""
    for branch in selectable_branches(db, user_id):
        if branch.id == branch_id:
            session[BRANCH_SESSION_KEY] = str(branch.id)
            return branch
    return None


def portal_branch() -> Branch | None:
    """The branch this portal request works in (None outside a signed-in page)."""
    branch: Branch | None = g.get("portal_branch")
    return branch
