"""Admin portal, branches: list, add, edit with field errors and stale-edit protection."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from dala.db import get_session
from dala.tenancy import context
from dala.tenancy.models import Branch
from tests.support.portal import send_form, sign_in
from tests.support.world import World


def test_owner_lists_adds_and_edits_branches(client: FlaskClient, world: World, app: Flask) -> None:
    sign_in(client, world.a, "owner")
    page = client.get("/admin/branches")
    assert page.status_code == 200
    assert "Main" in page.text and "Other" in page.text
    assert "Alpha" not in page.text or world.b.slug not in page.text

    bad = send_form(
        client, "/admin/branches/new", {"name": "", "timezone": "Mars/Olympus", "address": ""}
    )
    assert bad.status_code == 422
    assert 'id="name-error"' in bad.text and "Give the branch a name." in bad.text
    assert 'id="timezone-error"' in bad.text

    added = send_form(
        client,
        "/admin/branches/new",
        {
            "name": "Shymkent",
            "timezone": "Asia/Almaty",
            "address": "Tauke Khan 12",
            "currency": "",
            "locale": "",
        },
    )
    assert added.status_code == 302
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        from sqlalchemy import select

        branch = get_session().scalars(select(Branch).where(Branch.name == "Shymkent")).one()
        assert (branch.currency, branch.locale) == ("KZT", "kk")
        branch_id, version = branch.id, branch.version

    dup = send_form(
        client,
        "/admin/branches/new",
        {"name": "main", "timezone": "Asia/Almaty", "currency": "", "locale": ""},
    )
    assert dup.status_code == 409 and "already exists" in dup.text

    url = f"/admin/branches/{branch_id}"
    edit = send_form(
        client,
        url,
        {
            "name": "Shymkent South",
            "timezone": "Asia/Almaty",
            "currency": "KZT",
            "locale": "ru",
            "address": "Tauke Khan 14",
            "version": str(version),
        },
    )
    assert edit.status_code == 302
    stale = send_form(
        client,
        url,
        {
            "name": "Lost edit",
            "timezone": "Asia/Almaty",
            "currency": "",
            "locale": "",
            "version": str(version),
        },
    )
    assert stale.status_code == 412 and "changed this branch meanwhile" in stale.text
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        branch = get_session().get(Branch, (world.a.tenant_id, branch_id))
        assert branch is not None
        assert (branch.name, branch.locale) == ("Shymkent South", "ru")


def test_another_companys_branch_is_not_found(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "owner")
    assert client.get(f"/admin/branches/{world.b.main}").status_code == 404


def test_dispatcher_reads_branches_but_cannot_change_them(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.a, "dispatcher")
    page = client.get("/admin/branches")
    assert page.status_code == 200
    assert 'data-testid="add-branch"' not in page.text
    assert 'href="/admin/modules"' not in page.text  # no module:read
    assert 'href="/admin/tokens"' in page.text  # own API tokens
    assert "Other" not in page.text  # only the branch the dispatcher works in
    assert client.get("/admin/branches/new").status_code == 403
    edit = send_form(
        client,
        f"/admin/branches/{world.a.main}",
        {"name": "Taken over", "timezone": "Asia/Almaty", "currency": "", "locale": ""},
    )
    assert edit.status_code == 403
