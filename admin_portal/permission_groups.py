"""The permission catalogue grouped for the role pages: core's by resource, a module's under
the module's label."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

from dala.auth.catalogue import PERMISSION_KEYS, Permission, all_permissions
from dala.modules.host import hooks

#: Headings of core's resources, in the catalogue's order.
RESOURCE_LABELS: dict[str, object] = {
    "tenant": _l("Company"),
    "branch": _l("Branches"),
    "user": _l("Users"),
    "role": _l("Roles"),
    "role_assignment": _l("Role assignments"),
    "token": _l("API tokens"),
    "customer": _l("Customers"),
    "skill": _l("Skills"),
    "technician": _l("Technicians"),
    "job_type": _l("Job types"),
    "job": _l("Jobs"),
    "module": _l("Modules"),
    "audit": _l("Audit log"),
}


@dataclass
class PermissionGroup:
    key: str  # the resource, or "module-<name>" for a module's permissions
    label: object
    module: bool = False
    permissions: list[Permission] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.permissions]


def _module_of_permissions() -> dict[str, tuple[str, object]]:
    """Permission key -> (module name, module label), for the permissions modules add."""
    found: dict[str, tuple[str, object]] = {}
    for manifest in hooks(current_app).manifests.values():
        for p in manifest.permissions:
            key = f"{p.resource}:{p.action}"
            if key not in PERMISSION_KEYS:
                found.setdefault(key, (manifest.name, manifest.label))
    return found


def permission_groups() -> list[PermissionGroup]:
    """Every permission of the catalogue in groups: core's resources first, then modules."""
    modules = _module_of_permissions()
    groups: dict[str, PermissionGroup] = {}
    for permission in all_permissions():
        if permission.key in modules:
            name, label = modules[permission.key]
            group = groups.setdefault(
                f"module-{name}", PermissionGroup(f"module-{name}", label, module=True)
            )
        else:
            resource = permission.resource
            label = RESOURCE_LABELS.get(resource) or resource.replace("_", " ").capitalize()
            group = groups.setdefault(resource, PermissionGroup(resource, label))
        group.permissions.append(permission)
    return list(groups.values())
