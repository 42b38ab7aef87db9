"""Admin portal, users: list with search and filters, invitation, the user page with its
roles, editing, deactivation and a new invitation; who may do what; another company's ids."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from dala.auth.models import RoleAssignment, User, UserStatus
from dala.db import get_session
from dala.tenancy import context
from tests.support.mailbox import Mailbox
from tests.support.portal import csrf, send_form, sign_in
from tests.support.world import PASSWORD, TenantWorld, World, call

API = "/api/v1"


def _email(prefix: str = "person") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def invited(
    client: FlaskClient,
    tw: TenantWorld,
    *,
    name: str = "Invited Person",
    email: str | None = None,
    roles: Sequence[tuple[str, str | None]] = (),
) -> tuple[str, str]:
    """Someone tenant ``tw``'s owner invited (through the API); their id and e-mail.

    ``roles``: (role, "main" / "other" / None for all branches).
    """
    email = email or _email()
    grants = [
        {"role": role, "branch_id": str(getattr(tw, place)) if place else None}
        for role, place in roles
    ]
    r = call(
        client,
        "POST",
        f"{API}/users",
        tw["owner"],
        json={"email": email, "name": name, "roles": grants},
    )
    assert r.status_code == 201, r.json
    return str(r.json["id"]), email


def db_user(app: Flask, tw: TenantWorld, user_id: str | uuid.UUID) -> User:
    with app.app_context(), context.tenant_scope(tw.tenant_id):
        user = get_session().get(User, (tw.tenant_id, uuid.UUID(str(user_id))))
        assert user is not None
        return user


def db_roles(app: Flask, tw: TenantWorld, user_id: str | uuid.UUID) -> set[tuple[str, object]]:
    with app.app_context(), context.tenant_scope(tw.tenant_id):
        rows = get_session().execute(
            select(RoleAssignment.role, RoleAssignment.branch_id).where(
                RoleAssignment.user_id == uuid.UUID(str(user_id))
            )
        )
        return {(role, branch) for role, branch in rows}


def assignment_id(app: Flask, tw: TenantWorld, user_id: object, role: str) -> str:
    with app.app_context(), context.tenant_scope(tw.tenant_id):
        found = get_session().scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.user_id == uuid.UUID(str(user_id)), RoleAssignment.role == role
            )
        )
        assert found is not None
        return str(found)


def rows(page_text: str) -> list[str]:
    """The names in the list's rows, in order."""
    return re.findall(r'data-testid="user-name">([^<]+)<', page_text)


@contextmanager
def count_statements(app: Flask) -> Iterator[list[str]]:
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


# --- the list ------------------------------------------------------------------------------------


def test_owner_lists_everyone_with_status_roles_and_last_sign_in(
    client: FlaskClient, world: World
) -> None:
    invited(client, world.a, name="Zarina Invited", roles=[("viewer", "other")])
    sign_in(client, world.a, "owner")
    page = client.get("/admin/users")
    assert page.status_code == 200
    names = rows(page.text)
    for name in ("Admin", "Branch Admin", "Dispatcher", "Technician", "Viewer", "Zarina Invited"):
        assert name in names
    assert names == sorted(names)
    assert "Dispatcher · Main" in page.text
    assert "Owner · all branches" in page.text
    assert "Viewer · Other" in page.text
    assert "Invited</span>" in page.text and "Active</span>" in page.text
    assert 'data-testid="invite-user"' in page.text
    # The owner just signed in: today, in the branch's time zone (Main: Asia/Almaty).
    assert "Never" in page.text  # the invited person
    assert world.b.slug not in page.text


def test_search_and_filters(client: FlaskClient, world: World) -> None:
    invited(client, world.a, name="Aigerim Sadykova", email=_email("aigerim"))
    invited(client, world.a, name="Bolat Tech", roles=[("technician", "other")])
    sign_in(client, world.a, "owner")

    assert rows(client.get("/admin/users?q=sadyk").text) == ["Aigerim Sadykova"]
    assert rows(client.get("/admin/users?q=AIGERIM-").text) == ["Aigerim Sadykova"]
    assert rows(client.get("/admin/users?q=%25").text) == []  # no wildcard
    invited_only = rows(client.get("/admin/users?status=invited").text)
    assert set(invited_only) == {"Aigerim Sadykova", "Bolat Tech"}
    assert rows(client.get("/admin/users?role=technician").text) == ["Bolat Tech", "Technician"]
    both = client.get("/admin/users?role=technician&status=invited&q=bolat")
    assert rows(both.text) == ["Bolat Tech"]
    assert 'data-testid="clear-filters"' in both.text

    nobody = client.get("/admin/users?q=nobody-here")
    assert nobody.status_code == 200 and "Nobody matches these filters." in nobody.text

    bad = client.get("/admin/users?status=sleeping&role=pilot")
    assert bad.status_code == 422
    assert 'id="status-error"' in bad.text and 'id="role-error"' in bad.text
    assert rows(bad.text) == []


def test_list_pages_keep_the_filters(client: FlaskClient, world: World) -> None:
    for i in range(26):
        invited(client, world.a, name=f"Paged {i:02d}")
    sign_in(client, world.a, "owner")
    first = client.get("/admin/users?q=paged&status=invited")
    assert len(rows(first.text)) == 25
    assert "Page 1 of 2" in first.text
    assert "page=2" in first.text and "q=paged" in first.text and "status=invited" in first.text
    second = client.get("/admin/users?q=paged&status=invited&page=2")
    assert rows(second.text) == ["Paged 25"]


def test_branch_admin_sees_only_the_people_of_their_branch(
    client: FlaskClient, world: World
) -> None:
    elsewhere, _ = invited(
        client, world.a, name="Other Branch Tech", roles=[("technician", "other")]
    )
    both, _ = invited(
        client, world.a, name="Both Branches", roles=[("technician", "other"), ("viewer", "main")]
    )
    nowhere, _ = invited(client, world.a, name="No Role Yet")
    sign_in(client, world.a, "branch_admin")
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert set(rows(page.text)) == {
        "Branch Admin",
        "Dispatcher",
        "Technician",
        "Viewer",
        "Both Branches",
    }
    # Only the roles the branch admin may see: the other branch's stay hidden.
    assert "Viewer · Main" in page.text and "Technician · Other" not in page.text
    assert client.get(f"/admin/users/{both}").status_code == 200
    for hidden in (elsewhere, nowhere, str(world.a["owner"].user_id)):
        assert client.get(f"/admin/users/{hidden}").status_code == 403
    # The same rule as the API's.
    api = call(client, "GET", f"{API}/users?page_size=100", world.a["branch_admin"]).json
    assert {u["name"] for u in api["items"]} == set(rows(page.text))


def test_dispatcher_reads_people_but_not_their_roles(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "dispatcher")
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert "Technician" in rows(page.text)
    assert 'data-testid="user-roles"' not in page.text and 'name="role"' not in page.text
    assert 'data-testid="invite-user"' not in page.text
    detail = client.get(f"/admin/users/{world.a['technician'].user_id}")
    assert detail.status_code == 200
    for action in ("edit-user", "deactivate-user", "add-role-form", "remove-role", "user-roles"):
        assert f'data-testid="{action}"' not in detail.text


def test_technician_may_not_open_the_users(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "technician")
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{world.a['viewer'].user_id}").status_code == 403


def test_a_page_of_users_takes_the_same_statements_however_many_there_are(
    app: Flask, client: FlaskClient, world: World
) -> None:
    r = call(
        client,
        "POST",
        f"{API}/roles",
        world.a["owner"],
        json={"key": "night_shift", "name": "Night shift", "permissions": ["job:read"]},
    )
    assert r.status_code == 201, r.json
    places: list[str | None] = ["main", "other", None]
    for i in range(2):
        invited(client, world.a, name=f"Zz Few {i}", roles=[("night_shift", places[i])])
    for i in range(30):  # with two roles each: branches, company-wide, a custom role
        invited(
            client,
            world.a,
            name=f"A {i:02d}",
            roles=[("technician", "main"), ("night_shift", places[i % 3])],
        )
    sign_in(client, world.a, "owner")
    client.get("/admin/users")  # warm the policy cache

    def statements(url: str, expected_rows: int) -> list[str]:
        with count_statements(app) as seen:
            page = client.get(url)
        assert len(rows(page.text)) == expected_rows and "Night shift · " in page.text
        # A full page also counts the matches (for the pager); a short one needs not.
        return [s for s in seen if "count(*)" not in s.lower()]

    few = statements("/admin/users?q=zz+few", 2)
    full = statements("/admin/users", 25)
    assert len(full) == len(few), (few, full)


# --- inviting ------------------------------------------------------------------------------------


def test_owner_invites_with_a_first_role_and_the_mail_arrives(
    app: Flask, client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    sign_in(client, world.a, "owner")
    form = client.get("/admin/users/invite")
    assert form.status_code == 200
    assert '<option selected value="en">' in form.text  # the branch's language
    assert f'<option selected value="{world.a.main}">' in form.text  # the branch worked in
    assert '<option value="all">All branches</option>' in form.text
    assert '<option value="owner">Owner</option>' in form.text

    email = _email("aidos")
    sent = send_form(
        client,
        "/admin/users/invite",
        {
            "name": "  Aidos Seitkali ",
            "email": email.upper(),
            "locale": "ru",
            "role": "dispatcher",
            "branch": str(world.a.other),
        },
    )
    assert sent.status_code == 302, sent.text
    user_id = sent.headers["Location"].rsplit("/", 1)[1]
    user = db_user(app, world.a, user_id)
    assert (user.name, user.email, user.locale, user.status) == (
        "Aidos Seitkali",
        email,
        "ru",
        UserStatus.INVITED,
    )
    assert db_roles(app, world.a, user_id) == {("dispatcher", world.a.other)}
    message = mailbox.to(email)[-1]
    assert "Alpha Service" in str(message["Subject"])  # in Russian, the invitee's language
    assert mailbox.last_token(email)

    page = client.get(sent.headers["Location"])
    assert f"Invitation sent to {email}." in page.text
    assert "Dispatcher</span>" in page.text and "· Other" in page.text
    assert 'data-testid="invitation-state"' in page.text and "the link works until" in page.text


def test_invitation_with_everything_wrong_names_each_field_and_creates_nobody(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    sign_in(client, world.a, "owner")
    bad = send_form(
        client,
        "/admin/users/invite",
        {"name": "   ", "email": "not-an-address", "locale": "fr", "role": "", "branch": ""},
    )
    assert bad.status_code == 422
    for field in ("name", "email", "locale", "role", "branch"):
        assert f'id="{field}-error"' in bad.text, field
    assert re.search(r'id="name-error">Enter the person(\'|&#39;)s name.<', bad.text)
    assert "Not a valid e-mail address." in bad.text
    assert "Choose a role." in bad.text
    assert "not-an-address" in bad.text  # what they typed stays
    assert rows(client.get("/admin/users?q=not-an-address").text) == []


def test_duplicate_email_is_an_error_next_to_the_email(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    sign_in(client, world.a, "owner")
    taken = world.a["viewer"].email
    dup = send_form(
        client,
        "/admin/users/invite",
        {
            "name": "Second Viewer",
            "email": taken.upper(),
            "locale": "",
            "role": "viewer",
            "branch": str(world.a.main),
        },
    )
    assert dup.status_code == 409
    error = re.search(r'id="email-error">([^<]+)<', dup.text)
    assert error and "already exists" in error.group(1)
    assert "Second Viewer" not in rows(client.get("/admin/users").text)
    # Another company may have the same address.
    other = client.application.test_client()
    sign_in(other, world.b, "owner")
    ok = send_form(
        other,
        "/admin/users/invite",
        {"name": "Viewer Too", "email": taken, "locale": "", "role": "viewer", "branch": "all"},
    )
    assert ok.status_code == 302


def test_branch_admin_invites_only_within_their_rights_and_branch(
    app: Flask, client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    sign_in(client, world.a, "branch_admin")
    form = client.get("/admin/users/invite")
    assert form.status_code == 200
    assert 'value="technician"' in form.text and 'value="dispatcher"' in form.text
    for beyond in ('value="owner"', 'value="admin"', 'value="all"', f'value="{world.a.other}"'):
        assert beyond not in form.text, beyond

    def invite(role: str, branch: str) -> tuple[int, str, str]:
        email = _email("ba")
        r = send_form(
            client,
            "/admin/users/invite",
            {"name": "New Person", "email": email, "locale": "", "role": role, "branch": branch},
        )
        return r.status_code, r.text, email

    for role, branch, field in (
        ("admin", str(world.a.main), "role"),
        ("technician", str(world.a.other), "branch"),
        ("technician", "all", "branch"),
    ):
        status, text, email = invite(role, branch)
        assert status == 422 and f'id="{field}-error"' in text, (role, branch)
        assert not mailbox.to(email, timeout=0.2)

    status, _text, email = invite("technician", str(world.a.main))
    assert status == 302
    assert len(mailbox.to(email)) == 1


def test_people_without_the_right_cannot_invite(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "dispatcher")
    assert client.get("/admin/users/invite").status_code == 403
    token = csrf(client, "/admin/users")
    r = client.post(
        "/admin/users/invite",
        data={
            "csrf_token": token,
            "name": "Sneaky",
            "email": _email(),
            "role": "technician",
            "branch": str(world.a.main),
        },
    )
    assert r.status_code == 403
    owner = client.application.test_client()
    sign_in(owner, world.a, "owner")
    assert rows(owner.get("/admin/users?q=sneaky").text) == []


# --- the user page: roles ------------------------------------------------------------------------


def test_owner_gives_and_removes_roles(app: Flask, client: FlaskClient, world: World) -> None:
    user_id, _ = invited(client, world.a, name="Role Person", roles=[("technician", "main")])
    sign_in(client, world.a, "owner")
    url = f"/admin/users/{user_id}"
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="add-role-form"' in page.text and 'data-testid="remove-role"' in page.text

    added = send_form(client, f"{url}/roles", {"role": "viewer", "branch": "all"}, form_url=url)
    assert added.status_code == 302 and added.headers["Location"] == url
    assert db_roles(app, world.a, user_id) == {("technician", world.a.main), ("viewer", None)}
    page = client.get(url)
    assert "Role given to Role Person." in page.text
    assert re.search(r"Viewer</span>\s*<span[^>]*>· all branches", page.text)

    again = send_form(client, f"{url}/roles", {"role": "viewer", "branch": "all"}, form_url=url)
    assert again.status_code == 409 and "already has this role" in again.text
    empty = send_form(client, f"{url}/roles", {"role": "", "branch": ""}, form_url=url)
    assert empty.status_code == 422
    assert 'id="role-error"' in empty.text and 'id="branch-error"' in empty.text

    # Plain form POST: back to the page.
    viewer = assignment_id(app, world.a, user_id, "viewer")
    removed = send_form(client, f"{url}/roles/remove", {"assignment": viewer}, form_url=url)
    assert removed.status_code == 302
    assert "Role removed from Role Person." in client.get(url).text
    # htmx: the row goes away in place.
    tech = assignment_id(app, world.a, user_id, "technician")
    gone = client.post(
        f"{url}/roles/remove",
        data={"assignment": tech},
        headers={"HX-Request": "true", "X-CSRFToken": csrf(client, url)},
    )
    assert gone.status_code == 200 and gone.text == ""
    assert db_roles(app, world.a, user_id) == set()
    assert 'data-testid="no-roles"' in client.get(url).text


def test_the_last_owner_keeps_the_owner_role(app: Flask, client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    url = f"/admin/users/{owner.user_id}"
    mine = assignment_id(app, world.a, owner.user_id, "owner")
    sign_in(client, world.a, "owner")
    plain = send_form(client, f"{url}/roles/remove", {"assignment": mine}, form_url=url)
    assert plain.status_code == 409 and "keeps at least one owner" in plain.text
    htmx = client.post(
        f"{url}/roles/remove",
        data={"assignment": mine},
        headers={"HX-Request": "true", "X-CSRFToken": csrf(client, url)},
    )
    assert htmx.status_code == 200
    assert 'data-testid="role-error"' in htmx.text and "keeps at least one owner" in htmx.text
    assert f'id="role-{mine}"' in htmx.text
    assert db_roles(app, world.a, owner.user_id) == {("owner", None)}


def test_branch_admin_manages_roles_only_within_their_branch(
    app: Flask, client: FlaskClient, world: World
) -> None:
    user_id, _ = invited(
        client, world.a, name="Two Places", roles=[("technician", "main"), ("viewer", "other")]
    )
    url = f"/admin/users/{user_id}"
    sign_in(client, world.a, "branch_admin")
    page = client.get(url)
    assert "Technician</span>" in page.text and "Viewer</span>" not in page.text  # other branch
    for beyond in ('value="admin"', 'value="all"', f'value="{world.a.other}"'):
        assert beyond not in page.text, beyond
    refused = send_form(client, f"{url}/roles", {"role": "admin", "branch": "all"}, form_url=url)
    assert refused.status_code == 422 and 'id="role-error"' in refused.text
    ok = send_form(
        client, f"{url}/roles", {"role": "dispatcher", "branch": str(world.a.main)}, form_url=url
    )
    assert ok.status_code == 302
    # A role in the other branch is not theirs to remove.
    other = assignment_id(app, world.a, user_id, "viewer")
    no = send_form(client, f"{url}/roles/remove", {"assignment": other}, form_url=url)
    assert no.status_code == 403
    assert ("viewer", world.a.other) in db_roles(app, world.a, user_id)


def test_removing_needs_an_assignment_of_that_user(
    app: Flask, client: FlaskClient, world: World
) -> None:
    user_id, _ = invited(client, world.a, roles=[("viewer", "main")])
    url = f"/admin/users/{user_id}"
    sign_in(client, world.a, "owner")
    bad = send_form(client, f"{url}/roles/remove", {"assignment": "nope"}, form_url=url)
    assert bad.status_code == 422 and "Not a valid role assignment." in bad.text
    someone_elses = assignment_id(app, world.a, world.a["viewer"].user_id, "viewer")
    r = send_form(client, f"{url}/roles/remove", {"assignment": someone_elses}, form_url=url)
    assert r.status_code == 404
    foreign = assignment_id(app, world.b, world.b["viewer"].user_id, "viewer")
    r = send_form(client, f"{url}/roles/remove", {"assignment": foreign}, form_url=url)
    assert r.status_code == 404
    assert ("viewer", world.a.main) in db_roles(app, world.a, world.a["viewer"].user_id)


def test_dispatcher_cannot_change_roles(app: Flask, client: FlaskClient, world: World) -> None:
    url = f"/admin/users/{world.a['technician'].user_id}"
    tech = assignment_id(app, world.a, world.a["technician"].user_id, "technician")
    sign_in(client, world.a, "dispatcher")
    token = csrf(client, "/admin/users")
    add = client.post(
        f"{url}/roles", data={"csrf_token": token, "role": "viewer", "branch": str(world.a.main)}
    )
    assert add.status_code == 403
    remove = client.post(f"{url}/roles/remove", data={"csrf_token": token, "assignment": tech})
    assert remove.status_code == 403
    assert db_roles(app, world.a, world.a["technician"].user_id) == {("technician", world.a.main)}


# --- the user page: profile, deactivation, invitation ---------------------------------------------


def test_owner_edits_name_and_language_with_stale_edit_protection(
    app: Flask, client: FlaskClient, world: World
) -> None:
    user_id, _ = invited(client, world.a, name="Old Name", roles=[("viewer", "main")])
    sign_in(client, world.a, "owner")
    url = f"/admin/users/{user_id}/edit"
    form = client.get(url)
    assert form.status_code == 200 and 'value="Old Name"' in form.text
    version = db_user(app, world.a, user_id).version

    empty = send_form(client, url, {"name": " ", "locale": "", "version": str(version)})
    assert empty.status_code == 422 and 'id="name-error"' in empty.text
    saved = send_form(client, url, {"name": "New Name", "locale": "kk", "version": str(version)})
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/admin/users/{user_id}"
    page = client.get(saved.headers["Location"])
    assert "New Name saved." in page.text and "Қазақша" in page.text

    stale = send_form(client, url, {"name": "Lost Edit", "locale": "", "version": str(version)})
    assert stale.status_code == 412 and "changed this user meanwhile" in stale.text
    user = db_user(app, world.a, user_id)
    assert (user.name, user.locale) == ("New Name", "kk")


def test_branch_admin_may_not_edit_or_deactivate(client: FlaskClient, world: World) -> None:
    target = world.a["technician"].user_id
    sign_in(client, world.a, "branch_admin")
    page = client.get(f"/admin/users/{target}")
    assert page.status_code == 200
    assert 'data-testid="edit-user"' not in page.text
    assert 'data-testid="deactivate-user"' not in page.text
    assert client.get(f"/admin/users/{target}/edit").status_code == 403
    assert client.get(f"/admin/users/{target}/deactivate").status_code == 403
    token = csrf(client, "/admin/users")
    assert (
        client.post(
            f"/admin/users/{target}/edit", data={"csrf_token": token, "name": "X"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/admin/users/{target}/deactivate", data={"csrf_token": token}).status_code
        == 403
    )


def test_deactivated_user_can_no_longer_sign_in(
    app: Flask, client: FlaskClient, world: World
) -> None:
    target = world.a["dispatcher"]
    assert sign_in(app.test_client(), world.a, "dispatcher").status_code == 302  # works today
    sign_in(client, world.a, "admin")
    url = f"/admin/users/{target.user_id}/deactivate"
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'data-testid="confirm-deactivate"' in confirm.text
    done = send_form(client, url, {})
    assert done.status_code == 302
    page = client.get(done.headers["Location"])
    assert "Dispatcher is deactivated." in page.text and "Deactivated</span>" in page.text
    assert 'data-testid="deactivate-user"' not in page.text
    assert 'data-testid="add-role-form"' not in page.text
    assert db_user(app, world.a, target.user_id).status == UserStatus.DEACTIVATED

    again = app.test_client()
    refused = sign_in(again, world.a, "dispatcher", PASSWORD)
    assert refused.status_code != 302 and "Invalid company, e-mail or password." in refused.text
    assert again.get("/").status_code == 302
    assert call(app.test_client(), "GET", f"{API}/me", target).status_code == 401


def test_nobody_deactivates_themselves_or_someone_above_them(
    app: Flask, client: FlaskClient, world: World
) -> None:
    sign_in(client, world.a, "admin")
    own = f"/admin/users/{world.a['admin'].user_id}"
    assert 'data-testid="deactivate-user"' not in client.get(own).text
    me = send_form(client, f"{own}/deactivate", {})
    assert me.status_code == 409 and "your own account" in me.text
    owner = send_form(client, f"/admin/users/{world.a['owner'].user_id}/deactivate", {})
    assert owner.status_code == 403 and "more rights than your own" in owner.text
    for role in ("admin", "owner"):
        assert db_user(app, world.a, world.a[role].user_id).status == UserStatus.ACTIVE


def test_the_last_owner_cannot_be_deactivated(
    app: Flask, client: FlaskClient, world: World
) -> None:
    owner = world.a["owner"]
    everything = call(client, "GET", f"{API}/roles/owner", owner).json["permissions"]
    r = call(
        client,
        "POST",
        f"{API}/roles",
        owner,
        json={"key": "deputy", "name": "Deputy", "permissions": everything},
    )
    assert r.status_code == 201, r.json
    deputy, email = invited(client, world.a, name="Deputy", roles=[("deputy", None)])
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        from dala.auth.users import get_user, set_password

        session = get_session()
        set_password(get_user(session, uuid.UUID(deputy)), PASSWORD)
        session.commit()
    token = csrf(client)
    signed = client.post(
        "/login",
        data={"csrf_token": token, "tenant": world.a.slug, "email": email, "password": PASSWORD},
    )
    assert signed.status_code == 302
    last = send_form(client, f"/admin/users/{owner.user_id}/deactivate", {})
    assert last.status_code == 409 and "last owner" in last.text
    assert db_user(app, world.a, owner.user_id).status == UserStatus.ACTIVE


def test_invited_person_gets_a_new_link(
    app: Flask, client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    user_id, email = invited(client, world.a, name="Slow Reader", roles=[("viewer", "main")])
    first = mailbox.last_token(email)
    sign_in(client, world.a, "branch_admin")
    url = f"/admin/users/{user_id}"
    page = client.get(url)
    assert 'data-testid="resend-invitation"' in page.text
    r = send_form(client, f"{url}/invitation", {}, form_url=url)
    assert r.status_code == 302 and r.headers["Location"] == url
    assert f"A new invitation was sent to {email}." in client.get(url).text
    second = mailbox.last_token(email, count=2)
    assert second != first
    # The old link stopped working; the new one works.
    assert "invalid or has expired" in client.get(f"/reset-password?token={first}").text
    confirm = client.post(
        f"{API}/auth/password-reset/confirm", json={"token": second, "password": PASSWORD}
    )
    assert confirm.status_code == 204
    # Accepted: no more invitations.
    assert 'data-testid="resend-invitation"' not in client.get(url).text
    again = send_form(client, f"{url}/invitation", {}, form_url=url)
    assert again.status_code == 409 and "accepted the invitation already" in again.text
    assert len(mailbox.to(email, timeout=0.3, count=3)) == 2


def test_resending_needs_the_right_to_invite(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    user_id, email = invited(client, world.a, roles=[("viewer", "main")])
    sign_in(client, world.a, "dispatcher")
    url = f"/admin/users/{user_id}"
    assert 'data-testid="resend-invitation"' not in client.get(url).text
    assert send_form(client, f"{url}/invitation", {}, form_url=url).status_code == 403
    assert len(mailbox.to(email, timeout=0.3, count=2)) == 1


# --- another company ------------------------------------------------------------------------------


def test_another_companys_people_are_not_found(
    app: Flask, client: FlaskClient, world: World
) -> None:
    target = world.a["technician"].user_id
    sign_in(client, world.b, "owner")
    token = csrf(client, "/admin/users")
    for path in ("", "/edit", "/deactivate"):
        assert client.get(f"/admin/users/{target}{path}").status_code == 404, path
    posts = {
        "/edit": {"name": "Taken", "locale": "", "version": "1"},
        "/deactivate": {},
        "/roles": {"role": "viewer", "branch": "all"},
        "/roles/remove": {"assignment": assignment_id(app, world.a, target, "technician")},
        "/invitation": {},
    }
    for path, data in posts.items():
        r = client.post(f"/admin/users/{target}{path}", data={"csrf_token": token, **data})
        assert r.status_code == 404, path
    assert str(target) not in client.get("/admin/users?q=technician").text
    user = db_user(app, world.a, target)
    assert (user.name, user.status) == ("Technician", UserStatus.ACTIVE)
    assert db_roles(app, world.a, target) == {("technician", world.a.main)}
    # Nor may B give its own people a role in A's branch.
    own = f"/admin/users/{world.b['viewer'].user_id}"
    r = send_form(
        client, f"{own}/roles", {"role": "viewer", "branch": str(world.a.main)}, form_url=own
    )
    assert r.status_code == 422 and 'id="branch-error"' in r.text
