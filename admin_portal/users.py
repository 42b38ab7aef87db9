"""Users: the list, inviting someone, their page, editing, deactivating, a new invitation.

Every action calls the service the REST API's ``/users`` calls, with its rules;
which people a branch administrator sees is :mod:`dala.auth.directory`'s rule.
Adding and removing roles on the user page live in :mod:`admin_portal.user_roles`.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from admin_portal import user_roles  # noqa: F401  (registers the role views)
from admin_portal.blueprint import bp
from admin_portal.user_forms import (
    STATUS_LABELS,
    ConfirmForm,
    InviteForm,
    ProfileForm,
    UserFilterForm,
)
from admin_portal.user_page import render_user_page, visible_roles
from dala.auth.directory import get_visible_user, may_act_on, users_query
from dala.auth.grantable import grant_options
from dala.auth.guard import authorize, current_principal, permitted_branches, require
from dala.auth.invitations import invite, resend_invitation
from dala.auth.roles import list_roles
from dala.auth.users import deactivate_user, update_user
from dala.db import get_session
from dala.errors import DalaError, PreconditionFailed
from dala.tenancy import context
from dala.web.branch import portal_branch
from dala.web.forms import show_errors
from dala.web.pages import PAGE_SIZE, paged


@bp.route("/users")
@require("user:read")
def users() -> ResponseReturnValue:
    db = get_session()
    may_see_roles = bool(permitted_branches("role_assignment:read"))
    form = UserFilterForm(request.args, roles=list_roles(db) if may_see_roles else [])
    status = 200
    if form.validate():
        query = users_query(
            q=form.q.data or None,
            status=form.status.data or None,
            role=(form.role.data or None) if "role" in form else None,
        )
        listing = paged(query)
    else:
        # Bad filters show their messages and no people, rather than everyone.
        listing = {"items": [], "page": 1, "page_size": PAGE_SIZE, "total": 0}
        status = 422
    return (
        render_template(
            "admin/users.html",
            form=form,
            listing=listing,
            roles=visible_roles(listing["items"]),
            status_labels=STATUS_LABELS,
        ),
        status,
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@require("user:invite")
def users_invite() -> ResponseReturnValue:
    db = get_session()
    principal = current_principal()
    form = InviteForm(grant_options(db, principal))
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = invite(
                db,
                principal,
                email=form.email.data,
                name=form.name.data,
                locale=form.locale.data or None,
                grants=form.grants(),
            )
        except DalaError as exc:
            db.rollback()
            error, status = show_errors(form, exc), exc.status
        else:
            db.commit()  # the invitation e-mail goes out now
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            if may_act_on(db, principal, "user:read", user):
                return redirect(url_for("admin.users_detail", user_id=user.id))
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 422
    else:
        branch = portal_branch()
        form.locale.data = branch.locale if branch is not None else ""
        if "role" in form:
            form.preselect(context.current_branch_id())
    return render_template("admin/users_invite.html", form=form, error=error), status


@bp.route("/users/<uuid:user_id>")
@require("user:read")
def users_detail(user_id: uuid.UUID) -> ResponseReturnValue:
    return render_user_page(get_visible_user(get_session(), user_id))


@bp.route("/users/<uuid:user_id>/edit", methods=["GET", "POST"])
@require("user:update")
def users_edit(user_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    user = get_visible_user(db, user_id)
    authorize("user:update")  # company-wide, as the API's PATCH /users/<id>
    form = ProfileForm(obj=user if request.method == "GET" else None)
    error, status = None, 200
    if request.method == "GET":
        form.locale.data = user.locale or ""
        form.version.data = str(user.version)
    elif form.validate_on_submit():
        try:
            if form.version.data != str(user.version):
                raise PreconditionFailed(
                    _("Someone changed this user meanwhile; check the page and save again.")
                )
            update_user(db, user, {"name": form.name.data, "locale": form.locale.data or None})
            db.commit()
        except DalaError as exc:
            db.rollback()
            user = get_visible_user(db, user_id)
            error, status = show_errors(form, exc), exc.status
            form.version.data = str(user.version)
        else:
            flash(_("%(name)s saved.", name=user.name), "success")
            return redirect(url_for("admin.users_detail", user_id=user.id))
    else:
        status = 422
    return render_template("admin/users_edit.html", form=form, user=user, error=error), status


@bp.route("/users/<uuid:user_id>/deactivate", methods=["GET", "POST"])
@require("user:deactivate")
def users_deactivate(user_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    user = get_visible_user(db, user_id)
    principal = authorize("user:deactivate")  # company-wide, as the API's DELETE /users/<id>
    form = ConfirmForm()  # its CSRF token, checked for every POST (CSRFProtect)
    error, status = None, 200
    if request.method == "POST":
        try:
            deactivate_user(db, principal, user)
            db.commit()
        except DalaError as exc:
            db.rollback()
            user = get_visible_user(db, user_id)
            error, status = exc.message, exc.status
        else:
            flash(_("%(name)s is deactivated.", name=user.name), "success")
            return redirect(url_for("admin.users_detail", user_id=user.id))
    return (
        render_template("admin/users_deactivate.html", form=form, user=user, error=error),
        status,
    )


@bp.route("/users/<uuid:user_id>/invitation", methods=["POST"])
@require("user:invite")
def users_resend(user_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    user = get_visible_user(db, user_id)
    try:
        resend_invitation(db, user)
        db.commit()  # the e-mail goes out now
    except DalaError as exc:
        db.rollback()
        return render_user_page(get_visible_user(db, user_id), error=exc.message, status=exc.status)
    flash(_("A new invitation was sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.users_detail", user_id=user.id))
