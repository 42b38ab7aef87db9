"""Fixtures: one database and one app per test session, two tenants per test.

``DALA_TEST_DB=sqlite`` (default) or ``postgresql`` picks the engine. On
PostgreSQL the schema is migrated by the owner (``postgres``) and the app
connects as a separate role that neither owns the tables nor bypasses RLS.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from dala import create_app
from dala.migrate import upgrade
from tests.support.mailbox import Mailbox
from tests.support.world import World, build_world

TEST_DB = os.environ.get("DALA_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "DALA_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PG_APP_ROLE = "dala_test_app"
# A fixed key-encryption key for the test run (base64 of 32 bytes).
TEST_MASTER_KEY = base64.b64encode(b"dala-test-master-key-32-bytes!!!").decode()
# Uploaded files of the whole run, away from the checkout's instance folder.
FILES_DIR = tempfile.mkdtemp(prefix="dala-test-files-")
REDIS_URL = os.environ.get("DALA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def pytest_report_header() -> str:
    return f"dala database: {TEST_DB}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_DB == "postgresql":
        return
    skip = pytest.mark.skip(reason="PostgreSQL only (runs in the PostgreSQL pass of make test)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def _pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


class TestDatabase:
    """URLs of a fresh database: the owner's (migrations) and the app's."""

    __test__ = False  # not a test class, whatever its name says

    def __init__(self, owner_url: str, app_url: str, app_role: str = "") -> None:
        self.owner_url = owner_url
        self.app_url = app_url
        self.app_role = app_role

    @property
    def is_postgresql(self) -> bool:
        return self.app_url.startswith("postgresql")


def create_postgres_database(prefix: str = "dala_test") -> TestDatabase:
    """An empty PostgreSQL database plus the non-owner app role (created once)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_pg(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        exists = conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (PG_APP_ROLE,)
        ).fetchone()
        if not exists:
            conn.execute(f"CREATE ROLE {PG_APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    owner = f"{base}/{name}"
    app_url = owner.replace("//postgres@", f"//{PG_APP_ROLE}@", 1)
    return TestDatabase(owner, app_url, PG_APP_ROLE)


def drop_postgres_database(db: TestDatabase) -> None:
    name = db.owner_url.rsplit("/", 1)[1]
    with psycopg.connect(_pg(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    if TEST_DB == "postgresql":
        db = create_postgres_database()
        yield db
        drop_postgres_database(db)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'dala.db'}"
        yield TestDatabase(url, url)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start()
    yield box
    box.stop()


def app_config(database: TestDatabase, mailbox: Mailbox, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-000",
        "MASTER_KEY": TEST_MASTER_KEY,
        "DATABASE_URL": database.app_url,
        "MIGRATION_DATABASE_URL": database.owner_url,
        "DB_APP_ROLE": database.app_role,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "SMTP_HOST": mailbox.host,
        "SMTP_PORT": mailbox.port,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SIGNUP_RATE_LIMIT": "1000 per minute",
        "RESET_RATE_LIMIT": "1000 per minute",
        "CLIENT_RATE_LIMIT": "100000 per minute",
        "PUBLIC_URL": "http://dala.example",
        "FILES_DIR": FILES_DIR,
        # Redis-backed rate limits on the PostgreSQL pass, in-memory on SQLite.
        "REDIS_URL": REDIS_URL if database.is_postgresql else "",
        # Tasks run where they are enqueued; live updates over Redis on the PostgreSQL
        # pass (from REDIS_URL), within the process on SQLite. tests/events runs both for real.
        "TASKS_IMMEDIATE": True,
        "LIVE_URL": "" if database.is_postgresql else "memory://",
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def app(database: TestDatabase, mailbox: Mailbox) -> Iterator[Flask]:
    upgrade(database.owner_url, app_role=database.app_role)
    application = create_app(app_config(database, mailbox))
    yield application
    application.extensions["dala.db"].engine.dispose()
    shutil.rmtree(FILES_DIR, ignore_errors=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def world(app: Flask) -> World:
    """Two tenants (A and B), each with two branches and a user with a token per role."""
    return build_world(app)
