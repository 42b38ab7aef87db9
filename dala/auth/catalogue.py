"""The permission catalogue and the built-in roles (global Casbin role templates)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from dala.modules.manifest import Manifest


@dataclass(frozen=True)
class Permission:
    resource: str
    action: str
    label: object  # a lazy string, shown in the role editor

    @property
    def key(self) -> str:
        return f"{self.resource}:{self.action}"


PERMISSIONS: tuple[Permission, ...] = (
    Permission("tenant", "read", _l("View company settings")),
    Permission("tenant", "update", _l("Change company settings")),
    Permission("branch", "read", _l("View branches")),
    Permission("branch", "create", _l("Create branches")),
    Permission("branch", "update", _l("Edit branches")),
    Permission("branch", "delete", _l("Delete branches")),
    Permission("user", "read", _l("View users")),
    Permission("user", "invite", _l("Invite users")),
    Permission("user", "update", _l("Edit users")),
    Permission("user", "deactivate", _l("Deactivate users")),
    Permission("role", "read", _l("View roles")),
    Permission("role", "create", _l("Create custom roles")),
    Permission("role", "update", _l("Edit custom roles")),
    Permission("role", "delete", _l("Delete custom roles")),
    Permission("role_assignment", "read", _l("View role assignments")),
    Permission("role_assignment", "create", _l("Assign roles")),
    Permission("role_assignment", "delete", _l("Remove role assignments")),
    Permission("token", "read", _l("View own API tokens")),
    Permission("token", "create", _l("Create own API tokens")),
    Permission("token", "revoke", _l("Revoke own API tokens")),
    Permission("token", "manage", _l("View and revoke everyone's API tokens")),
    Permission("customer", "read", _l("View customers and their contacts")),
    Permission("customer", "create", _l("Add customers")),
    Permission("customer", "update", _l("Edit customers")),
    Permission("customer", "delete", _l("Delete customers")),
    Permission("skill", "read", _l("View the skill catalogue")),
    Permission("skill", "create", _l("Add skills")),
    Permission("skill", "update", _l("Edit skills")),
    Permission("skill", "delete", _l("Delete skills")),
    Permission("technician", "read", _l("View technicians")),
    Permission("technician", "create", _l("Add technicians")),
    Permission("technician", "update", _l("Edit technicians, their hours and time off")),
    Permission("technician", "delete", _l("Remove technicians")),
    Permission("job_type", "read", _l("View job types")),
    Permission("job_type", "create", _l("Add job types")),
    Permission("job_type", "update", _l("Edit job types")),
    Permission("job_type", "delete", _l("Delete job types")),
    Permission("job", "read", _l("View the branch's jobs")),
    Permission("job", "create", _l("Create jobs")),
    Permission("job", "update", _l("Edit, plan and assign jobs")),
    Permission("job", "transition", _l("Change the status of the branch's jobs")),
    Permission("job", "delete", _l("Delete draft and cancelled jobs")),
    Permission("job", "work", _l("Work own assigned jobs: status, checklist, files")),
    Permission("module", "read", _l("View modules and their settings")),
    Permission("module", "manage", _l("Switch modules on or off and change their settings")),
    Permission("audit", "read", _l("View the audit log of administrative changes")),
)

PERMISSION_KEYS: frozenset[str] = frozenset(p.key for p in PERMISSIONS)


def _module_permissions(
    manifests: Iterable[Manifest] | None,
) -> dict[str, tuple[Permission, tuple[str, ...]]]:
    """Permissions modules add, by key, with the built-in roles beyond owner and admin
    that hold them: of ``manifests``, else of the current app's installed modules."""
    if manifests is None:
        plugins = current_app.extensions.get("dala.plugins") if has_app_context() else None
        manifests = plugins.manifests.values() if plugins is not None else ()
    found = {}
    for manifest in manifests:
        for p in manifest.permissions:
            key = f"{p.resource}:{p.action}"
            if key not in PERMISSION_KEYS:
                found[key] = (Permission(p.resource, p.action, p.label), p.roles)
    return found


def all_permissions() -> tuple[Permission, ...]:
    """Core's catalogue, then the installed modules' permissions."""
    return (*PERMISSIONS, *(p for p, _roles in _module_permissions(None).values()))


def permission_keys() -> frozenset[str]:
    return PERMISSION_KEYS | frozenset(_module_permissions(None))


def builtin_role_permissions(
    role: str, manifests: Iterable[Manifest] | None = None
) -> frozenset[str]:
    """A built-in role's permissions, with what installed modules grant it."""
    extra = {
        key
        for key, (_p, roles) in _module_permissions(manifests).items()
        if role in ("owner", "admin") or role in roles
    }
    return BUILTIN_ROLES[role] | extra


_OWN_TOKENS = {"token:read", "token:create", "token:revoke"}
_ALL = {p.key for p in PERMISSIONS}
_CUSTOMER_EDIT = {"customer:read", "customer:create", "customer:update"}
_DISPATCH = {
    "technician:read",
    "job_type:read",
    "job:read",
    "job:create",
    "job:update",
    "job:transition",
    "job:delete",
}

#: Built-in roles: name -> permission keys. ``owner`` and ``admin`` are
#: normally held tenant-wide; the others per branch.
BUILTIN_ROLES: dict[str, frozenset[str]] = {
    "owner": frozenset(_ALL),
    "admin": frozenset(_ALL - {"tenant:update"}),
    "branch_admin": frozenset(
        {
            "tenant:read",
            "branch:read",
            "branch:update",
            "user:read",
            "user:invite",
            "role:read",
            "role_assignment:read",
            "role_assignment:create",
            "role_assignment:delete",
            *_OWN_TOKENS,
            *_CUSTOMER_EDIT,
            "skill:read",
            "skill:create",
            "skill:update",
            *_DISPATCH,
            "technician:create",
            "technician:update",
            "job_type:create",
            "job_type:update",
            # Held so a branch admin can grant the technician role (within own rights).
            "job:work",
            "module:read",
            "module:manage",
        }
    ),
    "dispatcher": frozenset(
        {
            "tenant:read",
            "branch:read",
            "user:read",
            "role:read",
            "skill:read",
            *_OWN_TOKENS,
            *_CUSTOMER_EDIT,
            *_DISPATCH,
        }
    ),
    # Technicians see customers through their own jobs (work-order domain), not the list.
    "technician": frozenset(
        {"tenant:read", "branch:read", "skill:read", "job_type:read", "job:work", *_OWN_TOKENS}
    ),
    "viewer": frozenset(
        {
            "tenant:read",
            "branch:read",
            "user:read",
            "role:read",
            "customer:read",
            "skill:read",
            "technician:read",
            "job_type:read",
            "job:read",
            "module:read",
            *_OWN_TOKENS,
        }
    ),
}

BUILTIN_ROLE_LABELS: dict[str, object] = {
    "owner": _l("Owner"),
    "admin": _l("Administrator"),
    "branch_admin": _l("Branch administrator"),
    "dispatcher": _l("Dispatcher"),
    "technician": _l("Technician"),
    "viewer": _l("Viewer"),
}
