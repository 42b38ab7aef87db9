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

from tests.support.portal import csrf, sign_in
from tests.support.world import World

#: Blueprints of API endpoints (covered by the API's matrix) and of pages without ids.
NOT_PAGES = {"api", "vendor", "static"}

# route -> one of tenant A's ids for each placeholder of the route, in order
A_OBJECTS: dict[str, Callable[[World], list[str]]] = {
    "/admin/branches/<uuid:branch_id>": lambda w: [str(w.a.other)],
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
