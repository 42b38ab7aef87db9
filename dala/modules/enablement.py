"""Which modules are on where, and their settings: resolved branch → company → manifest.

A module without a row is as its layer says (default: on, optional: off);
essential modules are always on. A branch-level row overrides the company's.
Switching on checks the module's dependencies; switching off checks who depends
on it. A scope can also stop deciding for itself (``enabled`` or a setting
``None``: "as the wider scope says"). Nothing here deletes a module's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import g
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.errors import Conflict, NotFound, ValidationFailed
from dala.modules.manifest import Layer, Level, Manifest, Setting
from dala.modules.models import ModuleState


@dataclass(frozen=True)
class Resolved:
    """A module's effective state at one scope."""

    manifest: Manifest
    enabled: bool
    settings: dict[str, Any]
    # Where the decision came from: "branch", "company" or "default".
    source: str
    # Where each setting's value came from, by key: "branch", "company" or "default".
    setting_sources: dict[str, str] = field(default_factory=dict)


def _default_on(manifest: Manifest) -> bool:
    return manifest.layer in (Layer.ESSENTIAL, Layer.DEFAULT)


def allows_scope(manifest: Manifest, branch_id: uuid.UUID | None) -> bool:
    """Whether the module is switched and set at this scope: a tenant-level module for the
    whole company only, a branch-level one per branch only, the others at both."""
    if branch_id is None:
        return manifest.level != Level.BRANCH
    return manifest.level != Level.TENANT


def _rows(session: Session, branch_id: uuid.UUID | None) -> dict[tuple[str, bool], ModuleState]:
    query = select(ModuleState).where(ModuleState.branch_id.is_(None))
    if branch_id is not None:
        query = select(ModuleState).where(
            (ModuleState.branch_id.is_(None)) | (ModuleState.branch_id == branch_id)
        )
    return {(r.module, r.branch_id is not None): r for r in session.scalars(query)}


def resolve_all(
    session: Session, manifests: Mapping[str, Manifest], branch_id: uuid.UUID | None
) -> dict[str, Resolved]:
    """Every module's state in ``branch_id`` (or for the company when None), one query."""
    rows = _rows(session, branch_id)
    resolved = {}
    for name, manifest in manifests.items():
        company, branch = rows.get((name, False)), rows.get((name, True))
        enabled, source = _default_on(manifest), "default"
        if company is not None and company.enabled is not None and manifest.level != Level.BRANCH:
            enabled, source = company.enabled, "company"
        if branch is not None and branch.enabled is not None and manifest.level != Level.TENANT:
            enabled, source = branch.enabled, "branch"
        if manifest.layer == Layer.ESSENTIAL:
            enabled = True
        settings = {s.key: s.default for s in manifest.settings}
        sources = dict.fromkeys(settings, "default")
        for row, scope in ((company, "company"), (branch, "branch")):
            if row is None:
                continue
            for key, value in row.settings.items():
                if key in settings:
                    settings[key], sources[key] = value, scope
        resolved[name] = Resolved(manifest, enabled, settings, source, sources)
    return resolved


def inherited_states(
    session: Session, manifests: Mapping[str, Manifest], branch_id: uuid.UUID | None
) -> dict[str, Resolved]:
    """What each module falls back to where this scope stops deciding for itself: the
    company's state for a branch, the manifests' defaults for the company."""
    if branch_id is not None:
        return resolve_all(session, manifests, None)
    found = {}
    for name, manifest in manifests.items():
        defaults = {s.key: s.default for s in manifest.settings}
        found[name] = Resolved(
            manifest, _default_on(manifest), defaults, "default", dict.fromkeys(defaults, "default")
        )
    return found


def inherited_state(
    session: Session, manifests: Mapping[str, Manifest], name: str, branch_id: uuid.UUID | None
) -> Resolved:
    """:func:`inherited_states` of one module."""
    return inherited_states(session, {name: manifests[name]}, branch_id)[name]


def scope_version(session: Session, name: str, branch_id: uuid.UUID | None) -> str:
    """A stamp of the rows that decide ``name`` at this scope (the company's, the branch's):
    a form sends it back so a change made meanwhile is noticed, not overwritten."""
    query = select(ModuleState.branch_id, ModuleState.version).where(ModuleState.module == name)
    if branch_id is None:
        query = query.where(ModuleState.branch_id.is_(None))
    else:
        query = query.where(ModuleState.branch_id.is_(None) | (ModuleState.branch_id == branch_id))
    found = {row_branch is None: version for row_branch, version in session.execute(query)}
    return f"{found.get(True, 0)}.{found.get(False, 0)}"


def enabled_modules(
    session: Session, manifests: Mapping[str, Manifest], branch_id: uuid.UUID | None
) -> frozenset[str]:
    """The modules on in ``branch_id``, remembered for the rest of the request.

    Without a branch (a request that selected none), a module counts as on where
    the company has it on, or where any of its branches does: its own endpoints
    narrow what they show to the caller's branches, as core lists do.
    """
    cache: dict[uuid.UUID | None, frozenset[str]] = g.setdefault("dala_enabled_modules", {})
    if branch_id not in cache:
        states = resolve_all(session, manifests, branch_id)
        on = {n for n, r in states.items() if r.enabled}
        if branch_id is None:
            on |= set(
                session.scalars(
                    select(ModuleState.module).where(
                        ModuleState.branch_id.is_not(None), ModuleState.enabled.is_(True)
                    )
                )
            ) & {n for n, m in manifests.items() if m.level != Level.TENANT}
        cache[branch_id] = frozenset(on)
    return cache[branch_id]


def _check_setting(setting: Setting, value: Any) -> str | None:
    """Why ``value`` does not fit ``setting``, or None."""
    if setting.kind == "boolean":
        return None if isinstance(value, bool) else _("Must be true or false.")
    if setting.kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return _("Must be a whole number.")
        if setting.minimum is not None and value < setting.minimum:
            return _("Must be at least %(n)s.", n=setting.minimum)
        if setting.maximum is not None and value > setting.maximum:
            return _("Must be at most %(n)s.", n=setting.maximum)
        return None
    if setting.kind == "choice":
        return (
            None
            if value in setting.choices
            else _("Must be one of: %(choices)s.", choices=", ".join(setting.choices))
        )
    if not isinstance(value, str) or len(value) > 500:
        return _("Must be text of at most 500 characters.")
    return None


def check_settings(manifest: Manifest, values: Mapping[str, Any]) -> None:
    known = {s.key: s for s in manifest.settings}
    errors = {}
    for key, value in values.items():
        setting = known.get(key)
        if setting is None:
            problem: str | None = _("Unknown setting.")
        elif value is None:
            problem = None  # falls back to the wider scope's value
        else:
            problem = _check_setting(setting, value)
        if problem:
            errors[key] = [problem]
    if errors:
        raise ValidationFailed(_("Some settings are not valid."), errors={"settings": errors})


def set_state(
    session: Session,
    manifests: Mapping[str, Manifest],
    name: str,
    *,
    branch_id: uuid.UUID | None,
    enabled: bool | None = None,
    settings: Mapping[str, Any] | None = None,
    user_id: uuid.UUID | None = None,
    inherit_enabled: bool = False,
) -> Resolved:
    """Switch ``name`` on/off or change its settings for the company or one branch.

    ``enabled`` None leaves the switch as it is; ``inherit_enabled`` makes the scope
    follow the wider one again (checked like the switch it amounts to). A setting
    given as None is no longer set at this scope and falls back to the wider one.
    """
    manifest = manifests.get(name)
    if manifest is None:
        raise NotFound(_("Module not found."))
    if not allows_scope(manifest, branch_id):
        if branch_id is None:
            raise ValidationFailed(
                _("This module is switched on per branch; choose a branch."),
                errors={"branch_id": [_("Choose a branch.")]},
            )
        raise ValidationFailed(
            _("This module is switched on for the whole company, not per branch."),
            errors={"branch_id": [_("Leave empty for the whole company.")]},
        )
    if enabled is False and manifest.layer == Layer.ESSENTIAL:
        raise Conflict(_("This module is essential and cannot be switched off."))
    if settings:
        check_settings(manifest, settings)
    target = enabled
    if inherit_enabled:
        target = inherited_state(session, manifests, name, branch_id).enabled
    before = resolve_all(session, manifests, branch_id)
    after_on = {n for n, r in before.items() if r.enabled}
    if target is True:
        after_on.add(name)
        missing = [d for d in manifest.depends if d not in after_on]
        if missing:
            raise Conflict(
                _("Switch on %(modules)s first.", modules=_labels(manifests, missing)),
                errors={"depends": missing},
            )
    if target is False:
        after_on.discard(name)
        dependents = sorted(n for n in after_on if name in manifests[n].depends)
        if dependents:
            raise Conflict(
                _(
                    "Switch off %(modules)s first; they need this module.",
                    modules=_labels(manifests, dependents),
                ),
                errors={"dependents": dependents},
            )
    row = session.scalars(
        select(ModuleState).where(
            ModuleState.module == name,
            ModuleState.branch_id.is_(None)
            if branch_id is None
            else ModuleState.branch_id == branch_id,
        )
    ).one_or_none()
    if row is None:
        sets_something = enabled is not None or any(
            v is not None for v in (settings or {}).values()
        )
        if not sets_something:
            return before[name]  # nothing is set at this scope to fall back from
        row = ModuleState(id=uuid.uuid4(), branch_id=branch_id, module=name, settings={})
        session.add(row)
    if inherit_enabled:
        row.enabled = None
    elif enabled is not None:
        row.enabled = enabled
    if settings:
        merged = {**row.settings, **settings}
        row.settings = {k: v for k, v in merged.items() if v is not None}
    row.updated_by = user_id
    session.flush()
    g.pop("dala_enabled_modules", None)
    return resolve_all(session, manifests, branch_id)[name]


def _labels(manifests: Mapping[str, Manifest], names: list[str]) -> str:
    return ", ".join(str(manifests[n].label) if n in manifests else n for n in names)
