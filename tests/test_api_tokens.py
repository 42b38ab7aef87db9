"""Bearer tokens: same error for any wrong credential, hashed at rest, expiry, revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from dala.auth.models import ApiToken
from dala.db import get_session, utcnow
from dala.tenancy import context
from tests.support.world import PASSWORD, Person, World, call

API = "/api/v1"


def _login(client: FlaskClient, tenant: str, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"{API}/auth/token", json={"tenant": tenant, "email": email, "password": password}
    )


def test_valid_credentials_give_a_bearer_token(client: FlaskClient, world: World) -> None:
    r = _login(client, world.a.slug, world.a["dispatcher"].email, PASSWORD)
    assert r.status_code == 200
    assert r.json["token_type"] == "Bearer"
    assert r.json["access_token"].startswith("dala_")
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {r.json['access_token']}"})
    assert me.json["user"]["email"] == world.a["dispatcher"].email


def test_wrong_credentials_get_the_same_401_whichever_part_is_wrong(
    client: FlaskClient, world: World
) -> None:
    email = world.a["owner"].email
    answers = [
        _login(client, "no-such-company", email, PASSWORD),
        _login(client, world.a.slug, "nobody@example.com", PASSWORD),
        _login(client, world.a.slug, email, "wrong password here"),
        _login(client, world.b.slug, email, PASSWORD),  # right user, other company
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.get_data() for r in answers}) == 1


def test_login_email_is_case_insensitive(client: FlaskClient, world: World) -> None:
    r = _login(client, world.a.slug.upper(), world.a["viewer"].email.upper(), PASSWORD)
    assert r.status_code == 200


def test_tokens_are_stored_hashed(app: Flask, world: World) -> None:
    secret = world.a["owner"].token
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        hashes = get_session().scalars(select(ApiToken.secret_hash)).all()
    assert hashes
    assert all(secret.split(".", 1)[1] not in h and secret not in h for h in hashes)


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer dala_AAAA.BBBB", "Basic dXNlcjpwYXNz", "Bearer ", ""],
)
def test_malformed_credentials_are_401(client: FlaskClient, header: str) -> None:
    r = client.get(f"{API}/me", headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.json["message"]
    missing = header.strip() in ("", "Bearer") or not header.startswith("Bearer")
    assert r.json["errors"] == {"token": ["missing" if missing else "invalid"]}


def test_a_tampered_secret_is_401(client: FlaskClient, world: World) -> None:
    token = world.a["owner"].token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    r = client.get(f"{API}/me", headers={"Authorization": f"Bearer {tampered}"})
    assert r.status_code == 401
    assert r.json["errors"] == {"token": ["invalid"]}


def _expire(app: Flask, world: World, person: Person) -> None:
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == person.user_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()


def test_expired_token_is_401_that_says_expired(
    app: Flask, client: FlaskClient, world: World
) -> None:
    person = world.a["viewer"]
    _expire(app, world, person)
    r = call(client, "GET", f"{API}/me", person)
    assert r.status_code == 401
    # A client keeps its unsent work for an expired token (the same person signs in
    # again), so the answer must say "expired", not just "no".
    assert r.json["errors"] == {"token": ["expired"]}
    assert r.json["message"] == "This token has expired; sign in again."
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_why_a_token_is_refused_is_told_only_with_its_secret(
    app: Flask, client: FlaskClient, world: World
) -> None:
    person = world.a["viewer"]
    _expire(app, world, person)
    token = person.token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    r = client.get(f"{API}/me", headers={"Authorization": f"Bearer {tampered}"})
    assert r.status_code == 401
    assert r.json["errors"] == {"token": ["invalid"]}


def test_revoked_token_stops_working_and_stays_listed(client: FlaskClient, world: World) -> None:
    person = world.a["technician"]
    new = call(client, "POST", f"{API}/tokens", person, json={"name": "phone"})
    assert new.status_code == 201
    bearer = {"Authorization": f"Bearer {new.json['access_token']}"}
    assert client.get(f"{API}/me", headers=bearer).status_code == 200
    assert call(client, "DELETE", f"{API}/tokens/{new.json['id']}", person).status_code == 204
    refused = client.get(f"{API}/me", headers=bearer)
    assert refused.status_code == 401
    # A client wipes its local data for a revoked token: the company ended this sign-in.
    assert refused.json["errors"] == {"token": ["revoked"]}
    assert refused.json["message"] == "This token was revoked or its user deactivated."
    listed = call(client, "GET", f"{API}/tokens?active=false", person).json["items"]
    assert [t["id"] for t in listed] == [new.json["id"]]
    assert listed[0]["revoked_at"] is not None
    assert "access_token" not in listed[0]


def test_token_expiry_is_bounded(client: FlaskClient, world: World) -> None:
    far = (utcnow() + timedelta(days=4000)).isoformat()
    past = (utcnow() - timedelta(days=1)).isoformat()
    for when in (far, past):
        r = call(
            client,
            "POST",
            f"{API}/tokens",
            world.a["owner"],
            json={"name": "x", "expires_at": when},
        )
        assert r.status_code == 422 and "expires_at" in r.json["errors"], r.json


def test_users_cannot_see_each_others_tokens_without_manage(
    client: FlaskClient, world: World
) -> None:
    mine = call(client, "GET", f"{API}/tokens", world.a["owner"]).json["items"][0]["id"]
    r = call(client, "GET", f"{API}/tokens/{mine}", world.a["dispatcher"])
    assert r.status_code == 404
    r = call(client, "DELETE", f"{API}/tokens/{mine}", world.a["dispatcher"])
    assert r.status_code == 404
    assert call(client, "GET", f"{API}/me", world.a["owner"]).status_code == 200


def test_admin_can_revoke_another_users_token(client: FlaskClient, world: World) -> None:
    victim = world.a["dispatcher"]
    token_id = call(client, "GET", f"{API}/tokens", victim).json["items"][0]["id"]
    assert call(client, "DELETE", f"{API}/tokens/{token_id}", world.a["admin"]).status_code == 204
    assert call(client, "GET", f"{API}/me", victim).status_code == 401


def test_a_revoked_token_that_also_expired_says_revoked(
    app: Flask, client: FlaskClient, world: World
) -> None:
    person = world.a["viewer"]
    token_id = call(client, "GET", f"{API}/tokens", person).json["items"][0]["id"]
    assert call(client, "DELETE", f"{API}/tokens/{token_id}", world.a["admin"]).status_code == 204
    _expire(app, world, person)
    r = call(client, "GET", f"{API}/me", person)
    assert r.status_code == 401
    assert r.json["errors"] == {"token": ["revoked"]}


def test_deactivated_user_is_locked_out(client: FlaskClient, world: World) -> None:
    victim = world.a["viewer"]
    assert (
        call(client, "DELETE", f"{API}/users/{victim.user_id}", world.a["owner"]).status_code == 204
    )
    locked_out = call(client, "GET", f"{API}/me", victim)
    assert locked_out.status_code == 401
    assert locked_out.json["errors"] == {"token": ["revoked"]}  # a phone must drop its data
    assert _login(client, world.a.slug, victim.email, PASSWORD).status_code == 401
    user = call(client, "GET", f"{API}/users/{victim.user_id}", world.a["owner"]).json
    assert user["status"] == "deactivated"


def test_last_use_is_recorded_even_on_reads(client: FlaskClient, world: World) -> None:
    person = world.a["viewer"]
    call(client, "GET", f"{API}/me", person)
    listed = call(client, "GET", f"{API}/tokens", person).json["items"]
    assert listed[0]["last_used_at"] is not None


def test_token_hints_tell_tokens_apart(client: FlaskClient, world: World) -> None:
    person = world.a["dispatcher"]
    made = [
        call(client, "POST", f"{API}/tokens", person, json={"name": f"t{i}"}).json for i in range(3)
    ]
    hints = {t["hint"] for t in made}
    assert len(hints) == 3
    assert all(t["access_token"].endswith(t["hint"].lstrip("…")) for t in made)
