"""The one permission guard used by every view and API handler.

``require("branch:update")`` on a view checks the permission in the branch
the request selected (``X-Dala-Branch``), or in any branch the user holds a
role in when none is selected; handlers then call :func:`authorize` for the
object's own branch, or :func:`permitted_branches` to filter a list.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import g
from flask_babel import gettext as _
from sqlalchemy import Select

from dala.auth import policy
from dala.auth.catalogue import permission_keys
from dala.auth.models import ApiToken, User
from dala.auth.policy import TenantPolicy
from dala.errors import Forbidden, NotFound, Unauthenticated
from dala.tenancy import context
from dala.tenancy.models import Branch, Tenant

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Principal:
    """Who is making the request, in which tenant, with which credentials."""

    user: User
    tenant: Tenant
    authz: TenantPolicy
    token: ApiToken | None = None

    def can(self, permission: str, branch_id: uuid.UUID | None = None) -> bool:
        """Allowed in ``branch_id``'s domain, or tenant-wide when ``branch_id`` is None."""
        return self.authz.allowed(self.user.id, branch_id, permission)

    def can_somewhere(self, permission: str) -> bool:
        return any(
            self.can(permission, policy.branch_of_domain(d))
            for d in self.authz.user_domains(self.user.id)
        )

    def permissions_in(self, branch_id: uuid.UUID | None) -> set[str]:
        return {p for p in permission_keys() if self.can(p, branch_id)}


def current_principal() -> Principal:
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise Unauthenticated(_("Authentication required."))
    return principal


def authorize(permission: str, branch_id: uuid.UUID | None = None) -> Principal:
    """Raise :class:`Forbidden` unless the current user holds ``permission`` there."""
    principal = current_principal()
    if not principal.can(permission, branch_id):
        raise Forbidden(_("Your role does not allow this action."))
    return principal


class AllBranches:
    """Marker: the permission is held tenant-wide."""


ALL_BRANCHES = AllBranches()


def permitted_branches(permission: str) -> set[uuid.UUID] | AllBranches:
    """The branches where the user holds ``permission`` (``ALL_BRANCHES`` if tenant-wide)."""
    principal = current_principal()
    if principal.can(permission, None):
        return ALL_BRANCHES
    branches: set[uuid.UUID] = set()
    for dom in principal.authz.user_domains(principal.user.id):
        branch_id = policy.branch_of_domain(dom)
        if branch_id is not None and principal.can(permission, branch_id):
            branches.add(branch_id)
    return branches


def require(*permissions: str) -> Callable[[F], F]:
    """Decorator: the user must hold one of ``permissions`` in the selected branch (or any).

    Handlers narrow further per object (:func:`authorize`, :func:`permitted_branches`).
    """

    def held(principal: Principal, permission: str) -> bool:
        branch_id = context.current_branch_id()
        if branch_id is not None:
            return principal.can(permission, branch_id)
        return principal.can(permission) or principal.can_somewhere(permission)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if not any(held(principal, p) for p in permissions):
                raise Forbidden(_("Your role does not allow this action."))
            return view(*args, **kwargs)

        wrapper.required_permission = permissions[0]  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


Q = TypeVar("Q", bound=Select[Any])


def in_permitted_branches(query: Q, branch_column: Any, permission: str) -> Q:
    """Narrow a list to rows of the branches where the user holds ``permission``."""
    visible = permitted_branches(permission)
    if isinstance(visible, AllBranches):
        return query
    return query.where(branch_column.in_(visible))


def authorize_in(permission: str, branch_id: uuid.UUID) -> None:
    """:func:`authorize` in a branch named by the client: another company's is a 404."""
    from dala.db import get_session
    from dala.tenancy.scoping import get_scoped

    if get_scoped(get_session(), Branch, branch_id) is None:
        raise NotFound(_("Branch not found."))
    authorize(permission, branch_id)
