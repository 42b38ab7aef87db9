"""Password reset and invitations by e-mail, through a real SMTP server."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from dala.db import get_session
from dala.tenancy.models import Tenant, TenantStatus
from tests.support.mailbox import Mailbox
from tests.support.world import PASSWORD, World, call

API = "/api/v1"
NEW_PASSWORD = "a brand new password"


def _token_login(client: FlaskClient, slug: str, email: str, password: str) -> int:
    return client.post(
        f"{API}/auth/token", json={"tenant": slug, "email": email, "password": password}
    ).status_code


def test_reset_by_emailed_single_use_token(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    person = world.a["dispatcher"]
    r = client.post(
        f"{API}/auth/password-reset", json={"tenant": world.a.slug, "email": person.email}
    )
    assert r.status_code == 202
    token = mailbox.last_token(person.email)
    message = mailbox.to(person.email)[-1]
    assert "reset" in message["Subject"].lower()
    assert "http://dala.example/reset-password?token=" in message.get_body().get_content()

    done = client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 204
    assert _token_login(client, world.a.slug, person.email, NEW_PASSWORD) == 200
    assert _token_login(client, world.a.slug, person.email, PASSWORD) == 401

    again = client.post(
        f"{API}/auth/password-reset/confirm",
        json={"token": token, "password": "yet another password"},
    )
    assert again.status_code == 422
    assert "token" in again.json["errors"]


def test_unknown_account_gets_the_same_answer_and_no_mail(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    email = f"ghost-{uuid.uuid4().hex[:6]}@example.com"
    r = client.post(f"{API}/auth/password-reset", json={"tenant": world.a.slug, "email": email})
    assert r.status_code == 202
    assert mailbox.to(email, timeout=0.5) == []


def test_a_newer_link_replaces_the_older_one(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    person = world.a["viewer"]
    body = {"tenant": world.a.slug, "email": person.email}
    client.post(f"{API}/auth/password-reset", json=body)
    first = mailbox.last_token(person.email)
    client.post(f"{API}/auth/password-reset", json=body)
    second = mailbox.last_token(person.email, count=2)
    assert first != second
    stale = client.post(
        f"{API}/auth/password-reset/confirm", json={"token": first, "password": NEW_PASSWORD}
    )
    assert stale.status_code == 422
    fresh = client.post(
        f"{API}/auth/password-reset/confirm", json={"token": second, "password": NEW_PASSWORD}
    )
    assert fresh.status_code == 204


def test_malformed_reset_input_is_422(client: FlaskClient, world: World) -> None:
    bad = client.post(
        f"{API}/auth/password-reset/confirm",
        json={"token": "dala_garbage.garbage", "password": NEW_PASSWORD},
    )
    assert bad.status_code == 422
    short = client.post(
        f"{API}/auth/password-reset/confirm", json={"token": "x", "password": "short"}
    )
    assert short.status_code == 422 and "password" in short.json["errors"]["json"]


def test_invited_user_sets_password_from_the_email_and_signs_in(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    email = f"new-tech-{uuid.uuid4().hex[:6]}@example.com"
    r = call(
        client,
        "POST",
        f"{API}/users",
        world.a["branch_admin"],
        json={
            "email": email,
            "name": "Aidos Technician",
            "locale": "ru",
            "roles": [{"role": "technician", "branch_id": str(world.a.main)}],
        },
    )
    assert r.status_code == 201, r.json
    assert r.json["status"] == "invited"
    assert _token_login(client, world.a.slug, email, NEW_PASSWORD) == 401

    message = mailbox.to(email)[-1]
    assert world.a.slug.split("-")[0].lower() in message.get_body().get_content().lower()
    token = mailbox.last_token(email)
    assert (
        client.post(
            f"{API}/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        ).status_code
        == 204
    )
    assert _token_login(client, world.a.slug, email, NEW_PASSWORD) == 200
    user = call(client, "GET", f"{API}/users/{r.json['id']}", world.a["owner"]).json
    assert user["status"] == "active"


def test_links_stop_working_while_the_company_is_suspended(
    app: Flask, client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    person = world.a["viewer"]
    client.post(f"{API}/auth/password-reset", json={"tenant": world.a.slug, "email": person.email})
    token = mailbox.last_token(person.email)
    with app.app_context():
        session = get_session()
        session.execute(
            update(Tenant)
            .where(Tenant.id == world.a.tenant_id)
            .values(status=TenantStatus.SUSPENDED)
        )
        session.commit()
    try:
        r = client.post(
            f"{API}/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
        assert r.status_code == 422
    finally:
        with app.app_context():
            session = get_session()
            session.execute(
                update(Tenant)
                .where(Tenant.id == world.a.tenant_id)
                .values(status=TenantStatus.TRIALING)
            )
            session.commit()
    ok = client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert ok.status_code == 204
