"""Tenant scoping: the ORM filter, insert stamping, and PostgreSQL row-level security."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dala import create_app
from dala.auth.models import User, UserStatus
from dala.db import get_session
from dala.errors import ConfigurationError, CrossTenantWrite, NoTenantContext
from dala.tenancy import context
from dala.tenancy.models import Branch
from tests.conftest import TestDatabase, app_config
from tests.support.mailbox import Mailbox
from tests.support.world import World


def test_scoped_query_without_tenant_raises(app: Flask, world: World) -> None:
    with app.app_context(), pytest.raises(NoTenantContext):
        get_session().scalars(select(User)).all()


def test_orm_reads_see_only_the_current_tenant(app: Flask, world: World) -> None:
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        users = get_session().scalars(select(User)).all()
        assert users and {u.tenant_id for u in users} == {world.a.tenant_id}
        # Even asking for B's rows by id finds nothing.
        b_owner = world.b["owner"].user_id
        assert get_session().scalars(select(User).where(User.id == b_owner)).first() is None


def test_inserts_are_stamped_with_the_current_tenant(app: Flask, world: World) -> None:
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        branch = Branch(
            name=f"S-{uuid.uuid4().hex[:6]}", timezone="UTC", currency="USD", locale="en"
        )
        session.add(branch)
        session.flush()
        assert branch.tenant_id == world.a.tenant_id
        session.rollback()


def test_writing_another_tenants_row_is_refused(app: Flask, world: World) -> None:
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        session.add(
            Branch(
                tenant_id=world.b.tenant_id,
                name="Sneaky",
                timezone="UTC",
                currency="USD",
                locale="en",
            )
        )
        with pytest.raises(CrossTenantWrite):
            session.flush()
        session.rollback()


def test_context_is_reset_after_each_request(app: Flask, world: World) -> None:
    client = app.test_client()
    r = client.get("/api/v1/me", headers=world.a["owner"].headers)
    assert r.status_code == 200
    assert context.current() is None


@pytest.mark.postgres_only
def test_rls_alone_blocks_cross_tenant_reads_when_orm_filter_is_bypassed(
    app: Flask, world: World
) -> None:
    """Raw SQL skips the ORM filter entirely; row-level security still scopes it."""
    with app.app_context():
        session = get_session()
        with context.tenant_scope(world.b.tenant_id):
            rows = session.execute(
                text("SELECT tenant_id FROM users WHERE tenant_id = :a"),
                {"a": world.a.tenant_id},
            ).all()
            assert rows == []
            own = session.execute(text("SELECT DISTINCT tenant_id FROM users")).scalars().all()
            assert own == [world.b.tenant_id]
        session.commit()
        # No tenant set at all: the policy matches nothing, it never returns everything.
        none = session.execute(text("SELECT count(*) FROM users")).scalar()
        assert none == 0
        session.rollback()


@pytest.mark.postgres_only
def test_rls_refuses_raw_inserts_into_another_tenant(app: Flask, world: World) -> None:
    with app.app_context():
        session = get_session()
        with context.tenant_scope(world.b.tenant_id), pytest.raises(DBAPIError) as exc:
            session.execute(
                text(
                    "INSERT INTO users (tenant_id, id, email, name, status, session_nonce, "
                    "version, created_at, updated_at) VALUES (:t, :i, 'x@example.com', 'X', "
                    ":s, 'n', 1, now(), now())"
                ),
                {"t": world.a.tenant_id, "i": uuid.uuid4(), "s": UserStatus.ACTIVE.value},
            )
        assert "row-level security" in str(exc.value)
        session.rollback()


@pytest.mark.postgres_only
def test_app_role_neither_owns_tables_nor_bypasses_rls(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        row = session.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        assert row == (False, False)
        owned = session.execute(
            text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                "AND tableowner = current_user"
            )
        ).scalar()
        assert owned == 0
        session.rollback()


@pytest.mark.postgres_only
def test_every_tenant_table_forces_rls_with_a_policy(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        tables = session.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) "
                "FROM pg_class c JOIN information_schema.columns col "
                "ON col.table_name = c.relname AND col.column_name = 'tenant_id' "
                "AND col.table_schema = 'public' WHERE c.relkind = 'r'"
            )
        ).all()
        session.rollback()
    assert tables
    unprotected = [t for t in tables if not (t[1] and t[2] and t[3] >= 1)]
    assert not unprotected, unprotected


@pytest.mark.postgres_only
def test_rls_follows_a_context_change_inside_one_transaction(app: Flask, world: World) -> None:
    """Raw SQL after switching tenant (or clearing it) mid-transaction sees the new scope."""
    with app.app_context():
        session = get_session()
        with context.tenant_scope(world.a.tenant_id):
            assert session.execute(text("SELECT count(*) FROM users")).scalar()
            with context.tenant_scope(world.b.tenant_id):
                seen = session.execute(text("SELECT DISTINCT tenant_id FROM users")).scalars()
                assert list(seen) == [world.b.tenant_id]
        assert session.execute(text("SELECT count(*) FROM users")).scalar() == 0
        session.rollback()


@pytest.mark.postgres_only
def test_app_refuses_a_database_role_that_bypasses_rls(
    database: TestDatabase, mailbox: Mailbox
) -> None:
    as_superuser = app_config(database, mailbox, DATABASE_URL=database.owner_url)
    refusing = create_app(as_superuser)
    with refusing.app_context(), pytest.raises(ConfigurationError, match="row-level security"):
        get_session().execute(text("SELECT 1"))
    refusing.extensions["dala.db"].engine.dispose()
    allowed = create_app({**as_superuser, "ALLOW_RLS_BYPASS": True})
    with allowed.app_context():
        assert get_session().execute(text("SELECT 1")).scalar() == 1
    allowed.extensions["dala.db"].engine.dispose()
