"""The portal's own scripts call the API with the session cookie (and its CSRF token)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dala.db import get_session
from dala.tenancy import context
from dala.tenancy.models import Tenant, TenantStatus
from tests.support.portal import sign_in
from tests.support.work import API, job
from tests.support.world import World, call

META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _portal(app: Flask, world: World, role: str = "dispatcher") -> tuple[FlaskClient, str]:
    """A browser signed in to company A's portal, and the CSRF token its pages carry."""
    browser = app.test_client()
    assert sign_in(browser, world.a, role).status_code == 302
    match = META_CSRF.search(browser.get("/").text)
    assert match
    return browser, match.group(1)


def _title(client: FlaskClient, world: World, job_id: str) -> str:
    return str(call(client, "GET", f"{API}/jobs/{job_id}", world.a["owner"]).json["title"])


def _transitions(client: FlaskClient, world: World, job_id: str) -> list[dict[str, Any]]:
    r = call(client, "GET", f"{API}/jobs/{job_id}/transitions", world.a["owner"])
    return list(r.json["items"] if isinstance(r.json, dict) else r.json)


def test_a_portal_session_reads_the_api_without_a_token(
    app: Flask, client: FlaskClient, world: World
) -> None:
    made = job(client, world.a)
    browser, _token = _portal(app, world)
    r = browser.get(f"{API}/jobs/{made['id']}")
    assert r.status_code == 200, r.json
    assert r.json["title"] == made["title"]
    assert r.headers["ETag"] == f'"{made["version"]}"'


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, world: World
) -> None:
    made = job(client, world.a)
    browser, _token = _portal(app, world)
    url = f"{API}/jobs/{made['id']}"
    for headers in ({}, {"X-CSRFToken": "not-the-token"}):
        r = browser.patch(url, json={"title": "Changed"}, headers=headers)
        assert r.status_code == 403, r.json
        assert "X-CSRFToken" in r.json["errors"]["headers"]
    assert _title(client, world, made["id"]) == made["title"]


def test_a_change_with_the_csrf_token_works_and_is_recorded_as_the_portal(
    app: Flask, client: FlaskClient, world: World
) -> None:
    made = job(client, world.a)
    browser, token = _portal(app, world)
    r = browser.patch(
        f"{API}/jobs/{made['id']}",
        json={"title": "Changed"},
        headers={"X-CSRFToken": token, "If-Match": f'"{made["version"]}"'},
    )
    assert r.status_code == 200, r.json
    assert r.headers["ETag"] == f'"{made["version"] + 1}"'
    assert _title(client, world, made["id"]) == "Changed"
    r = browser.post(
        f"{API}/jobs/{made['id']}/transitions",
        json={"to": "on_hold"},
        headers={"X-CSRFToken": token},
    )
    assert r.status_code in (200, 201), r.json
    assert _transitions(client, world, made["id"])[-1]["source"] == "web"


def test_a_bearer_token_wins_over_the_session(
    app: Flask, client: FlaskClient, world: World
) -> None:
    made = job(client, world.a)
    browser, _token = _portal(app, world, "viewer")
    # The viewer's session may not change jobs; the owner's token in the same browser may,
    # and needs no CSRF token (a header a foreign site cannot make a browser send).
    r = browser.patch(f"{API}/jobs/{made['id']}", json={"title": "By token"})
    assert r.status_code == 403
    r = call(browser, "PATCH", f"{API}/jobs/{made['id']}", world.a["owner"], json={"title": "T"})
    assert r.status_code == 200, r.json
    bad = browser.get(f"{API}/jobs/{made['id']}", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_a_session_cannot_reach_another_companys_objects(
    app: Flask, client: FlaskClient, world: World
) -> None:
    theirs = job(client, world.b)
    browser, token = _portal(app, world, "owner")
    assert browser.get(f"{API}/jobs/{theirs['id']}").status_code == 404
    r = browser.patch(
        f"{API}/jobs/{theirs['id']}", json={"title": "X"}, headers={"X-CSRFToken": token}
    )
    assert r.status_code == 404
    assert browser.get(f"{API}/branches/{world.b.main}").status_code == 404


def test_no_session_and_no_token_is_still_401(client: FlaskClient, world: World) -> None:
    r = client.get(f"{API}/jobs")
    assert r.status_code == 401
    assert r.json["errors"]["token"] == ["missing"]


def _set_status(app: Flask, world: World, status: TenantStatus) -> TenantStatus:
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        tenant = session.get(Tenant, world.a.tenant_id)
        assert tenant is not None
        before, tenant.status = tenant.status, status
        session.commit()
        return before


@pytest.mark.parametrize(("status", "code"), [("suspended", 402), ("cancelled", 403)])
def test_a_suspended_companys_session_gets_the_same_answer_as_its_tokens(
    app: Flask, world: World, status: str, code: int
) -> None:
    browser, _token = _portal(app, world)
    before = _set_status(app, world, TenantStatus(status))
    try:
        assert browser.get(f"{API}/jobs").status_code == code
        assert call(browser, "GET", f"{API}/jobs", world.a["owner"]).status_code == code
    finally:
        _set_status(app, world, before)
    assert browser.get(f"{API}/jobs").status_code == 200
