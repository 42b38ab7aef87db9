"""Configuration, CLI, login rate limits, suspended tenants and query counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, update

from dala import create_app
from dala.db import get_session
from dala.errors import ConfigurationError
from dala.tenancy.models import Tenant, TenantStatus
from tests.conftest import TestDatabase, app_config
from tests.support.mailbox import Mailbox
from tests.support.world import PASSWORD, World, call

API = "/api/v1"


@pytest.mark.parametrize("key", [None, "", "dev", "change-me", "short-but-random"])
def test_production_start_refuses_missing_or_weak_secret(
    key: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DALA_SECRET_KEY", raising=False)
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    if key is not None:
        config["SECRET_KEY"] = key
    with pytest.raises(ConfigurationError, match="DALA_SECRET_KEY"):
        create_app(config)


def test_debug_without_a_secret_gets_an_ephemeral_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DALA_SECRET_KEY", raising=False)
    config = {"DEBUG": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"}
    first, second = create_app(config), create_app(config)
    assert len(first.secret_key or "") >= 32
    assert first.secret_key != second.secret_key


def test_settings_come_from_dala_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DALA_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DALA_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("DALA_TRIAL_DAYS", "30")
    monkeypatch.setenv("DALA_SMTP_STARTTLS", "true")
    app = create_app()
    assert app.config["TRIAL_DAYS"] == 30 and app.config["SMTP_STARTTLS"] is True
    assert app.config["DATABASE_URL"].endswith("env.db")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("DALA_TRIAL_DAYS", "thirty")
    with pytest.raises(ConfigurationError, match="DALA_TRIAL_DAYS"):
        create_app()


def test_cli_upgrades_and_seeds_the_demo_twice(tmp_path: Path, mailbox: Mailbox) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    app = create_app(app_config(TestDatabase(url, url), mailbox))
    runner = app.test_cli_runner()
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0, (first.output, second.output)

    def untimed(output: str) -> list[str]:
        return [line for line in output.splitlines() if not line.startswith("Seeded in ")]

    assert untimed(first.output) == untimed(second.output)
    assert "owner@demo.example.com" in first.output and "Seeded in " in first.output
    client = app.test_client()
    token = client.post(
        f"{API}/auth/token",
        json={"tenant": "demo", "email": "dispatch@demo.example.com", "password": "dala-demo-2026"},
    )
    assert token.status_code == 200
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {token.json['access_token']}"})
    assert me.json["tenant"]["name"] == "Almaty Climate Service"
    assert "user:read" in me.json["grants"][0]["permissions"]
    down = runner.invoke(args=["db", "downgrade", "--revision", "base"])
    assert down.exit_code == 0, down.output
    app.extensions["dala.db"].engine.dispose()


def test_login_is_rate_limited_per_account(
    database: TestDatabase, mailbox: Mailbox, world: World
) -> None:
    limited = create_app(app_config(database, mailbox, LOGIN_RATE_LIMIT="3 per minute"))
    client = limited.test_client()
    body = {"tenant": world.a.slug, "email": world.a["viewer"].email, "password": "wrong-pass"}
    codes = [client.post(f"{API}/auth/token", json=body).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    too_many = client.post(f"{API}/auth/token", json={**body, "password": PASSWORD})
    assert too_many.status_code == 429 and too_many.json["code"] == 429
    other = {**body, "email": world.a["dispatcher"].email, "password": PASSWORD}
    assert client.post(f"{API}/auth/token", json=other).status_code == 200
    limited.extensions["dala.db"].engine.dispose()


@contextmanager
def _tenant_status(app: Flask, tenant_id: object, status: TenantStatus) -> Iterator[None]:
    with app.app_context():
        session = get_session()
        session.execute(update(Tenant).where(Tenant.id == tenant_id).values(status=status))
        session.commit()
    try:
        yield
    finally:
        with app.app_context():
            session = get_session()
            session.execute(
                update(Tenant).where(Tenant.id == tenant_id).values(status=TenantStatus.TRIALING)
            )
            session.commit()


def test_suspended_tenant_gets_402_and_cannot_sign_in(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with _tenant_status(app, world.a.tenant_id, TenantStatus.SUSPENDED):
        r = call(client, "GET", f"{API}/branches", world.a["owner"])
        assert r.status_code == 402 and "suspended" in r.json["message"]
        login = client.post(
            f"{API}/auth/token",
            json={"tenant": world.a.slug, "email": world.a["owner"].email, "password": PASSWORD},
        )
        # Right credentials hear of the suspension; wrong ones learn nothing of it.
        assert login.status_code == 402 and "suspended" in login.json["message"]
        guess = client.post(
            f"{API}/auth/token",
            json={"tenant": world.a.slug, "email": world.a["owner"].email, "password": "x" * 12},
        )
        assert guess.status_code == 401
        assert call(client, "GET", f"{API}/branches", world.b["owner"]).status_code == 200
    with _tenant_status(app, world.a.tenant_id, TenantStatus.CANCELLED):
        assert call(client, "GET", f"{API}/branches", world.a["owner"]).status_code == 403


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = app.extensions["dala.db"].engine

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith("SELECT SET_CONFIG"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_user_list_query_count_does_not_grow_with_rows(
    app: Flask, client: FlaskClient, world: World
) -> None:
    owner = world.a["owner"]
    call(client, "GET", f"{API}/users?page_size=50", owner)  # warm the policy cache
    with count_queries(app) as small:  # a full page of 5, as the large one is full
        call(client, "GET", f"{API}/users?page_size=5", owner)
    for i in range(50):
        r = call(
            client,
            "POST",
            f"{API}/users",
            owner,
            json={
                "email": f"bulk{i}@example.com",
                "name": f"Bulk {i}",
                "roles": [{"role": "technician", "branch_id": str(world.a.main)}],
            },
        )
        assert r.status_code == 201
    call(client, "GET", f"{API}/users?page_size=50", owner)
    with count_queries(app) as large:
        r = call(client, "GET", f"{API}/users?page_size=50&role=technician", owner)
    assert len(r.json["items"]) == 50
    assert len(large) == len(small), (small, large)
    assert len(large) <= 4, large


def test_one_client_trying_many_accounts_is_limited(
    database: TestDatabase, mailbox: Mailbox, world: World
) -> None:
    limited = create_app(app_config(database, mailbox, CLIENT_RATE_LIMIT="5 per minute"))
    client = limited.test_client()
    codes = [
        client.post(
            f"{API}/auth/token",
            json={
                "tenant": world.a.slug,
                "email": f"guess{i}@example.com",
                "password": "Summer2026!",
            },
        ).status_code
        for i in range(7)
    ]
    assert codes == [401] * 5 + [429] * 2
    limited.extensions["dala.db"].engine.dispose()


def test_rate_limit_keys_carry_no_email(app: Flask) -> None:
    from dala.extensions import login_key

    body = {"tenant": "acme", "email": "someone@example.com", "password": "x"}
    with app.test_request_context("/api/v1/auth/token", method="POST", json=body):
        key = login_key()
    assert "someone" not in key and "example.com" not in key
    with app.test_request_context(
        "/api/v1/auth/token", method="POST", json={**body, "email": "other@example.com"}
    ):
        assert login_key() != key


def test_proxy_count_trusts_forwarded_client_address(
    database: TestDatabase, mailbox: Mailbox
) -> None:
    behind_proxy = create_app(app_config(database, mailbox, PROXY_COUNT=1))
    seen: list[str | None] = []

    @behind_proxy.get("/_addr")
    def addr() -> str:
        from flask import request

        seen.append(request.remote_addr)
        return ""

    behind_proxy.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.7"})
    app_direct = create_app(app_config(database, mailbox))
    app_direct.add_url_rule("/_addr", "addr", addr)
    app_direct.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7", "127.0.0.1"]
    for a in (behind_proxy, app_direct):
        a.extensions["dala.db"].engine.dispose()
