"""Cross-tenant isolation of the portal's pages: tenant B's owner opens and posts to tenant
A's ids and gets 404.

The test walks the URL map: every portal page (admin portal, plug-in pages) whose
address holds an id must be listed in ``A_OBJECTS``, so a new page nobody covered
fails here. The API has its own matrix (tests/test_isolation_matrix.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from dala.auth.secrets import parse_token
from tests.support.portal import csrf, sign_in
from tests.support.world import Person, World, call

#: Blueprints of API endpoints (covered by the API's matrix) and of pages without ids.
#: The operator console ("operator") is platform-wide by design: it lists every company;
#: tests/admin/test_operator.py checks that no company user reaches any of its pages.
NOT_PAGES = {"api", "vendor", "static", "operator"}

#: A custom role of tenant A, made by the test (``_make_a_objects``) for the role pages.
A_ROLE = "isolation_probe"


def _token_id(person: Person) -> str:
    parsed = parse_token(person.token)
    assert parsed is not None
    return str(parsed[1])


def _make_a_objects(client: FlaskClient, world: World) -> None:
    """Tenant A's objects the world does not hold, made through the API as A's owner."""
    role = {"key": A_ROLE, "name": "Isolation probe", "permissions": ["job:read"]}
    made = call(client, "POST", "/api/v1/roles", world.a["owner"], json=role)
    assert made.status_code == 201, made.json


# route -> one of tenant A's ids for each placeholder of the route, in order
A_OBJECTS: dict[str, Callable[[World], list[str]]] = {
    "/admin/branches/<uuid:branch_id>": lambda w: [str(w.a.other)],
    # A module's name is not the company's; the branch in the scope is.
    "/admin/modules/<scope>": lambda w: [str(w.a.other)],
    "/admin/modules/<scope>/<name>/settings": lambda w: [str(w.a.other), "acme_warranty"],
    "/admin/modules/<scope>/<name>/switch": lambda w: [str(w.a.other), "acme_warranty"],
    "/admin/roles/<string:key>": lambda w: [A_ROLE],
    "/admin/roles/<string:key>/delete": lambda w: [A_ROLE],
    "/admin/tokens/<uuid:token_id>/revoke": lambda w: [_token_id(w.a["owner"])],
    "/admin/users/<uuid:user_id>": lambda w: [str(w.a["technician"].user_id)],
    "/admin/users/<uuid:user_id>/edit": lambda w: [str(w.a["technician"].user_id)],
    "/admin/users/<uuid:user_id>/deactivate": lambda w: [str(w.a["technician"].user_id)],
    "/admin/users/<uuid:user_id>/roles": lambda w: [str(w.a["technician"].user_id)],
    "/admin/users/<uuid:user_id>/roles/remove": lambda w: [str(w.a["technician"].user_id)],
    "/admin/users/<uuid:user_id>/invitation": lambda w: [str(w.a["technician"].user_id)],
}


def _url(rule: str, ids: list[str]) -> str:
    values = iter(ids)
    return re.sub(r"<[^>]+>", lambda _m: next(values), rule)


def _page_rules(app: Flask) -> dict[str, set[str]]:
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if "<" not in rule.rule or rule.rule.startswith("/api/"):
            continue
        if rule.endpoint.split(".")[0] in NOT_PAGES or "." not in rule.endpoint:
            continue
        rules.setdefault(rule.rule, set()).update(rule.methods or set())
    return rules


def test_every_page_with_an_id_is_covered(app: Flask) -> None:
    missing = set(_page_rules(app)) - set(A_OBJECTS)
    assert not missing, f"add these pages to A_OBJECTS: {sorted(missing)}"


def test_another_company_gets_404_on_every_page(
    app: Flask, client: FlaskClient, world: World
) -> None:
    _make_a_objects(client, world)
    sign_in(client, world.b, "owner")
    token = csrf(client, "/admin/branches/new")
    failures = []
    for rule, methods in sorted(_page_rules(app).items()):
        url = _url(rule, A_OBJECTS[rule](world))
        for method in sorted(methods & {"GET", "POST"}):
            data = {"csrf_token": token} if method == "POST" else None
            status = client.open(url, method=method, data=data).status_code
            if status != 404:
                failures.append(f"{method} {url}: {status}")
    assert not failures
