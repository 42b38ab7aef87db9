"""The user page of the users section: what it shows and which actions it offers.

Shared by the views that answer on it (the page itself, adding or removing a
role, resending the invitation), so a refused action shows the same page with
the message where it belongs.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import select

from admin_portal.user_forms import STATUS_LABELS, ConfirmForm, RoleForm
from dala.auth.directory import may_act_on
from dala.auth.grantable import GrantOptions, grant_options
from dala.auth.guard import current_principal, permitted_branches
from dala.auth.invitations import invitation_state
from dala.auth.models import RoleAssignment, User, UserStatus
from dala.auth.roles import visible_assignments
from dala.db import get_session
from dala.tenancy import context
from dala.web.services import HeldRole, held_roles


def visible_roles(users: list[User]) -> dict[Any, list[HeldRole]] | None:
    """The role assignments of ``users`` the current user may see, by user id, in one
    query; None when they may see none (``role_assignment:read``)."""
    if not permitted_branches("role_assignment:read"):
        return None
    if not users:
        return {}
    query = visible_assignments().where(RoleAssignment.user_id.in_([u.id for u in users]))
    return held_roles(get_session(), query)


def may_offer_roles(user: User) -> GrantOptions:
    """What the add-role form offers (nothing for a deactivated user)."""
    if user.status == UserStatus.DEACTIVATED:
        return GrantOptions()
    return grant_options(get_session(), current_principal())


def render_user_page(
    user: User,
    *,
    role_form: RoleForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    db = get_session()
    principal = current_principal()
    options = may_offer_roles(user)
    if role_form is None and options.any:
        role_form = RoleForm(options, formdata=None)
        role_form.preselect(context.current_branch_id())
    roles = visible_roles([user])
    invited = user.status == UserStatus.INVITED
    page = render_template(
        "admin/users_detail.html",
        user=user,
        status_label=STATUS_LABELS[user.status.value],
        roles=None if roles is None else roles.get(user.id, []),
        role_form=role_form if options.any else None,
        confirm=ConfirmForm(formdata=None),
        invitation=invitation_state(db, user) if invited else None,
        may_edit=principal.can("user:update", None),
        may_deactivate=(
            principal.can("user:deactivate", None)
            and user.status != UserStatus.DEACTIVATED
            and user.id != principal.user.id
        ),
        may_resend=invited and may_act_on(db, principal, "user:invite", user),
        is_self=user.id == principal.user.id,
        error=error,
    )
    return page, status


def held_role(assignment_id: Any) -> HeldRole | None:
    """One assignment as the page's role row shows it."""
    found = held_roles(
        get_session(), select(RoleAssignment).where(RoleAssignment.id == assignment_id)
    )
    return next((h for held in found.values() for h in held), None)
