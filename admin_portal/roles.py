"""Roles: the permission grid of every role, custom roles made, edited and deleted.

Built-in roles are read-only templates; a custom role is the company's own set of
permissions from the catalogue (core's and the installed modules'). The rules (key
format, no permissions beyond the editor's own, no deleting a role still held) live in
:mod:`dala.auth.roles`, as for the API.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from admin_portal.blueprint import bp
from admin_portal.permission_groups import PermissionGroup, permission_groups
from dala.auth import roles as service
from dala.auth.guard import authorize, current_principal, require
from dala.auth.roles import RoleView
from dala.db import get_session
from dala.errors import DalaError, PreconditionFailed
from dala.web.forms import show_errors, storable, strip

#: What each built-in role is for, shown beside its name (built-ins have no description).
BUILTIN_DESCRIPTIONS: dict[str, object] = {
    "owner": _l("Everything, the company's settings included."),
    "admin": _l("Everything but the company's settings."),
    "branch_admin": _l("Runs a branch: its staff, customers, work catalogue and jobs."),
    "dispatcher": _l("Takes requests, plans and assigns the branch's jobs."),
    "technician": _l("Works the jobs assigned to them."),
    "viewer": _l("Sees the branch's work without changing it."),
}


class RoleForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Give the role a name.")),
            storable,
            Length(max=80, message=_l("At most 80 characters.")),
        ],
        filters=[strip],
        description=_l("As your staff call it, e.g. Senior technician."),
    )
    key = StringField(
        _l("Key"),
        validators=[storable, Length(max=40, message=_l("At most 40 characters."))],
        filters=[strip],
        description=_l(
            "How the API names the role: lower-case letters, digits and _. "
            "Leave it empty to make one from the name. It cannot be changed later."
        ),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[storable, Length(max=500, message=_l("At most 500 characters."))],
        filters=[strip],
        description=_l("What the role is for, so whoever assigns it picks the right one."),
    )
    # The service checks the keys (unknown ones are its 422, as on the API).
    permissions = SelectMultipleField(_l("Permissions"), validate_choice=False)
    # "All in this group" without JavaScript: a group's box ticked or unticked since the
    # page was drawn (``group_all_before``) selects or clears the group.
    group_all = SelectMultipleField(validate_choice=False)
    group_all_before = SelectMultipleField(validate_choice=False)
    version = HiddenField()

    def apply_group_toggles(self, groups: list[PermissionGroup], grantable: set[str]) -> None:
        """Tick or clear the permissions of whole groups (the editor's grantable ones)."""
        chosen = set(self.permissions.data or [])
        now, before = set(self.group_all.data or []), set(self.group_all_before.data or [])
        for group in groups:
            members = set(group.keys) & grantable
            if group.key in now and group.key not in before:
                chosen |= members
            elif group.key in before and group.key not in now:
                chosen -= members
        self.permissions.data = sorted(chosen)

    def data_for_service(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "description": self.description.data or "",
            "permissions": list(self.permissions.data or []),
        }


class DeleteRoleForm(FlaskForm):
    version = HiddenField()


def key_from_name(name: str) -> str:
    """A role key made from its name ("Senior technician" -> "senior_technician"); names
    without Latin letters get a random one."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:40].rstrip("_")
    if key and not key[0].isalpha():
        key = f"role_{key}"[:40].rstrip("_")
    return key if service.ROLE_KEY_RE.fullmatch(key) else f"role_{secrets.token_hex(3)}"


def _render_form(
    form: RoleForm,
    *,
    role: RoleView | None,
    status: int = 200,
    error: str | None = None,
    source: RoleView | None = None,
) -> ResponseReturnValue:
    principal = current_principal()
    may_edit = role is None or principal.can("role:update")
    return (
        render_template(
            "admin/roles_form.html",
            form=form,
            role=role,
            source=source,
            error=error,
            may_edit=may_edit,
            groups=permission_groups(),
            grantable=service.grantable_permissions(principal),
            selected=set(form.permissions.data or []),
        ),
        status,
    )


@bp.route("/roles")
@require("role:read")
def roles() -> ResponseReturnValue:
    """Every role and the permission grid: permissions down, roles across."""
    views = service.list_roles(get_session())
    return render_template(
        "admin/roles.html",
        roles=views,
        held={r.key: set(r.permissions) for r in views},
        groups=permission_groups(),
        descriptions=BUILTIN_DESCRIPTIONS,
    )


@bp.route("/roles/new", methods=["GET", "POST"])
@require("role:create")
def roles_new() -> ResponseReturnValue:
    """A custom role, from scratch or as a copy of another role (``?from=<key>``)."""
    principal = authorize("role:create")
    db = get_session()
    form = RoleForm()
    source = None
    if not form.is_submitted() and request.args.get("from"):
        source = service.get_role(db, request.args["from"])
        # Only what the editor may grant is copied; the page names what was left out.
        form.name.data = _("%(name)s (copy)", name=source.name)[:80]
        form.description.data = source.description or str(BUILTIN_DESCRIPTIONS.get(source.key, ""))
        form.permissions.data = sorted(
            set(source.permissions) & service.grantable_permissions(principal)
        )
    if not form.is_submitted():
        return _render_form(form, role=None, source=source)
    form.apply_group_toggles(permission_groups(), service.grantable_permissions(principal))
    if not form.validate():
        return _render_form(form, role=None, status=422)
    if not form.key.data:
        form.key.data = key_from_name(form.name.data or "")
    try:
        view = service.create_role(db, principal, {**form.data_for_service(), "key": form.key.data})
    except DalaError as exc:
        db.rollback()
        return _render_form(form, role=None, status=exc.status, error=show_errors(form, exc))
    db.commit()
    flash(_("Role %(name)s created.", name=view.name), "success")
    return redirect(url_for("admin.roles_edit", key=view.key))


@bp.route("/roles/<string:key>", methods=["GET", "POST"])
@require("role:read")
def roles_edit(key: str) -> ResponseReturnValue:
    """A role's page: read-only for a built-in role, the editing form for a custom one."""
    db = get_session()
    if request.method == "POST":
        principal = authorize("role:update")
        role = service.get_custom_role(db, key)  # 404, or 409 for a built-in role
        form = RoleForm()
        form.apply_group_toggles(permission_groups(), service.grantable_permissions(principal))
        if not form.validate():
            return _render_form(form, role=service.get_role(db, key), status=422)
        try:
            if form.version.data != str(role.version):
                raise PreconditionFailed(
                    _("Someone changed this role meanwhile; check it and save again.")
                )
            view = service.update_role(db, principal, role, form.data_for_service())
            db.commit()
        except DalaError as exc:
            db.rollback()
            error = show_errors(form, exc)
            current = service.get_role(db, key)
            form.version.data = str(current.version)
            return _render_form(form, role=current, status=exc.status, error=error)
        flash(_("Role %(name)s saved.", name=view.name), "success")
        return redirect(url_for("admin.roles_edit", key=view.key))

    view = service.get_role(db, key)
    if view.builtin:
        return render_template(
            "admin/roles_builtin.html",
            role=view,
            held=set(view.permissions),
            groups=permission_groups(),
            description=BUILTIN_DESCRIPTIONS.get(view.key, ""),
        )
    form = RoleForm(
        data={
            "name": view.name,
            "key": view.key,
            "description": view.description,
            "permissions": view.permissions,
            "version": str(view.version),
        }
    )
    return _render_form(form, role=view)


@bp.route("/roles/<string:key>/delete", methods=["GET", "POST"])
@require("role:delete")
def roles_delete(key: str) -> ResponseReturnValue:
    """Asks before deleting a custom role; the service refuses one still assigned."""
    principal = authorize("role:delete")
    db = get_session()
    role = service.get_custom_role(db, key)  # 404, or 409 for a built-in role
    view = service.get_role(db, key)
    form = DeleteRoleForm()
    error, status = None, 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            if form.version.data and form.version.data != str(role.version):
                raise PreconditionFailed(
                    _("Someone changed this role meanwhile; check it before deleting it.")
                )
            service.delete_role(db, principal, role)
            db.commit()
        except DalaError as exc:
            db.rollback()
            error, status = exc.message, exc.status
            view = service.get_role(db, key)
        else:
            flash(_("Role %(name)s deleted.", name=view.name), "success")
            return redirect(url_for("admin.roles"))
    form.version.data = str(view.version)
    return (
        render_template("admin/roles_delete.html", role=view, form=form, error=error),
        status,
    )
