"""Casbin policies: the per-tenant enforcer cache and the rules derived from our tables.

Role templates (``p, role, resource, action``) and user assignments
(``g, user:<id>, role, <tenant>:<branch>``) live in ``casbin_rule``, read
through pycasbin's SQLAlchemy adapter. Every worker keeps one enforcer per
recently used tenant and reloads it when the tenant's ``policy_version``
(bumped in the same transaction as any change) differs from the one it loaded.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import casbin
from sqlalchemy import Engine, Index, and_, delete, or_, select, update
from sqlalchemy.orm import Query, Session
from sqlalchemy_adapter import Adapter, CasbinRule

from dala.auth.catalogue import BUILTIN_ROLES, builtin_role_permissions
from dala.auth.models import Role, RoleAssignment
from dala.modules.manifest import Manifest
from dala.tenancy.models import Branch, Tenant

MODEL_PATH = Path(__file__).with_name("authz_model.conf")
TENANT_WIDE = "*"


def user_subject(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def role_subject(tenant_id: uuid.UUID, role_key: str) -> str:
    """Built-in roles are global templates; a custom role is namespaced by its tenant."""
    return role_key if role_key in BUILTIN_ROLES else f"role:{tenant_id}:{role_key}"


def domain(tenant_id: uuid.UUID, branch_id: uuid.UUID | None) -> str:
    return f"{tenant_id}:{branch_id if branch_id else TENANT_WIDE}"


@dataclass(frozen=True)
class TenantFilter:
    """What one tenant's enforcer loads: its role templates and its domains' assignments."""

    subjects: tuple[str, ...]
    domains: tuple[str, ...]


class TenantPolicyAdapter(Adapter):
    """The SQLAlchemy adapter, filtered to one tenant (templates + that tenant's rules)."""

    def filter_query(self, querydb: Query[Any], filter: TenantFilter) -> Query[Any]:  # noqa: A002
        rule = self._db_class
        return querydb.filter(
            or_(
                and_(rule.ptype == "p", rule.v0.in_(filter.subjects)),
                and_(rule.ptype == "g", rule.v2.in_(filter.domains)),
            )
        ).order_by(rule.id)


# pycasbin compiles its matcher with ast.parse on every enforce; on CPython 3.11 two
# threads doing that at once can fail ("AST constructor recursion depth mismatch").
# Decisions are remembered, so this lock is taken once per user, branch and permission.
_ENFORCE_LOCK = threading.Lock()


class TenantPolicy:
    """One tenant's enforcer at one policy version, remembering its decisions.

    An instance never changes once loaded (a new version means a new instance),
    so a remembered decision cannot go stale.
    """

    MAX_DECISIONS = 50_000

    def __init__(self, tenant_id: uuid.UUID, enforcer: casbin.Enforcer) -> None:
        self.tenant_id = tenant_id
        self.enforcer = enforcer
        self._decisions: dict[tuple[uuid.UUID, uuid.UUID | None, str], bool] = {}

    def allowed(self, user_id: uuid.UUID, branch_id: uuid.UUID | None, permission: str) -> bool:
        key = (user_id, branch_id, permission)
        decision = self._decisions.get(key)
        if decision is None:
            resource, action = permission.split(":", 1)
            with _ENFORCE_LOCK:
                decision = bool(
                    self.enforcer.enforce(
                        user_subject(user_id), domain(self.tenant_id, branch_id), resource, action
                    )
                )
            if len(self._decisions) < self.MAX_DECISIONS:
                self._decisions[key] = decision
        return decision

    def user_domains(self, user_id: uuid.UUID) -> set[str]:
        """The domains (``<tenant>:<branch>`` or ``<tenant>:*``) the user holds a role in."""
        return {
            rule[2] for rule in self.enforcer.get_filtered_grouping_policy(0, user_subject(user_id))
        }


class PolicyStore:
    """Per-process cache of tenant policies, refreshed by policy version."""

    def __init__(self, engine: Engine, capacity: int = 512) -> None:
        self._adapter = TenantPolicyAdapter(engine, filtered=True, create_table=False)
        self._model_text = MODEL_PATH.read_text()
        self._capacity = capacity
        self._cache: OrderedDict[uuid.UUID, tuple[int, TenantPolicy]] = OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0  # how many times a tenant's policy was read from the database

    def policy(self, session: Session, tenant: Tenant) -> TenantPolicy:
        """The policy of ``tenant`` at its current version."""
        with self._lock:
            cached = self._cache.get(tenant.id)
            if cached and cached[0] == tenant.policy_version:
                self._cache.move_to_end(tenant.id)
                return cached[1]
        loaded = TenantPolicy(tenant.id, self._load(session, tenant.id))
        with self._lock:
            self._cache[tenant.id] = (tenant.policy_version, loaded)
            self._cache.move_to_end(tenant.id)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return loaded

    def _load(self, session: Session, tenant_id: uuid.UUID) -> casbin.Enforcer:
        custom = session.scalars(select(Role.key)).all()
        branches = session.scalars(select(Branch.id)).all()
        flt = TenantFilter(
            subjects=(*BUILTIN_ROLES, *(role_subject(tenant_id, k) for k in custom)),
            domains=(domain(tenant_id, None), *(domain(tenant_id, b) for b in branches)),
        )
        enforcer = casbin.Enforcer(casbin.Enforcer.new_model(text=self._model_text), self._adapter)
        enforcer.load_filtered_policy(flt)
        self.loads += 1
        return enforcer


def branch_of_domain(dom: str) -> uuid.UUID | None:
    branch = dom.split(":", 1)[1]
    return None if branch == TENANT_WIDE else uuid.UUID(branch)


# --- writing rules (always inside the caller's transaction) -------------------------------


def bump_policy_version(session: Session, tenant_id: uuid.UUID) -> None:
    session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(policy_version=Tenant.policy_version + 1)
        .execution_options(synchronize_session=False)
    )


def write_role_permissions(
    session: Session, subject: str, permissions: set[str] | frozenset[str]
) -> None:
    """Make the ``p`` rules of ``subject`` exactly ``permissions``."""
    existing = {
        (r.v1, r.v2): r
        for r in session.scalars(
            select(CasbinRule).where(CasbinRule.ptype == "p", CasbinRule.v0 == subject)
        )
    }
    wanted = {tuple(p.split(":", 1)) for p in permissions}
    for pair, rule in existing.items():
        if pair not in wanted:
            session.delete(rule)
    for resource, action in sorted(wanted - existing.keys()):
        session.add(CasbinRule(ptype="p", v0=subject, v1=resource, v2=action))


def delete_role_rules(session: Session, subject: str) -> None:
    session.execute(
        delete(CasbinRule).where(
            or_(
                and_(CasbinRule.ptype == "p", CasbinRule.v0 == subject),
                and_(CasbinRule.ptype == "g", CasbinRule.v1 == subject),
            )
        )
    )


def rebuild_user_grants(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Re-derive a user's ``g`` rules from their role assignments."""
    subject = user_subject(user_id)
    session.execute(delete(CasbinRule).where(CasbinRule.ptype == "g", CasbinRule.v0 == subject))
    assignments = session.scalars(
        select(RoleAssignment).where(RoleAssignment.user_id == user_id)
    ).all()
    if not assignments:
        return
    branch_ids = session.scalars(select(Branch.id)).all()
    rules: set[tuple[str, str, str]] = set()
    for a in assignments:
        role = role_subject(tenant_id, a.role)
        if a.branch_id is None:
            rules.add((subject, role, domain(tenant_id, None)))
            rules.update((subject, role, domain(tenant_id, b)) for b in branch_ids)
        else:
            rules.add((subject, role, domain(tenant_id, a.branch_id)))
    session.add_all(CasbinRule(ptype="g", v0=s, v1=r, v2=d) for s, r, d in sorted(rules))


def expand_tenant_wide_to_branch(
    session: Session, tenant_id: uuid.UUID, branch_id: uuid.UUID
) -> None:
    """A new branch gets a rule for every tenant-wide assignment."""
    for a in session.scalars(select(RoleAssignment).where(RoleAssignment.branch_id.is_(None))):
        session.add(
            CasbinRule(
                ptype="g",
                v0=user_subject(a.user_id),
                v1=role_subject(tenant_id, a.role),
                v2=domain(tenant_id, branch_id),
            )
        )


def forget_branch(session: Session, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> None:
    session.execute(
        delete(CasbinRule).where(
            CasbinRule.ptype == "g", CasbinRule.v2 == domain(tenant_id, branch_id)
        )
    )


def sync_builtin_roles(session: Session, manifests: Iterable[Manifest] = ()) -> int:
    """Make the built-in role templates in ``casbin_rule`` match the catalogue; returns changes."""
    changed = 0
    for role in BUILTIN_ROLES:
        permissions = builtin_role_permissions(role, manifests)
        current = {
            f"{r.v1}:{r.v2}"
            for r in session.scalars(
                select(CasbinRule).where(CasbinRule.ptype == "p", CasbinRule.v0 == role)
            )
        }
        if current != set(permissions):
            changed += len(current ^ set(permissions))
            write_role_permissions(session, role, permissions)
    if changed:
        # Every tenant uses the templates: running workers must reload them all.
        session.execute(update(Tenant).values(policy_version=Tenant.policy_version + 1))
    return changed


# Our migrations create these; declared here so Alembic's autogenerate knows them.
Index("ix_casbin_rule_ptype_v0", CasbinRule.ptype, CasbinRule.v0)
Index("ix_casbin_rule_ptype_v2", CasbinRule.ptype, CasbinRule.v2)
