"""Built-in and custom roles, and the assignment of roles to users per branch."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy_adapter import CasbinRule

from dala.auth import policy
from dala.auth.catalogue import (
    BUILTIN_ROLE_LABELS,
    BUILTIN_ROLES,
    builtin_role_permissions,
    permission_keys,
)
from dala.auth.grants import grant_role
from dala.auth.guard import ALL_BRANCHES, Principal, permitted_branches
from dala.auth.models import Role, RoleAssignment, UserStatus
from dala.auth.users import get_user, is_last_owner
from dala.db import utcnow
from dala.errors import Conflict, Forbidden, NotFound, ValidationFailed
from dala.tenancy import context
from dala.tenancy.locks import lock_tenant
from dala.tenancy.services import get_branch

ROLE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass
class RoleView:
    """A role as the API shows it: built-in template or tenant's custom role."""

    key: str
    name: str
    description: str
    builtin: bool
    permissions: list[str]
    version: int = 1
    id: uuid.UUID | None = None


def _custom_permissions(
    session: Session, tenant_id: uuid.UUID, keys: list[str]
) -> dict[str, list[str]]:
    subjects = {policy.role_subject(tenant_id, k): k for k in keys}
    result: dict[str, list[str]] = {k: [] for k in keys}
    if not subjects:
        return result
    for rule in session.scalars(
        select(CasbinRule).where(CasbinRule.ptype == "p", CasbinRule.v0.in_(subjects))
    ):
        result[subjects[rule.v0]].append(f"{rule.v1}:{rule.v2}")
    for perms in result.values():
        perms.sort()
    return result


def _builtin_view(key: str) -> RoleView:
    return RoleView(
        key=key,
        name=str(BUILTIN_ROLE_LABELS[key]),
        description="",
        builtin=True,
        permissions=sorted(builtin_role_permissions(key)),
    )


def _custom_view(role: Role, permissions: list[str]) -> RoleView:
    return RoleView(
        key=role.key,
        name=role.name,
        description=role.description,
        builtin=False,
        permissions=permissions,
        version=role.version,
        id=role.id,
    )


def list_roles(session: Session) -> list[RoleView]:
    tenant_id = context.current_tenant_id()
    custom = session.scalars(select(Role).order_by(Role.name)).all()
    perms = _custom_permissions(session, tenant_id, [r.key for r in custom])
    return [_builtin_view(k) for k in BUILTIN_ROLES] + [
        _custom_view(r, perms[r.key]) for r in custom
    ]


def _custom_role(session: Session, key: str) -> Role | None:
    if not ROLE_KEY_RE.fullmatch(key):  # e.g. a NUL from the URL, which PostgreSQL refuses
        return None
    return session.scalar(select(Role).where(Role.key == key))


def get_role(session: Session, key: str) -> RoleView:
    if key in BUILTIN_ROLES:
        return _builtin_view(key)
    role = _custom_role(session, key)
    if role is None:
        raise NotFound(_("Role not found."))
    tenant_id = context.current_tenant_id()
    return _custom_view(role, _custom_permissions(session, tenant_id, [key])[key])


def get_custom_role(session: Session, key: str) -> Role:
    if key in BUILTIN_ROLES:
        raise Conflict(_("Built-in roles cannot be changed; create a custom role instead."))
    role = _custom_role(session, key)
    if role is None:
        raise NotFound(_("Role not found."))
    return role


def _check_permissions(permissions: list[str]) -> set[str]:
    unknown = sorted(set(permissions) - permission_keys())
    if unknown:
        raise ValidationFailed(
            _("Unknown permissions: %(names)s", names=", ".join(unknown)),
            errors={"permissions": [_("Unknown permission: %(name)s", name=n) for n in unknown]},
        )
    return set(permissions)


def grantable_permissions(principal: Principal) -> set[str]:
    """The permissions a role editor may put in or take out of a custom role: those they
    hold company-wide (a custom role applies wherever it is assigned)."""
    return principal.permissions_in(None)


def _check_within_own_rights(principal: Principal, permissions: set[str]) -> None:
    missing = permissions - grantable_permissions(principal)
    if missing:
        message = _(
            "You cannot grant permissions you do not hold: %(names)s",
            names=", ".join(sorted(missing)),
        )
        # Named as the field too, so a form shows it beside the permission checkboxes.
        raise Forbidden(message, errors={"permissions": [message]})


def create_role(session: Session, principal: Principal, data: dict[str, Any]) -> RoleView:
    tenant_id = context.current_tenant_id()
    key = data["key"]
    if not ROLE_KEY_RE.fullmatch(key):
        raise ValidationFailed(
            _("Invalid role key."),
            errors={
                "key": [_("Use 2-40 lower-case letters, digits or _, starting with a letter.")]
            },
        )
    if key in BUILTIN_ROLES or _custom_role(session, key):
        raise Conflict(_("A role with this key exists."), errors={"key": [_("Taken.")]})
    permissions = _check_permissions(data.get("permissions", []))
    _check_within_own_rights(principal, permissions)
    role = Role(
        id=uuid.uuid4(), key=key, name=data["name"], description=data.get("description", "")
    )
    session.add(role)
    session.flush()
    policy.write_role_permissions(session, policy.role_subject(tenant_id, key), permissions)
    policy.bump_policy_version(session, tenant_id)
    session.flush()
    return _custom_view(role, sorted(permissions))


def update_role(
    session: Session, principal: Principal, role: Role, data: dict[str, Any]
) -> RoleView:
    tenant_id = context.current_tenant_id()
    for attr in ("name", "description"):
        if attr in data:
            setattr(role, attr, data[attr])
    if "permissions" in data:
        permissions = _check_permissions(data["permissions"])
        current = set(_custom_permissions(session, tenant_id, [role.key])[role.key])
        _check_within_own_rights(principal, permissions ^ current)
        policy.write_role_permissions(
            session, policy.role_subject(tenant_id, role.key), permissions
        )
        policy.bump_policy_version(session, tenant_id)
        role.updated_at = utcnow()  # the version moves even when only permissions change
    session.flush()
    return get_role(session, role.key)


def delete_role(session: Session, principal: Principal, role: Role) -> None:
    tenant_id = context.current_tenant_id()
    _check_within_own_rights(
        principal, set(_custom_permissions(session, tenant_id, [role.key])[role.key])
    )
    in_use = session.scalar(
        select(func.count()).select_from(RoleAssignment).where(RoleAssignment.role == role.key)
    )
    if in_use:
        raise Conflict(
            _(
                "The role is assigned to %(count)s user(s); remove those assignments first.",
                count=in_use,
            )
        )
    policy.delete_role_rules(session, policy.role_subject(tenant_id, role.key))
    session.delete(role)
    policy.bump_policy_version(session, tenant_id)
    session.flush()


def role_permissions(session: Session, key: str) -> set[str]:
    return set(get_role(session, key).permissions)


def visible_assignments(
    *,
    user_id: uuid.UUID | None = None,
    role: str | None = None,
    branch_id: uuid.UUID | None = None,
) -> Select[RoleAssignment]:
    """Role assignments the current user may see (``role_assignment:read``), filtered.

    ``branch_id`` also matches the roles held company-wide, which apply there too.
    """
    visible = permitted_branches("role_assignment:read")
    if not visible:
        raise Forbidden(_("Filtering by role or branch needs the right to see roles."))
    query = select(RoleAssignment)
    if visible is not ALL_BRANCHES:
        query = query.where(RoleAssignment.branch_id.in_(visible))  # type: ignore[arg-type]
    if user_id is not None:
        query = query.where(RoleAssignment.user_id == user_id)
    if role is not None:
        query = query.where(RoleAssignment.role == role)
    if branch_id is not None:
        query = query.where(
            or_(RoleAssignment.branch_id == branch_id, RoleAssignment.branch_id.is_(None))
        )
    return query


def get_assignment(session: Session, assignment_id: uuid.UUID) -> RoleAssignment:
    assignment = session.scalar(select(RoleAssignment).where(RoleAssignment.id == assignment_id))
    if assignment is None:
        raise NotFound(_("Role assignment not found."))
    return assignment


def assign_role(
    session: Session,
    principal: Principal,
    *,
    user_id: uuid.UUID,
    role_key: str,
    branch_id: uuid.UUID | None,
) -> RoleAssignment:
    """Give a user a role in a branch (or tenant-wide), never beyond the grantor's own rights."""
    user = get_user(session, user_id)
    if user.status == UserStatus.DEACTIVATED:
        raise Conflict(_("The user is deactivated."))
    if branch_id is not None:
        get_branch(session, branch_id)
    try:
        granted = role_permissions(session, role_key)
    except NotFound:
        raise ValidationFailed(
            _("Unknown role."), errors={"role": [_("Unknown role: %(key)s", key=role_key)]}
        ) from None
    if not principal.can("role_assignment:create", branch_id):
        raise Forbidden(_("Your role does not allow this action."))
    missing = granted - principal.permissions_in(branch_id)
    if missing:
        raise Forbidden(
            _(
                "You cannot grant permissions you do not hold: %(names)s",
                names=", ".join(sorted(missing)),
            )
        )
    exists = session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.role == role_key,
            RoleAssignment.branch_id.is_(None)
            if branch_id is None
            else RoleAssignment.branch_id == branch_id,
        )
    )
    if exists:
        raise Conflict(_("The user already has this role there."))
    return grant_role(session, user_id=user_id, role_key=role_key, branch_id=branch_id)


def unassign_role(session: Session, principal: Principal, assignment: RoleAssignment) -> None:
    tenant_id = context.current_tenant_id()
    if not principal.can("role_assignment:delete", assignment.branch_id):
        raise Forbidden(_("Your role does not allow this action."))
    lock_tenant(session)
    if (
        assignment.role == "owner"
        and assignment.branch_id is None
        and is_last_owner(session, assignment.user_id)
    ):
        raise Conflict(_("A company keeps at least one owner."))
    missing = role_permissions(session, assignment.role) - principal.permissions_in(
        assignment.branch_id
    )
    if missing:
        raise Forbidden(_("You cannot remove a role with more rights than your own."))
    session.delete(assignment)
    session.flush()
    policy.rebuild_user_grants(session, tenant_id, assignment.user_id)
    policy.bump_policy_version(session, tenant_id)
