"""Recording a role for a user, with the Casbin rules derived from it.

The one place that writes role assignments; callers decide who may grant what
(``dala.auth.roles.assign_role`` for people, sign-up and seeding for the system).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from dala.auth import policy
from dala.auth.models import RoleAssignment
from dala.db import utcnow
from dala.tenancy import context


def grant_role(
    session: Session, *, user_id: uuid.UUID, role_key: str, branch_id: uuid.UUID | None
) -> RoleAssignment:
    """Give the user ``role_key`` in ``branch_id`` (tenant-wide when None); no permission check."""
    tenant_id = context.current_tenant_id()
    assignment = RoleAssignment(
        id=uuid.uuid4(), user_id=user_id, role=role_key, branch_id=branch_id, created_at=utcnow()
    )
    session.add(assignment)
    session.flush()
    policy.rebuild_user_grants(session, tenant_id, user_id)
    policy.bump_policy_version(session, tenant_id)
    return assignment
