"""The demo company: branches and a user for every built-in role. Safe to re-run."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from dala.auth.grants import grant_role
from dala.auth.models import RoleAssignment, User, UserStatus
from dala.auth.users import invite_user, set_password
from dala.db import get_session
from dala.tenancy import context
from dala.tenancy.models import Branch, Tenant
from dala.tenancy.services import create_branch, signup

DEMO_SLUG = "demo"
DEMO_PASSWORD = "dala-demo-2026"  # noqa: S105 - printed for the demo on purpose

# (role, e-mail, name, branch name or None for tenant-wide)
DEMO_PEOPLE = [
    ("owner", "owner@demo.example.com", "Aigerim Sadykova", None),
    ("admin", "admin@demo.example.com", "Daniyar Omarov", None),
    ("branch_admin", "almaty.admin@demo.example.com", "Elena Kim", "Almaty"),
    ("dispatcher", "dispatch@demo.example.com", "Madina Nurlanovna", "Almaty"),
    ("technician", "arman@demo.example.com", "Arman Bekov", "Almaty"),
    ("technician", "sergey@demo.example.com", "Sergey Volkov", "Astana"),
    ("viewer", "viewer@demo.example.com", "Nurlan Abenov", None),
]


def seed_demo() -> list[tuple[str, str, str]]:
    """Create or refresh the demo company; returns (role, e-mail, password) per login."""
    session = get_session()
    tenant = session.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
    if tenant is None:
        _role, owner_email, owner_name, _branch = DEMO_PEOPLE[0]
        result = signup(
            session,
            company_name="Dala Demo Service",
            email=owner_email,
            password=DEMO_PASSWORD,
            branch_name="Almaty",
            timezone="Asia/Almaty",
            owner_name=owner_name,
            slug=DEMO_SLUG,
            locale="ru",
        )
        tenant = result.tenant
        session.commit()
    with context.tenant_scope(tenant.id):
        branches = {b.name: b for b in session.scalars(select(Branch))}
        if "Astana" not in branches:
            branches["Astana"] = create_branch(
                session, {"name": "Astana", "timezone": "Asia/Almaty", "address": "Mangilik El 55"}
            )
        for role, email, name, branch_name in DEMO_PEOPLE:
            user = session.scalar(select(User).where(User.email == email))
            if user is None:
                user = invite_user(session, email=email, name=name, locale="ru")
            user.status = UserStatus.ACTIVE
            set_password(user, DEMO_PASSWORD)
            held = session.scalar(
                select(RoleAssignment.id).where(
                    RoleAssignment.user_id == user.id, RoleAssignment.role == role
                )
            )
            if held is None:
                branch_id = branches[branch_name].id if branch_name else None
                grant_role(session, user_id=user.id, role_key=role, branch_id=branch_id)
        session.commit()
    current_app.logger.debug("demo tenant ready")
    return [(role, email, DEMO_PASSWORD) for role, email, _n, _b in DEMO_PEOPLE]
