"""The audit log: every administrative change, with before and after, never a secret."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from dala.db import get_session
from dala.tenancy import context
from tests.support.world import World, call

API = "/api/v1"


def _log(client: FlaskClient, w: World, query: str = "") -> list[dict[str, Any]]:
    r = call(client, "GET", f"{API}/audit-events?page_size=100&{query}", w.a["owner"])
    assert r.status_code == 200, r.json
    return list(r.json["items"])


def test_changes_are_logged_with_who_before_and_after(client: FlaskClient, world: World) -> None:
    t = world.a
    r = call(
        client,
        "PATCH",
        f"{API}/branches/{t.main}",
        t["branch_admin"],
        json={"address": "Abay 10"},
        headers={"X-Dala-Client": "web"},
    )
    assert r.status_code == 200
    [entry] = _log(client, world, f"target_type=branch&target_id={t.main}")
    assert entry["action"] == "updated" and entry["user_id"] == str(t["branch_admin"].user_id)
    assert entry["changes"]["after"] == {"address": "Abay 10"}
    assert entry["changes"]["before"] == {"address": ""}
    assert entry["source"] == "web"
    invited = call(
        client,
        "POST",
        f"{API}/users",
        t["owner"],
        json={"email": "new.person@example.com", "name": "New Person"},
    ).json
    created = _log(client, world, f"target_type=user&target_id={invited['id']}")
    assert created[0]["action"] == "created"
    assert created[0]["changes"]["after"]["email"] == "new.person@example.com"
    assert "password_hash" not in created[0]["changes"]["after"]
    by_owner = _log(client, world, f"user_id={t['owner'].user_id}")
    assert {e["target_type"] for e in by_owner} >= {"user"}


def test_the_log_filters_by_action_and_names_where_a_module_was_switched(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    url = f"{API}/modules/acme_warranty"
    for on in (True, False):
        body = {"branch_id": str(t.other), "enabled": on}
        assert call(client, "PATCH", url, t["owner"], json=body).status_code == 200
    updated = _log(client, world, "target_type=module&action=updated")
    assert [e["action"] for e in updated] == ["updated"]
    assert updated[0]["changes"]["after"] == {"enabled": False}
    assert updated[0]["changes"]["scope"] == {"branch_id": str(t.other)}
    created = _log(client, world, "target_type=module&action=created")
    assert created[0]["changes"]["scope"] == {"branch_id": str(t.other)}
    r = call(client, "GET", f"{API}/audit-events?action=renamed", t["owner"])
    assert r.status_code == 422


def test_secrets_never_reach_the_log_and_its_rows_are_encrypted(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    made = call(client, "POST", f"{API}/tokens", t["owner"], json={"name": "CI"}).json
    [entry] = _log(client, world, f"target_type=api_token&target_id={made['id']}")
    assert entry["changes"]["after"]["name"] == "CI"
    assert "secret_hash" not in entry["changes"]["after"]
    assert made["access_token"] not in str(entry)
    call(
        client,
        "POST",
        f"{API}/users",
        t["owner"],
        json={"email": "secret.person@example.com", "name": "Secret Person"},
    )
    with app.app_context(), context.tenant_scope(t.tenant_id):
        session = get_session()
        rows = session.execute(text("SELECT changes FROM audit_events")).all()
        session.rollback()
    raw = b"".join(bytes(r[0]) for r in rows)
    assert rows and b"secret.person" not in raw


def test_a_refused_change_leaves_no_record_and_logs_are_per_company(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    before = len(_log(client, world))
    r = call(
        client, "PATCH", f"{API}/branches/{t.main}", t["owner"], json={"timezone": "Mars/Olympus"}
    )
    assert r.status_code == 422
    assert len(_log(client, world)) == before
    b = call(client, "GET", f"{API}/audit-events?page_size=100", world.b["owner"]).get_data(True)
    assert str(t.main) not in b
    assert call(client, "GET", f"{API}/audit-events", t["dispatcher"]).status_code == 403
    assert call(client, "GET", f"{API}/audit-events?target_type=job", t["owner"]).status_code == 422
