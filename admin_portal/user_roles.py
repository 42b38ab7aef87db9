"""Roles on the user page: giving one in a branch (or all) and removing one.

The rules are :mod:`dala.auth.roles`' (``assign_role``, ``unassign_role``): within
the admin's own rights and branches, and a company keeps its last owner.
Removal answers htmx with the row (gone, or with the reason it stays), and a
plain form POST with the page.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from admin_portal.blueprint import bp
from admin_portal.user_forms import RemoveRoleForm, RoleForm
from admin_portal.user_page import held_role, may_offer_roles, render_user_page
from dala.auth.directory import get_visible_user
from dala.auth.guard import current_principal, require
from dala.auth.roles import assign_role, get_assignment, unassign_role
from dala.db import get_session
from dala.errors import DalaError, NotFound
from dala.web.forms import show_errors


@bp.route("/users/<uuid:user_id>/roles", methods=["POST"])
@require("role_assignment:create")
def users_add_role(user_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    user = get_visible_user(db, user_id)
    form = RoleForm(may_offer_roles(user))
    if not form.validate_on_submit():
        return render_user_page(user, role_form=form, status=422)
    grant = form.grant()
    try:
        assign_role(
            db, current_principal(), user_id=user.id, role_key=grant.role, branch_id=grant.branch_id
        )
        db.commit()
    except DalaError as exc:
        db.rollback()
        error = show_errors(form, exc)
        return render_user_page(
            get_visible_user(db, user_id), role_form=form, error=error, status=exc.status
        )
    flash(_("Role given to %(name)s.", name=user.name), "success")
    return redirect(url_for("admin.users_detail", user_id=user.id))


@bp.route("/users/<uuid:user_id>/roles/remove", methods=["POST"])
@require("role_assignment:delete")
def users_remove_role(user_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    user = get_visible_user(db, user_id)
    form = RemoveRoleForm()
    if not form.validate_on_submit():
        return render_user_page(user, error=" ".join(form.assignment.errors), status=422)
    assignment = get_assignment(db, uuid.UUID(form.assignment.data))
    if assignment.user_id != user.id:
        raise NotFound(_("Role assignment not found."))
    htmx = request.headers.get("HX-Request") == "true"
    row = held_role(assignment.id)
    try:
        unassign_role(db, current_principal(), assignment)
        db.commit()
    except DalaError as exc:
        db.rollback()
        if htmx:
            # htmx swaps only 2xx answers: the row stays, with the reason next to it.
            return render_template(
                "admin/users_role_row.html", held=row, user=user, remove_error=exc.message
            )
        return render_user_page(get_visible_user(db, user_id), error=exc.message, status=exc.status)
    if htmx:
        return ""  # the row disappears
    flash(_("Role removed from %(name)s.", name=user.name), "success")
    return redirect(url_for("admin.users_detail", user_id=user.id))
