"""Admin portal, roles: the permission grid, custom roles made, edited and deleted through the
same service as the API (no rights beyond the editor's own, no deleting a role in use)."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient

from dala.auth.grants import grant_role
from dala.auth.users import invite_user, set_password
from dala.db import get_session
from dala.tenancy import context
from tests.support.portal import csrf, send_form, sign_in
from tests.support.world import PASSWORD, Person, TenantWorld, World, call

API = "/api/v1"


def _api_role(client: FlaskClient, tw: TenantWorld, key: str) -> dict[str, object] | None:
    r = call(client, "GET", f"{API}/roles/{key}", tw["owner"])
    return r.json if r.status_code == 200 else None


def _make_role(client: FlaskClient, tw: TenantWorld, key: str, permissions: list[str]) -> None:
    r = call(
        client,
        "POST",
        f"{API}/roles",
        tw["owner"],
        json={"key": key, "name": key.replace("_", " ").title(), "permissions": permissions},
    )
    assert r.status_code == 201, r.json


def _cell(page: str, role: str, permission: str) -> str | None:
    """``true``/``false``: whether the grid shows ``role`` holding ``permission``."""
    match = re.search(
        rf'data-testid="grid-cell" data-role="{role}" data-permission="{permission}" '
        r'data-held="(true|false)"',
        page,
    )
    return match.group(1) if match else None


def _person(
    app: Flask, tw: TenantWorld, name: str, roles: list[tuple[str, uuid.UUID | None]]
) -> str:
    """A new user of ``tw`` holding ``roles`` (key, branch or None); their key in ``tw``."""
    with app.app_context(), context.tenant_scope(tw.tenant_id):
        session = get_session()
        email = f"{name}-{uuid.uuid4().hex[:6]}@example.com"
        user = invite_user(session, email=email, name=name.replace("_", " ").title(), locale="en")
        set_password(user, PASSWORD)
        for role, branch in roles:
            grant_role(session, user_id=user.id, role_key=role, branch_id=branch)
        session.commit()
        tw.people[name] = Person(user.id, email, "")
    return name


def test_grid_shows_every_permission_and_role(client: FlaskClient, world: World) -> None:
    _make_role(client, world.a, "zeta_planner", ["job:read", "warranty:read"])
    _make_role(client, world.a, "alpha_clerk", ["customer:read"])
    sign_in(client, world.a, "dispatcher")  # role:read in its branch
    page = client.get("/admin/roles")
    assert page.status_code == 200
    text = page.text
    # Core permissions under their resource's heading, module ones under the module's label.
    assert re.search(r'data-group="job">\s*<th[^>]*>\s*Jobs\s*</th>', text)
    assert re.search(r'data-group="customer">\s*<th[^>]*>\s*Customers\s*</th>', text)
    assert re.search(
        r'data-group="module-acme_warranty">\s*<th[^>]*>\s*Warranty tracker '
        r"<span[^>]*>Module</span>",
        text,
    )
    assert "View warranty registrations" in text
    module_group = text.index('data-group="module-acme_warranty"')
    assert text.index('data-permission="warranty:read"', module_group) > module_group
    # Built-in roles in their order, then custom roles by name.
    columns = re.findall(r'data-testid="grid-role" data-role="([a-z_]+)"', text)
    assert columns == [
        "owner",
        "admin",
        "branch_admin",
        "dispatcher",
        "technician",
        "viewer",
        "alpha_clerk",
        "zeta_planner",
    ]
    # Ticks as the roles hold them: built-ins with what modules grant them, custom as saved.
    assert _cell(text, "owner", "tenant:update") == "true"
    assert _cell(text, "admin", "tenant:update") == "false"
    assert _cell(text, "admin", "warranty:read") == "true"
    assert _cell(text, "dispatcher", "job:create") == "true"
    assert _cell(text, "viewer", "job:create") == "false"
    assert _cell(text, "zeta_planner", "warranty:read") == "true"
    assert _cell(text, "zeta_planner", "job:create") == "false"
    assert _cell(text, "alpha_clerk", "customer:read") == "true"
    # A dispatcher may look but not make roles.
    assert 'data-testid="new-role"' not in text


def test_owner_creates_edits_and_deletes_a_custom_role(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "owner")
    form = client.get("/admin/roles/new")
    assert form.status_code == 200
    assert 'data-testid="permission-checkboxes"' in form.text
    assert 'value="warranty:manage"' in form.text  # module permissions are offered too

    made = send_form(
        client,
        "/admin/roles/new",
        {
            "name": "Senior technician",
            "key": "",
            "description": "Works jobs and sees the branch's",
            "permissions": ["job:read", "job:work"],
        },
    )
    assert made.status_code == 302
    assert made.headers["Location"].endswith("/admin/roles/senior_technician")
    role = _api_role(client, world.a, "senior_technician")
    assert role is not None
    assert role["permissions"] == ["job:read", "job:work"]
    assert role["description"] == "Works jobs and sees the branch's"

    page = client.get("/admin/roles/senior_technician")
    assert page.status_code == 200
    assert 'data-testid="role-key">senior_technician' in page.text
    assert re.search(r'value="job:work"\s+name="permissions"[^>]*checked', page.text)
    version = str(role["version"])

    # "All in this group" without JavaScript: ticking the customers' box adds the group.
    edited = send_form(
        client,
        "/admin/roles/senior_technician",
        {
            "name": "Lead technician",
            "description": "",
            "permissions": ["job:read", "job:work"],
            "group_all": ["customer"],
            "version": version,
        },
    )
    assert edited.status_code == 302, edited.text
    role = _api_role(client, world.a, "senior_technician")
    assert role is not None and role["name"] == "Lead technician"
    assert set(role["permissions"]) == {
        "job:read",
        "job:work",
        "customer:read",
        "customer:create",
        "customer:update",
        "customer:delete",
    }
    # ... and clearing a whole group's box (it was drawn ticked) takes the group out.
    page = client.get("/admin/roles/senior_technician")
    assert 'name="group_all_before" value="customer"' in page.text
    cleared = send_form(
        client,
        "/admin/roles/senior_technician",
        {
            "name": "Lead technician",
            "permissions": ["job:read", "job:work", "customer:read"],
            "group_all_before": ["customer"],
            "version": str(role["version"]),
        },
    )
    assert cleared.status_code == 302
    role = _api_role(client, world.a, "senior_technician")
    assert role is not None and role["permissions"] == ["job:read", "job:work"]

    # A stale form (someone saved meanwhile) changes nothing.
    stale = send_form(
        client,
        "/admin/roles/senior_technician",
        {"name": "Lost edit", "permissions": ["job:read"], "version": version},
    )
    assert stale.status_code == 412 and "changed this role meanwhile" in stale.text
    assert _api_role(client, world.a, "senior_technician")["name"] == "Lead technician"  # type: ignore[index]

    confirm = client.get("/admin/roles/senior_technician/delete")
    assert confirm.status_code == 200 and 'data-testid="confirm-delete-role"' in confirm.text
    gone = send_form(client, "/admin/roles/senior_technician/delete", {})
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/admin/roles")
    assert _api_role(client, world.a, "senior_technician") is None
    assert client.get("/admin/roles/senior_technician").status_code == 404


def test_role_form_puts_errors_next_to_the_fields(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "owner")
    blank = send_form(
        client, "/admin/roles/new", {"name": "  ", "key": "", "permissions": ["job:read"]}
    )
    assert blank.status_code == 422
    assert 'id="name-error"' in blank.text and "Give the role a name." in blank.text
    # What was ticked stays ticked.
    assert re.search(r'value="job:read"\s+name="permissions"[^>]*checked', blank.text)

    bad_key = send_form(
        client, "/admin/roles/new", {"name": "Planner", "key": "Planner!", "permissions": []}
    )
    assert bad_key.status_code == 422
    assert 'id="key-error"' in bad_key.text and "lower-case letters" in bad_key.text

    taken = send_form(client, "/admin/roles/new", {"name": "Dispatcher", "permissions": []})
    assert taken.status_code == 409
    assert 'id="key-error"' in taken.text and 'value="dispatcher"' in taken.text

    unknown = send_form(
        client,
        "/admin/roles/new",
        {"name": "Rocketeer", "key": "rocketeer", "permissions": ["rocket:launch"]},
    )
    assert unknown.status_code == 422
    assert 'id="permissions-error"' in unknown.text and "rocket:launch" in unknown.text

    too_long = send_form(
        client, "/admin/roles/new", {"name": "x" * 81, "key": "long", "description": "d" * 501}
    )
    assert too_long.status_code == 422
    assert 'id="name-error"' in too_long.text and 'id="description-error"' in too_long.text

    roles = call(client, "GET", f"{API}/roles?builtin=false", world.a["owner"]).json
    assert roles["total"] == 0


def test_nobody_grants_permissions_they_do_not_hold(
    app: Flask, client: FlaskClient, world: World
) -> None:
    # The admin holds everything but tenant:update, company-wide.
    sign_in(client, world.a, "admin")
    form = client.get("/admin/roles/new")
    assert re.search(r'id="perm-tenant-update" value="tenant:update"\s+data-group', form.text)
    assert 'id="perm-tenant-update-locked"' in form.text  # shown locked, not offered
    forged = send_form(
        client,
        "/admin/roles/new",
        {"name": "Company editor", "key": "company_editor", "permissions": ["tenant:update"]},
    )
    assert forged.status_code == 403
    assert 'id="permissions-error"' in forged.text
    assert "You cannot grant permissions you do not hold: tenant:update" in forged.text
    assert _api_role(client, world.a, "company_editor") is None

    # A copy of the owner's role leaves out what the admin lacks and says so.
    copy = client.get("/admin/roles/new?from=owner")
    assert copy.status_code == 200
    assert 'value="Owner (copy)"' in copy.text
    assert 'data-testid="left-out"' in copy.text and "tenant:update" in copy.text

    # An owner's role holding tenant:update: the admin sees it locked and keeps it as it is.
    _make_role(client, world.a, "billing", ["tenant:update", "tenant:read"])
    page = client.get("/admin/roles/billing")
    assert '<input type="hidden" name="permissions" value="tenant:update">' in page.text
    kept = send_form(
        client,
        "/admin/roles/billing",
        {
            "name": "Billing desk",
            "permissions": ["tenant:read", "tenant:update"],
            "version": str(_api_role(client, world.a, "billing")["version"]),  # type: ignore[index]
        },
    )
    assert kept.status_code == 302
    assert _api_role(client, world.a, "billing")["permissions"] == [  # type: ignore[index]
        "tenant:read",
        "tenant:update",
    ]

    # A branch admin may not make roles at all; with role rights company-wide they still
    # cannot put in tenant:update, nor the rights they hold only in their branch.
    _make_role(client, world.a, "role_maker", ["role:read", "role:create", "tenant:read"])
    person = _person(
        app, world.a, "branch_boss", [("branch_admin", world.a.main), ("role_maker", None)]
    )
    plain = _person(app, world.a, "plain_branch_admin", [("branch_admin", world.a.main)])
    client.post("/logout", data={"csrf_token": csrf(client, "/admin/roles")})
    sign_in(client, world.a, plain)
    assert client.get("/admin/roles/new").status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client, "/admin/roles")})
    sign_in(client, world.a, person)
    form = client.get("/admin/roles/new")
    assert form.status_code == 200
    assert 'id="perm-tenant-update-locked"' in form.text
    assert 'id="perm-job-read-locked"' in form.text  # held in the branch only
    for permissions in (["tenant:update"], ["job:read"]):
        refused = send_form(
            client,
            "/admin/roles/new",
            {"name": "Escalator", "key": "escalator", "permissions": permissions},
        )
        assert refused.status_code == 403
        assert 'id="permissions-error"' in refused.text and permissions[0] in refused.text
    assert _api_role(client, world.a, "escalator") is None
    ok = send_form(
        client,
        "/admin/roles/new",
        {"name": "Reader", "key": "reader", "permissions": ["tenant:read"]},
    )
    assert ok.status_code == 302


def test_builtin_roles_are_read_only_and_can_be_duplicated(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.a, "owner")
    page = client.get("/admin/roles/dispatcher")
    assert page.status_code == 200
    assert 'data-testid="builtin-note"' in page.text
    assert 'data-testid="role-form"' not in page.text
    assert 'href="/admin/roles/new?from=dispatcher"' in page.text
    assert 'data-permission="job:create" data-held="true"' in page.text
    assert 'data-permission="tenant:update" data-held="false"' in page.text

    copy = client.get("/admin/roles/new?from=dispatcher")
    assert copy.status_code == 200 and 'value="Dispatcher (copy)"' in copy.text
    assert re.search(r'value="job:create"\s+name="permissions"[^>]*checked', copy.text)
    assert not re.search(r'value="tenant:update"\s+name="permissions"[^>]*checked', copy.text)
    assert 'data-testid="left-out"' not in copy.text  # the owner holds everything
    assert client.get("/admin/roles/new?from=nobody_here").status_code == 404

    # Built-in roles are not changed or deleted, whatever is posted.
    changed = send_form(
        client,
        "/admin/roles/dispatcher",
        {"name": "Boss", "permissions": []},
        form_url="/admin/roles/new",
    )
    assert changed.status_code == 409
    assert client.get("/admin/roles/viewer/delete").status_code == 409
    dispatcher = call(client, "GET", f"{API}/roles/dispatcher", world.a["owner"]).json
    assert "job:create" in dispatcher["permissions"]


def test_a_role_still_assigned_is_not_deleted(client: FlaskClient, world: World) -> None:
    _make_role(client, world.a, "night_shift", ["job:read"])
    owner = world.a["owner"]
    assignment = call(
        client,
        "POST",
        f"{API}/role-assignments",
        owner,
        json={
            "user_id": str(world.a["viewer"].user_id),
            "role": "night_shift",
            "branch_id": str(world.a.main),
        },
    )
    assert assignment.status_code == 201
    sign_in(client, world.a, "owner")
    refused = send_form(client, "/admin/roles/night_shift/delete", {})
    assert refused.status_code == 409
    assert 'data-testid="delete-error"' in refused.text
    assert "assigned to 1 user(s)" in refused.text
    assert _api_role(client, world.a, "night_shift") is not None

    call(client, "DELETE", f"{API}/role-assignments/{assignment.json['id']}", owner)
    assert send_form(client, "/admin/roles/night_shift/delete", {}).status_code == 302
    assert _api_role(client, world.a, "night_shift") is None


def test_viewer_reads_roles_but_changes_nothing(client: FlaskClient, world: World) -> None:
    _make_role(client, world.a, "porter", ["job:read"])
    sign_in(client, world.a, "viewer")
    grid = client.get("/admin/roles")
    assert grid.status_code == 200 and 'data-testid="new-role"' not in grid.text
    assert client.get("/admin/roles/new").status_code == 403
    token = csrf(client, "/admin/roles/porter")
    created = client.post(
        "/admin/roles/new", data={"csrf_token": token, "name": "Mine", "key": "mine"}
    )
    assert created.status_code == 403
    page = client.get("/admin/roles/porter")
    assert page.status_code == 200
    assert "<fieldset disabled>" in page.text
    assert 'data-testid="save-role"' not in page.text
    assert 'data-testid="delete-role"' not in page.text
    edit = client.post(
        "/admin/roles/porter",
        data={"csrf_token": token, "name": "Taken over", "permissions": ["job:read"]},
    )
    assert edit.status_code == 403
    assert client.get("/admin/roles/porter/delete").status_code == 403
    assert client.post("/admin/roles/porter/delete", data={"csrf_token": token}).status_code == 403
    assert _api_role(client, world.a, "porter")["name"] == "Porter"  # type: ignore[index]
    assert _api_role(client, world.a, "mine") is None


def test_another_companys_role_is_not_found(client: FlaskClient, world: World) -> None:
    _make_role(client, world.a, "a_only", ["job:read"])
    sign_in(client, world.b, "owner")
    token = csrf(client, "/admin/roles/new")
    assert client.get("/admin/roles/a_only").status_code == 404
    posted = client.post(
        "/admin/roles/a_only",
        data={"csrf_token": token, "name": "Taken", "permissions": [], "version": "1"},
    )
    assert posted.status_code == 404
    assert client.get("/admin/roles/a_only/delete").status_code == 404
    assert client.post("/admin/roles/a_only/delete", data={"csrf_token": token}).status_code == 404
    assert client.get("/admin/roles/new?from=a_only").status_code == 404
    assert 'data-role="a_only"' not in client.get("/admin/roles").text
    assert _api_role(client, world.a, "a_only")["name"] == "A Only"  # type: ignore[index]
