"""Custom roles, assignments per branch, no privilege escalation, policy reaches every worker."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dala import create_app
from tests.conftest import TestDatabase, app_config
from tests.support.mailbox import Mailbox
from tests.support.world import World, call

API = "/api/v1"


def test_custom_role_grants_exactly_its_permissions(client: FlaskClient, world: World) -> None:
    owner, viewer = world.a["owner"], world.a["viewer"]
    r = call(
        client,
        "POST",
        f"{API}/roles",
        owner,
        json={
            "key": "branch_opener",
            "name": "Branch opener",
            "permissions": ["branch:read", "branch:create"],
        },
    )
    assert r.status_code == 201 and r.json["builtin"] is False
    body = {"name": "Opened by viewer", "timezone": "Asia/Almaty"}
    assert call(client, "POST", f"{API}/branches", viewer, json=body).status_code == 403
    grant = call(
        client,
        "POST",
        f"{API}/role-assignments",
        owner,
        json={"user_id": str(viewer.user_id), "role": "branch_opener", "branch_id": None},
    )
    assert grant.status_code == 201
    assert call(client, "POST", f"{API}/branches", viewer, json=body).status_code == 201
    # Take the permission out of the role: the next request sees it.
    call(
        client, "PATCH", f"{API}/roles/branch_opener", owner, json={"permissions": ["branch:read"]}
    )
    body2 = {"name": "Second", "timezone": "Asia/Almaty"}
    assert call(client, "POST", f"{API}/branches", viewer, json=body2).status_code == 403


def test_unknown_permissions_and_builtin_edits_are_refused(
    client: FlaskClient, world: World
) -> None:
    owner = world.a["owner"]
    bad = call(
        client,
        "POST",
        f"{API}/roles",
        owner,
        json={"key": "bad", "name": "Bad", "permissions": ["rocket:launch"]},
    )
    assert bad.status_code == 422 and "permissions" in bad.json["errors"]
    clash = call(
        client,
        "POST",
        f"{API}/roles",
        owner,
        json={"key": "dispatcher", "name": "Mine", "permissions": []},
    )
    assert clash.status_code == 409
    edit = call(client, "PATCH", f"{API}/roles/owner", owner, json={"name": "Boss"})
    assert edit.status_code == 409
    assert call(client, "DELETE", f"{API}/roles/viewer", owner).status_code == 409


def test_role_in_use_cannot_be_deleted(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    call(client, "POST", f"{API}/roles", owner, json={"key": "used", "name": "Used"})
    a = call(
        client,
        "POST",
        f"{API}/role-assignments",
        owner,
        json={
            "user_id": str(world.a["viewer"].user_id),
            "role": "used",
            "branch_id": str(world.a.main),
        },
    )
    assert call(client, "DELETE", f"{API}/roles/used", owner).status_code == 409
    call(client, "DELETE", f"{API}/role-assignments/{a.json['id']}", owner)
    assert call(client, "DELETE", f"{API}/roles/used", owner).status_code == 204
    assert call(client, "GET", f"{API}/roles/used", owner).status_code == 404


def test_branch_admin_cannot_escalate(client: FlaskClient, world: World) -> None:
    ba = world.a["branch_admin"]
    target = str(world.a["technician"].user_id)
    for role, branch in (
        ("owner", None),
        ("admin", str(world.a.main)),
        ("dispatcher", str(world.a.other)),
        ("technician", None),
    ):
        r = call(
            client,
            "POST",
            f"{API}/role-assignments",
            ba,
            json={"user_id": target, "role": role, "branch_id": branch},
        )
        assert r.status_code == 403, (role, branch, r.json)
    ok = call(
        client,
        "POST",
        f"{API}/role-assignments",
        ba,
        json={"user_id": target, "role": "dispatcher", "branch_id": str(world.a.main)},
    )
    assert ok.status_code == 201


def test_admin_cannot_grant_owner(client: FlaskClient, world: World) -> None:
    r = call(
        client,
        "POST",
        f"{API}/role-assignments",
        world.a["admin"],
        json={"user_id": str(world.a["admin"].user_id), "role": "owner", "branch_id": None},
    )
    assert r.status_code == 403


def test_last_owner_stays(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    mine = call(client, "GET", f"{API}/role-assignments?user_id={owner.user_id}", owner).json
    r = call(client, "DELETE", f"{API}/role-assignments/{mine['items'][0]['id']}", owner)
    assert r.status_code == 409
    assert call(client, "DELETE", f"{API}/users/{owner.user_id}", owner).status_code == 409


def test_duplicate_assignment_is_409(client: FlaskClient, world: World) -> None:
    body = {
        "user_id": str(world.a["dispatcher"].user_id),
        "role": "dispatcher",
        "branch_id": str(world.a.main),
    }
    assert (
        call(client, "POST", f"{API}/role-assignments", world.a["owner"], json=body).status_code
        == 409
    )


def test_tenant_wide_role_applies_to_new_branches(client: FlaskClient, world: World) -> None:
    owner, admin = world.a["owner"], world.a["admin"]
    new = call(
        client,
        "POST",
        f"{API}/branches",
        owner,
        json={"name": "Shymkent", "timezone": "Asia/Almaty"},
    ).json
    r = call(
        client, "PATCH", f"{API}/branches/{new['id']}", admin, json={"address": "Tauke khan 1"}
    )
    assert r.status_code == 200
    me = call(client, "GET", f"{API}/me", admin).json
    assert new["id"] in {g["branch_id"] for g in me["grants"]}


def test_branch_role_is_limited_to_its_branch(client: FlaskClient, world: World) -> None:
    ba = world.a["branch_admin"]
    assert (
        call(
            client, "PATCH", f"{API}/branches/{world.a.main}", ba, json={"address": "x"}
        ).status_code
        == 200
    )
    assert (
        call(
            client, "PATCH", f"{API}/branches/{world.a.other}", ba, json={"address": "x"}
        ).status_code
        == 403
    )
    visible = call(client, "GET", f"{API}/branches", world.a["technician"]).json
    assert [b["id"] for b in visible["items"]] == [str(world.a.main)]


def test_deleting_a_branch_removes_its_assignments(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    branch = call(
        client,
        "POST",
        f"{API}/branches",
        owner,
        json={"name": "Temporary", "timezone": "Asia/Almaty"},
    ).json
    call(
        client,
        "POST",
        f"{API}/role-assignments",
        owner,
        json={
            "user_id": str(world.a["viewer"].user_id),
            "role": "dispatcher",
            "branch_id": branch["id"],
        },
    )
    assert call(client, "DELETE", f"{API}/branches/{branch['id']}", owner).status_code == 204
    left = call(
        client, "GET", f"{API}/role-assignments?user_id={world.a['viewer'].user_id}", owner
    ).json
    assert branch["id"] not in {a["branch_id"] for a in left["items"]}


def test_policy_change_reaches_another_worker(
    app: Flask, world: World, database: TestDatabase, mailbox: Mailbox
) -> None:
    """Two app instances = two worker processes' policy caches over one database."""
    other_worker = create_app(app_config(database, mailbox))
    c1, c2 = app.test_client(), other_worker.test_client()
    viewer = world.a["viewer"]
    body = {"name": "Via worker two", "timezone": "Asia/Almaty"}
    assert call(c2, "POST", f"{API}/branches", viewer, json=body).status_code == 403  # cached
    call(
        c1,
        "POST",
        f"{API}/role-assignments",
        world.a["owner"],
        json={"user_id": str(viewer.user_id), "role": "admin", "branch_id": None},
    )
    assert call(c2, "POST", f"{API}/branches", viewer, json=body).status_code == 201
    store = other_worker.extensions["dala.policy"]
    call(c2, "GET", f"{API}/me", viewer)  # the new branch bumped the version: one reload
    loads = store.loads
    call(c2, "GET", f"{API}/me", viewer)
    assert store.loads == loads  # unchanged policy: served from the cache
    other_worker.extensions["dala.db"].engine.dispose()


def test_role_editor_cannot_add_permissions_they_lack(client: FlaskClient, world: World) -> None:
    """An admin (no tenant:update) must not widen a role it holds into an owner's rights."""
    admin = world.a["admin"]
    made = call(
        client,
        "POST",
        f"{API}/roles",
        admin,
        json={"key": "esc", "name": "Esc", "permissions": ["branch:read"]},
    )
    assert made.status_code == 201
    call(
        client,
        "POST",
        f"{API}/role-assignments",
        admin,
        json={"user_id": str(admin.user_id), "role": "esc", "branch_id": None},
    )
    widened = call(
        client,
        "PATCH",
        f"{API}/roles/esc",
        admin,
        json={"permissions": ["branch:read", "tenant:update"]},
    )
    assert widened.status_code == 403, widened.json
    assert call(client, "PATCH", f"{API}/tenant", admin, json={"name": "Mine"}).status_code == 403
    created = call(
        client,
        "POST",
        f"{API}/roles",
        admin,
        json={"key": "esc2", "name": "Esc2", "permissions": ["tenant:update"]},
    )
    assert created.status_code == 403
    # The owner may build a role with the owner's rights; the admin may neither take
    # those out of it nor delete it.
    owner_made = call(
        client,
        "POST",
        f"{API}/roles",
        world.a["owner"],
        json={"key": "billing", "name": "Billing", "permissions": ["tenant:update"]},
    )
    assert owner_made.status_code == 201
    narrowed = call(client, "PATCH", f"{API}/roles/billing", admin, json={"permissions": []})
    assert narrowed.status_code == 403
    assert call(client, "DELETE", f"{API}/roles/billing", admin).status_code == 403


def test_branch_scoped_role_rights_do_not_reach_company_roles(
    client: FlaskClient, world: World
) -> None:
    owner, tech = world.a["owner"], world.a["technician"]
    call(
        client,
        "POST",
        f"{API}/roles",
        owner,
        json={
            "key": "role_editor",
            "name": "Role editor",
            "permissions": ["role:read", "role:update", "role:create"],
        },
    )
    call(
        client,
        "POST",
        f"{API}/role-assignments",
        owner,
        json={"user_id": str(tech.user_id), "role": "role_editor", "branch_id": str(world.a.main)},
    )
    r = call(
        client,
        "PATCH",
        f"{API}/roles/role_editor",
        tech,
        json={"permissions": ["role:read", "role:update", "user:read"]},
    )
    assert r.status_code == 403, r.json
    r = call(client, "POST", f"{API}/roles", tech, json={"key": "mine", "name": "Mine"})
    assert r.status_code == 403


def _invite_second_owner(client: FlaskClient, world: World) -> str:
    r = call(
        client,
        "POST",
        f"{API}/users",
        world.a["owner"],
        json={
            "email": "second-owner@example.com",
            "name": "Second owner",
            "roles": [{"role": "owner", "branch_id": None}],
        },
    )
    assert r.status_code == 201, r.json
    return str(r.json["id"])


def test_admin_cannot_deactivate_an_owner(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    second = _invite_second_owner(client, world)
    for target in (str(owner.user_id), second):
        r = call(client, "DELETE", f"{API}/users/{target}", world.a["admin"])
        assert r.status_code == 403, r.json
    assert call(client, "GET", f"{API}/me", owner).status_code == 200
    assert (
        call(
            client, "DELETE", f"{API}/users/{world.a['viewer'].user_id}", world.a["admin"]
        ).status_code
        == 204
    )


@pytest.mark.postgres_only
def test_two_owners_deactivating_each_other_at_once_leave_one(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dala.auth.users as users_module
    from dala.auth.tokens import issue_token
    from dala.db import database
    from dala.tenancy import context

    owner = world.a["owner"]
    client = app.test_client()
    second = _invite_second_owner(client, world)
    with app.app_context():
        session = database(app).session_factory()
        with context.tenant_scope(world.a.tenant_id):
            user = users_module.get_user(session, uuid.UUID(second))
            users_module.set_password(user, "co-owner password")
            second_token = issue_token(session, user, name="t").secret
            session.commit()
        session.close()

    real_check = users_module.is_last_owner

    def slow_check(session: Any, user_id: uuid.UUID) -> bool:
        answer = real_check(session, user_id)
        time.sleep(0.3)  # without the tenant lock both requests pass this check
        return answer

    monkeypatch.setattr(users_module, "is_last_owner", slow_check)
    results: list[int] = []

    def deactivate(headers: dict[str, str], target: object) -> None:
        r = app.test_client().delete(f"{API}/users/{target}", headers=headers)
        results.append(r.status_code)

    threads = [
        threading.Thread(target=deactivate, args=(owner.headers, second)),
        threading.Thread(
            target=deactivate, args=({"Authorization": f"Bearer {second_token}"}, owner.user_id)
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) in ([204, 401], [204, 409]), results
