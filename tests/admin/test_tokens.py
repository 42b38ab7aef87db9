"""Admin portal, API tokens: the secret shown once and working on the API, revoking stops it at
once, who sees whose tokens, another company's tokens are not found."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dala.auth.tokens import issue_token
from dala.auth.users import get_user
from dala.db import get_session, utcnow
from dala.tenancy import context
from tests.support.portal import csrf, send_form, sign_in
from tests.support.world import TenantWorld, World, call

API = "/api/v1"


def _secret(page: TestResponse) -> str:
    match = re.search(r'id="token-secret" type="text" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _api_token(client: FlaskClient, tw: TenantWorld, role: str, name: str) -> dict[str, str]:
    r = call(client, "POST", f"{API}/tokens", tw[role], json={"name": name})
    assert r.status_code == 201, r.json
    return {"id": r.json["id"], "secret": r.json["access_token"]}


def _row_ids(page: str) -> list[str]:
    return re.findall(r'data-testid="token-row" data-token-id="([0-9a-f-]+)"', page)


def test_a_new_token_is_shown_once_and_works(app: Flask, client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "dispatcher")
    form = client.get("/admin/tokens/new")
    assert form.status_code == 200
    assert '<option selected value="30">30 days</option>' in form.text  # the default
    created = send_form(
        client, "/admin/tokens/new", {"name": "Accounting sync", "expires_at": "90"}
    )
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    assert "it will not be shown again" in created.text
    assert 'data-testid="copy-token"' in created.text
    secret = _secret(created)
    assert created.text.count(secret) == 1

    me = client.get(f"{API}/me", headers=_bearer(secret))
    assert me.status_code == 200 and me.json["user"]["email"] == world.a["dispatcher"].email

    # Listed by name with its expiry, never with its secret; not in the session either.
    listed = client.get("/admin/tokens")
    assert "Accounting sync" in listed.text and secret not in listed.text
    assert secret.split(".", 1)[-1] not in listed.text
    with app.test_request_context():
        cookie = client.get_cookie("session")
        assert cookie is not None
        data = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    assert secret not in repr(data) and secret.split(".", 1)[-1] not in repr(data)

    tokens = call(client, "GET", f"{API}/tokens", world.a["dispatcher"]).json["items"]
    mine = next(t for t in tokens if t["name"] == "Accounting sync")
    expires = datetime.fromisoformat(mine["expires_at"])
    assert timedelta(days=89) < expires - utcnow() <= timedelta(days=90)


def test_token_form_errors_are_next_to_the_fields(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "technician")
    blank = send_form(client, "/admin/tokens/new", {"name": "   ", "expires_at": "30"})
    assert blank.status_code == 422
    assert 'id="name-error"' in blank.text and "Give the token a name." in blank.text
    too_long = send_form(client, "/admin/tokens/new", {"name": "n" * 121, "expires_at": "30"})
    assert too_long.status_code == 422 and 'id="name-error"' in too_long.text
    for expiry in ("4000", "soon", ""):
        bad = send_form(client, "/admin/tokens/new", {"name": "Phone", "expires_at": expiry})
        assert bad.status_code == 422, expiry
        assert 'id="expires_at-error"' in bad.text
    tokens = call(client, "GET", f"{API}/tokens", world.a["technician"]).json
    assert [t["name"] for t in tokens["items"]] == ["test"]


def test_revoking_a_token_stops_it_at_once(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "dispatcher")
    secret = _secret(
        send_form(client, "/admin/tokens/new", {"name": "Old laptop", "expires_at": "7"})
    )
    token_id = next(
        t["id"]
        for t in call(client, "GET", f"{API}/tokens", world.a["dispatcher"]).json["items"]
        if t["name"] == "Old laptop"
    )
    assert client.get(f"{API}/me", headers=_bearer(secret)).status_code == 200

    listed = client.get("/admin/tokens")
    assert f'href="/admin/tokens/{token_id}/revoke"' in listed.text
    confirm = client.get(f"/admin/tokens/{token_id}/revoke")
    assert confirm.status_code == 200
    assert "Old laptop" in confirm.text and 'data-testid="confirm-revoke-token"' in confirm.text
    revoked = send_form(client, f"/admin/tokens/{token_id}/revoke", {})
    assert revoked.status_code == 302 and revoked.headers["Location"].endswith("/admin/tokens")
    assert client.get(f"{API}/me", headers=_bearer(secret)).status_code == 401

    page = client.get("/admin/tokens?status=inactive")
    assert _row_ids(page.text) == [token_id]
    assert "Revoked" in page.text and f"/admin/tokens/{token_id}/revoke" not in page.text
    active = client.get("/admin/tokens?status=active")
    assert token_id not in _row_ids(active.text) and len(_row_ids(active.text)) == 1
    # The dispatcher's own world token is untouched.
    assert call(client, "GET", f"{API}/me", world.a["dispatcher"]).status_code == 200


def test_a_dispatcher_sees_and_revokes_only_own_tokens(client: FlaskClient, world: World) -> None:
    admins = _api_token(client, world.a, "admin", "Admin's integration")
    own = _api_token(client, world.a, "dispatcher", "Dispatcher's script")
    sign_in(client, world.a, "dispatcher")
    page = client.get("/admin/tokens")
    assert page.status_code == 200
    assert own["id"] in _row_ids(page.text) and admins["id"] not in _row_ids(page.text)
    assert 'data-testid="token-scope"' not in page.text
    assert "Admin's integration" not in page.text
    assert client.get("/admin/tokens?scope=all").status_code == 403
    assert client.get(f"/admin/tokens/{admins['id']}/revoke").status_code == 404
    token = csrf(client, "/admin/tokens/new")
    refused = client.post(f"/admin/tokens/{admins['id']}/revoke", data={"csrf_token": token})
    assert refused.status_code == 404
    assert client.get(f"{API}/me", headers=_bearer(admins["secret"])).status_code == 200


def test_an_admin_sees_and_revokes_everyones_tokens(client: FlaskClient, world: World) -> None:
    theirs = _api_token(client, world.a, "dispatcher", "Dispatcher's script")
    sign_in(client, world.a, "admin")
    mine = client.get("/admin/tokens")
    assert theirs["id"] not in _row_ids(mine.text)
    everyone = client.get("/admin/tokens?scope=all")
    assert everyone.status_code == 200
    assert theirs["id"] in _row_ids(everyone.text)
    row = everyone.text[everyone.text.index(f'data-token-id="{theirs["id"]}"') :]
    owner = re.search(r'data-testid="token-owner">\s*<i[^>]*></i>([^<]+)', row)
    assert owner and owner.group(1).strip() == "Dispatcher"
    # Every person of the company has a token; the other company's are not listed.
    assert len(_row_ids(everyone.text)) == len(world.a.people) + 1
    assert 'data-testid="token-scope"' in everyone.text

    confirm = client.get(f"/admin/tokens/{theirs['id']}/revoke")
    assert confirm.status_code == 200 and "Dispatcher" in confirm.text
    done = send_form(client, f"/admin/tokens/{theirs['id']}/revoke", {})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/tokens?scope=all")
    assert client.get(f"{API}/me", headers=_bearer(theirs["secret"])).status_code == 401
    assert call(client, "GET", f"{API}/me", world.a["dispatcher"]).status_code == 200


def test_token_lists_are_paginated(app: Flask, client: FlaskClient, world: World) -> None:
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        viewer = get_user(session, world.a["viewer"].user_id)
        for n in range(26):
            issue_token(session, viewer, name=f"bulk {n:02d}")
        session.commit()
    sign_in(client, world.a, "viewer")
    first = client.get("/admin/tokens")
    assert len(_row_ids(first.text)) == 25
    assert "Page 1 of 2" in first.text and 'href="/admin/tokens?page=2"' in first.text
    second = client.get("/admin/tokens?page=2")
    assert len(_row_ids(second.text)) == 2  # 26 bulk + the world's own
    assert not set(_row_ids(first.text)) & set(_row_ids(second.text))


def test_another_companys_token_is_not_found(client: FlaskClient, world: World) -> None:
    theirs = _api_token(client, world.a, "owner", "A's integration")
    sign_in(client, world.b, "owner")
    assert client.get(f"/admin/tokens/{theirs['id']}/revoke").status_code == 404
    token = csrf(client, "/admin/tokens/new")
    assert (
        client.post(f"/admin/tokens/{theirs['id']}/revoke", data={"csrf_token": token}).status_code
        == 404
    )
    assert theirs["id"] not in _row_ids(client.get("/admin/tokens?scope=all").text)
    assert client.get(f"{API}/me", headers=_bearer(theirs["secret"])).status_code == 200
