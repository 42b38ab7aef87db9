"""Admin portal, audit log: portal changes with who, when and before → after; filters in the
branch's days; who may read it; never another company's entries; actor names in one query."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse

from dala.audit.models import AuditEvent
from dala.db import get_session
from dala.tenancy import context
from dala.web.shell import local_datetime
from tests.support.portal import csrf, send_form, sign_in
from tests.support.world import TenantWorld, World, call

#: The name of a person in an entry (the system and Dala's staff have another icon).
WHO = re.compile(r'data-testid="audit-who"><i class="bi bi-person[^"]*"[^>]*></i>([^<]+)<')


def rows(page: TestResponse) -> list[str]:
    """Each entry of the list, as HTML (up to the end of its changes)."""
    parts = page.text.split('data-testid="audit-row"')[1:]
    return [p.split('data-testid="audit-row"')[0] for p in parts]


def field(row: str, key: str) -> tuple[str, str]:
    """(before, after) of a changed field of an entry."""
    match = re.search(
        rf'data-testid="audit-field-{key}">\s*<th[^>]*>[^<]*</th>\s*'
        r"<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>",
        row,
    )
    assert match, row
    return match.group(1).strip(), match.group(2).strip()


def rename_other(client: FlaskClient, t: TenantWorld, name: str) -> None:
    url = f"/admin/branches/{t.other}"
    page = client.get(url)
    version = re.search(r'name="version"[^>]*value="([^"]*)"', page.text)
    assert version
    r = send_form(
        client,
        url,
        {
            "name": name,
            "timezone": "Europe/Moscow",
            "currency": "",
            "locale": "",
            "address": "",
            "version": version.group(1),
        },
    )
    assert r.status_code == 302, r.text


def test_a_portal_change_shows_who_when_and_before_after(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    sign_in(client, t, "owner")
    rename_other(client, t, "Riverside")
    page = client.get("/admin/audit")
    assert page.status_code == 200
    newest = rows(page)[0]
    assert 'data-kind="branch"' in newest and 'data-action="updated"' in newest
    assert 'data-testid="audit-target">Riverside<' in newest
    assert re.search(r'data-testid="audit-who">.*?owner</span>', newest, re.S)
    assert 'data-testid="audit-source">Web<' in newest
    assert field(newest, "name") == ("Other", "Riverside")
    # When: the stored UTC moment, shown in the branch's time zone (Main: Asia/Almaty).
    with app.app_context(), context.tenant_scope(t.tenant_id):
        at = get_session().query(AuditEvent).order_by(AuditEvent.at.desc()).first().at
    with app.test_request_context():
        shown = local_datetime(at, "Asia/Almaty", date_format="medium")
    assert f">{shown}</time>" in newest

    # A module switched in the portal reads as the module and where it was switched.
    token = csrf(client, "/admin/modules")
    switched = client.post(
        f"/admin/modules/{t.main}/acme_warranty/switch",
        data={"csrf_token": token, "enabled": "y"},
    )
    assert switched.status_code == 302
    newest = rows(client.get("/admin/audit"))[0]
    assert 'data-testid="audit-target">Warranty tracker · Main<' in newest
    assert field(newest, "enabled") == ("", "On")
    # Entries made outside any request are the system's.
    oldest = rows(client.get("/admin/audit?who=system"))[-1]
    assert re.search(r'data-testid="audit-who">.*?System</span>', oldest, re.S)


def test_filters_narrow_the_list(app: Flask, client: FlaskClient, world: World) -> None:
    t = world.a
    sign_in(client, t, "owner")
    rename_other(client, t, "Riverside")
    branches = client.get("/admin/audit?kind=branch")
    assert branches.status_code == 200
    kinds = re.findall(r'data-kind="([a-z_]+)"', branches.text)
    assert kinds and set(kinds) == {"branch"}
    created = client.get("/admin/audit?action=created")
    assert set(re.findall(r'data-action="([a-z]+)"', created.text)) == {"created"}
    mine = client.get(f"/admin/audit?who={t['owner'].user_id}")
    assert len(rows(mine)) == 1 and "Riverside" in mine.text
    system = client.get("/admin/audit?who=system")
    assert rows(system) and not any("Riverside" in row for row in rows(system))
    # The filter form keeps what was chosen.
    assert f'<option selected value="{t["owner"].user_id}">owner</option>' in mine.text

    # Days are the branch's days: 20:30 UTC on 1 March is 2 March in Almaty.
    late = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)
    with app.app_context(), context.tenant_scope(t.tenant_id):
        session = get_session()
        session.add(
            AuditEvent(
                id=uuid.uuid4(),
                at=late,
                user_id=None,
                source="system",
                action="updated",
                target_type="branch",
                target_id=str(t.main),
                changes={"before": {"address": ""}, "after": {"address": "Late evening"}},
            )
        )
        session.commit()
    day = client.get("/admin/audit?date_from=2026-03-02&date_to=2026-03-02")
    assert day.status_code == 200 and len(rows(day)) == 1 and "Late evening" in day.text
    before = client.get("/admin/audit?date_from=2026-03-01&date_to=2026-03-01")
    assert "Late evening" not in before.text and 'data-testid="audit-empty"' in before.text
    assert "No entries match these filters." in before.text


def test_dala_staff_are_named_as_recorded(app: Flask, client: FlaskClient, world: World) -> None:
    t = world.a
    with app.app_context(), context.tenant_scope(t.tenant_id):
        session = get_session()
        session.add(
            AuditEvent(
                id=uuid.uuid4(),
                at=datetime.now(UTC),
                user_id=None,
                source="operator",
                actor="Dana Support",
                action="updated",
                target_type="tenant",
                target_id=str(t.tenant_id),
                changes={"before": {"status": "trialing"}, "after": {"status": "suspended"}},
            )
        )
        session.commit()
    sign_in(client, t, "owner")
    [staff] = [r for r in rows(client.get("/admin/audit?who=system")) if "Dana" in r]
    assert re.search(r'data-testid="audit-who">.*?Dana Support</span>', staff, re.S)
    assert 'data-testid="audit-source">Dala staff<' in staff
    assert field(staff, "status") == ("trialing", "suspended")
    assert "Alpha Service" in staff  # the company, named


def test_bad_filters_are_422_next_to_the_field(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "owner")
    reversed_days = client.get("/admin/audit?date_from=2026-03-02&date_to=2026-03-01")
    assert reversed_days.status_code == 422
    assert re.search(r'id="date_to-error">The end is before the start.<', reversed_days.text)
    assert 'data-testid="audit-row"' not in reversed_days.text
    far = client.get("/admin/audit?date_from=1900-01-01")
    assert far.status_code == 422 and 'id="date_from-error"' in far.text
    assert client.get("/admin/audit?kind=job").status_code == 422
    garbled = client.get("/admin/audit?date_to=tomorrow")
    assert garbled.status_code == 422 and 'id="date_to-error"' in garbled.text


def test_pages_keep_the_filters(client: FlaskClient, world: World) -> None:
    t = world.a
    for n in range(26):
        r = call(
            client,
            "PATCH",
            f"/api/v1/branches/{t.main}",
            t["owner"],
            json={"address": f"Street {n}"},
        )
        assert r.status_code == 200
    sign_in(client, t, "owner")
    first = client.get("/admin/audit?kind=branch")
    assert len(rows(first)) == 25
    assert "/admin/audit?page=2&amp;kind=branch" in first.text
    second = client.get("/admin/audit?page=2&kind=branch")
    assert second.status_code == 200 and rows(second)
    assert 'data-testid="audit-source">API<' in second.text  # made with a token


def test_who_may_read_the_log(client: FlaskClient, world: World) -> None:
    t = world.a
    for role, status in (("dispatcher", 403), ("branch_admin", 403), ("viewer", 403)):
        other = client.application.test_client()
        sign_in(other, t, role)
        assert other.get("/admin/audit").status_code == status, role
        assert 'href="/admin/audit"' not in other.get("/admin/branches").text
    admin = client.application.test_client()
    sign_in(admin, t, "admin")
    assert admin.get("/admin/audit").status_code == 200


def test_another_companys_entries_never_appear(client: FlaskClient, world: World) -> None:
    a, b = world.a, world.b
    other = client.application.test_client()
    sign_in(other, b, "owner")
    rename_other(other, b, "Beta secret yard")
    sign_in(client, a, "owner")
    page = client.get("/admin/audit")
    assert "Beta secret yard" not in page.text and str(b.other) not in page.text
    assert str(b["owner"].user_id) not in page.text
    # B's people are not among A's choices, and naming one is refused, not shown.
    assert client.get(f"/admin/audit?who={b['owner'].user_id}").status_code == 422
    assert "Beta secret yard" in other.get("/admin/audit").text


def _user_reads(app: Flask, client: FlaskClient, url: str) -> tuple[int, str]:
    """How many statements read the users table while a page of the log is drawn."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = app.extensions["dala.db"].engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert page.status_code == 200
    return len([s for s in statements if re.search(r"FROM users\b", s)]), page.text


def test_actor_names_of_a_page_come_in_one_query(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    sign_in(client, t, "owner")
    rename_other(client, t, "Riverside")
    # Five more people make changes (each makes an API token of their own).
    for role in ("admin", "branch_admin", "dispatcher", "technician", "viewer"):
        r = call(client, "POST", "/api/v1/tokens", t[role], json={"name": f"{role} laptop"})
        assert r.status_code == 201, r.json
    few, text = _user_reads(app, client, "/admin/audit?kind=branch")
    assert set(re.findall(WHO, text)) == {"owner"}
    many, text = _user_reads(app, client, "/admin/audit?kind=api_token")
    names = set(re.findall(WHO, text))
    assert {"Admin", "Branch Admin", "Dispatcher", "Technician", "Viewer"} <= names
    assert many == few  # not one more read per person on the page
