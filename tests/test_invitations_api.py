"""/api/v1/users: who a branch-level reader sees, a new invitation link, no self-deactivation."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient

from tests.support.mailbox import Mailbox
from tests.support.world import PASSWORD, TenantWorld, World, call

API = "/api/v1"


def _invite(
    client: FlaskClient, tw: TenantWorld, roles: list[dict[str, str | None]]
) -> tuple[str, str]:
    email = f"api-{uuid.uuid4().hex[:8]}@example.com"
    r = call(
        client,
        "POST",
        f"{API}/users",
        tw["owner"],
        json={"email": email, "name": "Invitee", "roles": roles},
    )
    assert r.status_code == 201, r.json
    return str(r.json["id"]), email


def test_branch_level_readers_see_the_people_of_their_branches(
    client: FlaskClient, world: World
) -> None:
    other, _ = _invite(client, world.a, [{"role": "viewer", "branch_id": str(world.a.other)}])
    for role in ("branch_admin", "dispatcher", "viewer"):
        listed = call(client, "GET", f"{API}/users?page_size=100", world.a[role]).json
        ids = {u["id"] for u in listed["items"]}
        main_people = {"branch_admin", "dispatcher", "technician", "viewer"}
        assert ids == {str(world.a[p].user_id) for p in main_people}, role
        assert listed["total"] == 4
        assert call(client, "GET", f"{API}/users/{other}", world.a[role]).status_code == 403
        owner = world.a["owner"].user_id
        assert call(client, "GET", f"{API}/users/{owner}", world.a[role]).status_code == 403
    everyone = call(client, "GET", f"{API}/users?page_size=100", world.a["admin"]).json
    assert everyone["total"] == 7 and other in {u["id"] for u in everyone["items"]}


def test_a_new_invitation_link_replaces_the_old_one(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    user_id, email = _invite(
        client, world.a, [{"role": "technician", "branch_id": str(world.a.main)}]
    )
    url = f"{API}/users/{user_id}/invitation"
    state = call(client, "GET", url, world.a["owner"]).json
    assert state["pending"] is True and state["sent_at"] and state["expires_at"]
    first = mailbox.last_token(email)

    r = call(client, "POST", url, world.a["branch_admin"])
    assert r.status_code == 200, r.json
    assert r.json["pending"] is True and r.json["sent_at"] >= state["sent_at"]
    second = mailbox.last_token(email, count=2)
    assert second != first
    confirm = f"{API}/auth/password-reset/confirm"
    old = client.post(confirm, json={"token": first, "password": PASSWORD})
    assert old.status_code == 422
    assert client.post(confirm, json={"token": second, "password": PASSWORD}).status_code == 204

    assert call(client, "GET", url, world.a["owner"]).json["pending"] is False
    accepted = call(client, "POST", url, world.a["owner"])
    assert accepted.status_code == 409 and "accepted" in accepted.json["message"]
    assert len(mailbox.to(email, timeout=0.3, count=3)) == 2


def test_never_invited_and_deactivated_people(client: FlaskClient, world: World) -> None:
    url = f"{API}/users/{world.a['viewer'].user_id}/invitation"
    assert call(client, "GET", url, world.a["owner"]).json == {
        "sent_at": None,
        "expires_at": None,
        "pending": False,
    }
    user_id, _ = _invite(client, world.a, [])
    assert call(client, "DELETE", f"{API}/users/{user_id}", world.a["owner"]).status_code == 204
    r = call(client, "POST", f"{API}/users/{user_id}/invitation", world.a["owner"])
    assert r.status_code == 409 and "deactivated" in r.json["message"]


def test_a_branch_admin_resends_only_to_their_branchs_people(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    elsewhere, email = _invite(
        client, world.a, [{"role": "technician", "branch_id": str(world.a.other)}]
    )
    r = call(client, "POST", f"{API}/users/{elsewhere}/invitation", world.a["branch_admin"])
    assert r.status_code == 403
    assert len(mailbox.to(email, timeout=0.3, count=2)) == 1


def test_nobody_deactivates_themselves(client: FlaskClient, world: World) -> None:
    admin = world.a["admin"]
    r = call(client, "DELETE", f"{API}/users/{admin.user_id}", admin)
    assert r.status_code == 409 and "your own account" in r.json["message"]
    assert call(client, "GET", f"{API}/me", admin).status_code == 200
