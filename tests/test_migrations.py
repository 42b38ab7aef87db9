"""Alembic: empty -> head -> base on this run's engine, and models == migrations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy_adapter import CasbinRule
from sqlalchemy_adapter.adapter import Base as CasbinBase

from dala.auth.catalogue import BUILTIN_ROLES, builtin_role_permissions
from dala.db import make_engine
from dala.migrate import downgrade, upgrade
from dala.models import Base
from dala.modules.discovery import installed_manifests
from tests.conftest import (
    TEST_DB,
    TestDatabase,
    create_postgres_database,
    drop_postgres_database,
)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[TestDatabase]:
    if TEST_DB == "postgresql":
        db = create_postgres_database("dala_migrate")
        yield db
        drop_postgres_database(db)
    else:
        url = f"sqlite:///{tmp_path / 'migrate.db'}"
        yield TestDatabase(url, url)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_to_head_then_down_to_base(empty_database: TestDatabase) -> None:
    url = empty_database.owner_url
    assert _tables(url) == set()
    upgrade(url, app_role=empty_database.app_role)
    expected = {t.name for t in Base.metadata.sorted_tables} | {"casbin_rule"}
    assert expected <= _tables(url)
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    # ...and back up again: the downgrade left nothing behind that blocks an upgrade.
    upgrade(url, app_role=empty_database.app_role)
    assert expected <= _tables(url)


def test_models_and_migrations_agree(empty_database: TestDatabase) -> None:
    url = empty_database.owner_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, [Base.metadata, CasbinBase.metadata])
    finally:
        engine.dispose()
    assert diff == [], f"models differ from migrations; add a migration: {diff}"


def test_upgrade_writes_builtin_role_templates_idempotently(
    empty_database: TestDatabase,
) -> None:
    url = empty_database.owner_url
    first = upgrade(url)
    installed = installed_manifests()  # what installed modules grant built-in roles counts too
    assert first == sum(len(builtin_role_permissions(r, installed)) for r in BUILTIN_ROLES)
    assert first > sum(len(p) for p in BUILTIN_ROLES.values())
    assert upgrade(url) == 0
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rules = session.scalars(select(CasbinRule).where(CasbinRule.ptype == "p")).all()
    finally:
        engine.dispose()
    by_role: dict[str, set[str]] = {}
    for r in rules:
        by_role.setdefault(r.v0, set()).add(f"{r.v1}:{r.v2}")
    assert by_role == {k: set(builtin_role_permissions(k, installed)) for k in BUILTIN_ROLES}


def test_changed_role_templates_make_every_tenant_reload(empty_database: TestDatabase) -> None:
    from sqlalchemy import delete

    from dala.tenancy.models import Tenant

    url = empty_database.owner_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            session.add(Tenant(name="T", slug="t-reload"))
        with Session(engine) as session, session.begin():
            # A rule the catalogue no longer has, as after an upgrade that drops it.
            session.execute(
                delete(CasbinRule).where(CasbinRule.v0 == "viewer", CasbinRule.v1 == "user")
            )
        assert upgrade(url) == 1
        with Session(engine) as session:
            assert session.scalar(select(Tenant.policy_version)) == 2
    finally:
        engine.dispose()
