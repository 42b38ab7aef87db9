"""What a user may grant: the roles and places role forms offer them.

Forms offer only what :func:`dala.auth.roles.assign_role` accepts somewhere, so
its refusal (a role beyond the grantor's rights in the chosen branch) is the
exception rather than the way to find out; ``assign_role`` still decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.auth.guard import Principal
from dala.auth.roles import RoleView, list_roles
from dala.tenancy.models import Branch


@dataclass(frozen=True)
class GrantOptions:
    #: Roles the user may give in at least one of the places below.
    roles: list[RoleView] = field(default_factory=list)
    #: Branches where the user may assign roles, by name.
    branches: list[Branch] = field(default_factory=list)
    #: Whether they may give roles company-wide ("All branches").
    company_wide: bool = False

    @property
    def any(self) -> bool:
        return bool(self.roles)


def grant_options(session: Session, principal: Principal) -> GrantOptions:
    """The roles and places ``principal`` may assign roles in (``role_assignment:create``),
    each role within the rights they hold there."""
    permission = "role_assignment:create"
    company_wide = principal.can(permission, None)
    branches = [
        b
        for b in session.scalars(select(Branch).order_by(Branch.name, Branch.id))
        if company_wide or principal.can(permission, b.id)
    ]
    places = ([None] if company_wide else []) + [b.id for b in branches]
    if not places:
        return GrantOptions()
    held = [principal.permissions_in(place) for place in places]
    roles = [r for r in list_roles(session) if any(set(r.permissions) <= h for h in held)]
    return GrantOptions(roles=roles, branches=branches, company_wide=company_wide)
