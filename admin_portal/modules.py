"""Modules: which are on for the company or a branch, switching them, and their settings.

Every change goes through ``dala.modules.enablement.set_state`` with the same
scope rule as ``PATCH /api/v1/modules/{name}`` (``dala.modules.access``): its
refusals (a dependency off, a module on that needs this one, a level that does
not fit the scope) are shown on the module's card, never as a generic error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from admin_portal import module_forms
from admin_portal.blueprint import bp
from dala.auth.guard import current_principal, in_permitted_branches, require
from dala.db import get_session
from dala.errors import DalaError, NotFound, PreconditionFailed
from dala.modules import enablement
from dala.modules.access import authorize_scope
from dala.modules.enablement import Resolved
from dala.modules.host import hooks
from dala.modules.manifest import Layer, Manifest
from dala.tenancy import services
from dala.tenancy.models import Branch
from dala.web.branch import portal_branch

#: The scope's key in addresses for the whole company (a branch's is its id).
COMPANY = "company"


@dataclass(frozen=True)
class Scope:
    """Where modules are shown and switched: one branch, or the whole company."""

    branch: Branch | None

    @property
    def branch_id(self) -> uuid.UUID | None:
        return self.branch.id if self.branch is not None else None

    @property
    def key(self) -> str:
        return str(self.branch.id) if self.branch is not None else COMPANY

    @property
    def here(self) -> str:
        """The ``source`` value of what is set at this scope itself."""
        return "branch" if self.branch is not None else "company"

    @property
    def name(self) -> str:
        return self.branch.name if self.branch is not None else _("Whole company")


@dataclass
class ModuleCard:
    """A module as its card shows it at one scope."""

    state: Resolved
    inherited: Resolved  # what the scope falls back to when it stops deciding itself
    scope: Scope
    may_manage: bool
    needs: list[str]
    needed_by: list[str]
    error: str | None = None
    notice: str | None = None
    settings_here: int = field(init=False)

    def __post_init__(self) -> None:
        here = self.scope.here
        self.settings_here = sum(1 for s in self.state.setting_sources.values() if s == here)

    @property
    def manifest(self) -> Manifest:
        return self.state.manifest

    @property
    def essential(self) -> bool:
        return self.manifest.layer == Layer.ESSENTIAL

    @property
    def at_this_scope(self) -> bool:
        """Whether the module's level lets it be switched and set at this scope."""
        return enablement.allows_scope(self.manifest, self.scope.branch_id)

    @property
    def switchable(self) -> bool:
        return self.at_this_scope and not self.essential and self.may_manage

    @property
    def can_follow(self) -> bool:
        """The scope decides itself and may go back to what the wider scope says."""
        return self.switchable and self.state.source == self.scope.here


def _manifests() -> dict[str, Manifest]:
    return hooks(current_app).manifests


def _scope(raw: str | None) -> Scope:
    """The scope named in the address (None: the branch the portal works in), after the
    read check: another company's branch is a 404, a branch the user may not see a 403."""
    if raw is None:
        branch = portal_branch()
        authorize_scope("module:read", branch.id if branch is not None else None)
        return Scope(branch)
    if raw == COMPANY:
        authorize_scope("module:read", None)
        return Scope(None)
    try:
        branch_id = uuid.UUID(raw)
    except ValueError:
        raise NotFound(_("Branch not found.")) from None
    authorize_scope("module:read", branch_id)
    return Scope(services.get_branch(get_session(), branch_id))


def _module(name: str) -> Manifest:
    manifest = _manifests().get(name)
    if manifest is None:
        raise NotFound(_("Module not found."))
    return manifest


def _cards(scope: Scope, only: str | None = None) -> list[ModuleCard]:
    """The modules' cards at ``scope``, by label (or just ``only``'s), in two queries."""
    manifests = _manifests()
    db = get_session()
    states = enablement.resolve_all(db, manifests, scope.branch_id)
    inherited = enablement.inherited_states(db, manifests, scope.branch_id)
    may_manage = current_principal().can("module:manage", scope.branch_id)

    def label(name: str) -> str:
        return str(manifests[name].label) if name in manifests else name

    cards = [
        ModuleCard(
            state=states[name],
            inherited=inherited[name],
            scope=scope,
            may_manage=may_manage,
            needs=[label(d) for d in manifest.depends],
            needed_by=sorted(label(n) for n, m in manifests.items() if name in m.depends),
        )
        for name, manifest in manifests.items()
        if only is None or name == only
    ]
    return sorted(cards, key=lambda c: str(c.manifest.label).casefold())


def _scope_choices() -> list[Branch]:
    """Branches the scope picker offers: those where the user may see modules."""
    query = select(Branch).order_by(Branch.name, Branch.id)
    return list(get_session().scalars(in_permitted_branches(query, Branch.id, "module:read")))


def _render_list(
    scope: Scope, *, errors: dict[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    cards = _cards(scope)
    for card in cards:
        card.error = (errors or {}).get(card.manifest.name)
    return (
        render_template("admin/modules.html", scope=scope, cards=cards, branches=_scope_choices()),
        status,
    )


@bp.route("/modules", defaults={"scope": None})
@bp.route("/modules/<scope>")
@require("module:read")
def modules(scope: str | None) -> ResponseReturnValue:
    """Every installed module at a scope: the portal's branch unless another is chosen."""
    return _render_list(_scope(scope))


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _switched_message(card: ModuleCard, follow: bool) -> str:
    module, scope = str(card.manifest.label), card.scope.name
    if follow and card.state.source == "company":
        if card.state.enabled:
            return _("%(module)s in %(scope)s follows the company: on.", module=module, scope=scope)
        return _("%(module)s in %(scope)s follows the company: off.", module=module, scope=scope)
    if follow:
        if card.state.enabled:
            return _(
                "%(module)s in %(scope)s is back to its default: on.", module=module, scope=scope
            )
        return _("%(module)s in %(scope)s is back to its default: off.", module=module, scope=scope)
    if card.state.enabled:
        return _("%(module)s is on in %(scope)s.", module=module, scope=scope)
    return _(
        "%(module)s is off in %(scope)s. Its data is kept for when it is switched on again.",
        module=module,
        scope=scope,
    )


@bp.route("/modules/<scope>/<name>/switch", methods=["POST"])
@require("module:manage")
def modules_switch(scope: str, name: str) -> ResponseReturnValue:
    """Switch a module on or off at a scope, or let the scope follow the wider one."""
    target = _scope(scope)
    authorize_scope("module:manage", target.branch_id)
    _module(name)
    form = module_forms.SwitchForm()
    follow = form.follow.data == "1"
    db = get_session()
    error, status = None, 200
    try:
        enablement.set_state(
            db,
            _manifests(),
            name,
            branch_id=target.branch_id,
            enabled=None if follow else bool(form.enabled.data),
            inherit_enabled=follow,
            user_id=current_principal().user.id,
        )
        db.commit()
    except DalaError as exc:
        db.rollback()
        error, status = exc.message, exc.status
    if _is_htmx():
        [card] = _cards(target, only=name)
        card.error = error
        card.notice = None if error else _switched_message(card, follow)
        return render_template("admin/modules_card.html", card=card), status
    if error:
        return _render_list(target, errors={name: error}, status=status)
    [card] = _cards(target, only=name)
    flash(_switched_message(card, follow), "success")
    return redirect(url_for("admin.modules", scope=target.key, _anchor=f"module-{name}"))


@bp.route("/modules/<scope>/<name>/settings", methods=["GET", "POST"])
@require("module:read")
def modules_settings(scope: str, name: str) -> ResponseReturnValue:
    """A module's settings at a scope, with where each value comes from."""
    target = _scope(scope)
    manifest = _module(name)
    db = get_session()
    manifests = _manifests()
    state = enablement.resolve_all(db, {name: manifest}, target.branch_id)[name]
    form = module_forms.settings_form_class(manifest)(data=module_forms.initial_values(state))
    error, status = None, 200
    if request.method == "POST":
        authorize_scope("module:manage", target.branch_id)
        if form.validate_on_submit():
            try:
                if form.version.data != enablement.scope_version(db, name, target.branch_id):
                    raise PreconditionFailed(
                        _("Someone changed this module meanwhile; check it and save again.")
                    )
                changes = module_forms.changed_settings(form, state, target.here)
                if changes:
                    enablement.set_state(
                        db,
                        manifests,
                        name,
                        branch_id=target.branch_id,
                        settings=changes,
                        user_id=current_principal().user.id,
                    )
                    db.commit()
            except DalaError as exc:
                db.rollback()
                unplaced = module_forms.place_setting_errors(form, exc.errors)
                error = " ".join([exc.message, *[t for t in unplaced if t != exc.message]])
                status = exc.status
                state = enablement.resolve_all(db, {name: manifest}, target.branch_id)[name]
                form.version.data = enablement.scope_version(db, name, target.branch_id)
            else:
                if changes:
                    flash(
                        _(
                            "Settings of %(module)s saved for %(scope)s.",
                            module=manifest.label,
                            scope=target.name,
                        ),
                        "success",
                    )
                else:
                    flash(_("Nothing to save: no setting was changed."), "info")
                return redirect(url_for("admin.modules_settings", scope=target.key, name=name))
        else:
            status = 422
    else:
        form.version.data = enablement.scope_version(db, name, target.branch_id)
    return (
        render_template(
            "admin/modules_settings.html",
            scope=target,
            state=state,
            inherited=enablement.inherited_state(db, manifests, name, target.branch_id),
            form=form,
            error=error,
            may_manage=current_principal().can("module:manage", target.branch_id),
            at_this_scope=enablement.allows_scope(manifest, target.branch_id),
            show_value=module_forms.display_value,
        ),
        status,
    )
