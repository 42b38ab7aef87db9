"""Two tenants with a user (and API token) for every built-in role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dala.auth.grants import grant_role
from dala.auth.tokens import issue_token
from dala.auth.users import invite_user, set_password
from dala.db import get_session
from dala.tenancy import context
from dala.tenancy.models import Branch, Tenant
from dala.tenancy.services import create_branch, signup

PASSWORD = "correct horse battery staple"

#: role -> held tenant-wide (None) or in the first branch ("main")
ROLE_SCOPES: dict[str, str | None] = {
    "owner": None,
    "admin": None,
    "branch_admin": "main",
    "dispatcher": "main",
    "technician": "main",
    "viewer": "main",
}


@dataclass
class Person:
    user_id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class TenantWorld:
    tenant_id: uuid.UUID
    slug: str
    main: uuid.UUID  # first branch
    other: uuid.UUID  # second branch
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Person:
        return self.people[role]


@dataclass
class World:
    a: TenantWorld
    b: TenantWorld


def _tenant(app: Flask, name: str) -> TenantWorld:
    suffix = uuid.uuid4().hex[:8]
    session = get_session()
    result = signup(
        session,
        company_name=f"{name} {suffix}",
        email=f"owner@{suffix}.example.com",
        password=PASSWORD,
        branch_name="Main",
        timezone="Asia/Almaty",
        locale="en",
    )
    session.commit()
    tenant = result.tenant
    with context.tenant_scope(tenant.id):
        other = create_branch(session, {"name": "Other", "timezone": "Europe/Moscow"})
        session.commit()
        tw = TenantWorld(tenant.id, tenant.slug, result.branch.id, other.id)
        owner = result.owner
        tw.people["owner"] = Person(
            owner.id, owner.email, issue_token(session, owner, name="test").secret
        )
        for role, scope in ROLE_SCOPES.items():
            if role == "owner":
                continue
            user = invite_user(
                session,
                email=f"{role}@{suffix}.example.com",
                name=role.replace("_", " ").title(),
                locale="en",
            )
            set_password(user, PASSWORD)
            grant_role(
                session,
                user_id=user.id,
                role_key=role,
                branch_id=tw.main if scope == "main" else None,
            )
            tw.people[role] = Person(
                user.id, user.email, issue_token(session, user, name="test").secret
            )
        session.commit()
    return tw


def build_world(app: Flask) -> World:
    with app.app_context():
        try:
            return World(_tenant(app, "Alpha Service"), _tenant(app, "Beta Repairs"))
        finally:
            context.clear()


def call(
    client: FlaskClient, method: str, url: str, person: Person | None = None, **kwargs: Any
) -> TestResponse:
    headers = dict(kwargs.pop("headers", {}) or {})
    if person is not None:
        headers.update(person.headers)
    return client.open(url, method=method, headers=headers, **kwargs)


__all__ = ["PASSWORD", "Branch", "Person", "Tenant", "TenantWorld", "World", "build_world", "call"]
