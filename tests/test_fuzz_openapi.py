"""Schemathesis over the whole OpenAPI document, in process, as tenant A's owner.

Every operation gets its documented examples, the coverage phase's boundary
cases and a bounded number of generated (valid and invalid) requests; every
response must be no 5xx, with a documented status code, content type, headers
and body. The fuzzer works in a company of its own (module-scoped), so what it
creates, changes or revokes stays there; when it revokes or deactivates the
very token it is using, the auth provider signs in again and the call is
replayed (a 401 that survives that is then checked like any other response).

A second, deterministic sweep puts NUL and unpaired surrogates, which random
generation seldom hits, into every string argument the document declares.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.world import PASSWORD, World, build_world, call

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_world(app: Flask) -> World:
    """Companies of the fuzzer's own: it acts as tenant A's owner."""
    return build_world(app)


@pytest.fixture(scope="module")
def api_schema(app: Flask, fuzz_world: World) -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    owner = fuzz_world.a["owner"]
    login = {"tenant": fuzz_world.a.slug, "email": owner.email, "password": PASSWORD}

    class OwnerToken:
        """The world's owner token first, then a fresh sign-in each time a 401 drops it."""

        def __init__(self) -> None:
            self.first: str | None = owner.token

        def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
            if self.first is not None:
                token, self.first = self.first, None
                return token
            response = app.test_client().post("/api/v1/auth/token", json=login)
            assert response.status_code == 200, response.get_json()
            return str(response.get_json()["access_token"])

        def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    def is_public(ctx: Any) -> bool:
        return ctx.operation.definition.raw.get("security") == []

    schema.auth(refresh_interval=3600, retry_on=[401]).skip_for(is_public)(OwnerToken)

    @schema.hook("map_query")
    def close_live_streams_at_once(ctx: Any, query: Any) -> Any:
        """GET /live streams until the client leaves, and the fuzzer reads every answer
        whole: a valid or missing ``timeout`` becomes 0 (hello, then closed); invalid ones
        are kept, they are answered 422 before any stream."""
        if ctx.operation is None or ctx.operation.path != "/api/v1/live":
            return query
        query = dict(query or {})
        try:
            valid = int(str(query.get("timeout", 0))) >= 0
        except ValueError:
            valid = False
        if valid:
            query["timeout"] = 0
        return query

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32 reads ``Node._nodeid``, which pytest 9.2 replaced with ``Node._id``."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing request is reported
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


# --- NUL and unpaired surrogates in every declared string -------------------------------------

NUL = "a\x00b"
SURROGATE = "a\ud800b"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return schema


def _holding(spec: dict[str, Any], schema: dict[str, Any], text: str) -> Any:
    """A value of ``schema`` with ``text`` in a string inside it, or None if it holds none."""
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if kind == "string":
        return text
    if kind == "array":
        item = _holding(spec, schema.get("items", {}), text)
        return None if item is None else [item]
    if kind == "object":
        for name, prop in schema.get("properties", {}).items():
            if not prop.get("readOnly") and (value := _holding(spec, prop, text)) is not None:
                return {name: value}
    return None


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    ]


def _url(path: str, params: list[dict[str, Any]], text: str | None = None) -> str:
    """``path`` with its parameters filled: unknown UUIDs, or ``text`` in string ones."""
    for param in params:
        if param["in"] == "path":
            schema = param.get("schema", {})
            value = "00000000-0000-4000-8000-000000000000"
            if schema.get("format") != "uuid":
                value = (text or "missing").replace("\x00", "%00")
            path = path.replace("{" + param["name"] + "}", value)
    return path


@pytest.mark.fuzz
def test_nul_and_surrogates_are_refused_by_field_name(client: FlaskClient, world: World) -> None:
    spec = client.get("/api/openapi.json").get_json()
    owner = world.a["owner"]
    checked = 0
    for method, path, op in _operations(spec):
        params = spec["paths"][path].get("parameters", []) + op.get("parameters", [])
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        for text in (NUL, SURROGATE):
            if body is not None:
                properties = _resolve(spec, body["schema"]).get("properties", {})
                for name, prop in properties.items():
                    value = _holding(spec, prop, text)
                    if value is None or prop.get("readOnly"):
                        continue
                    r = call(client, method, _url(path, params), owner, json={name: value})
                    assert r.status_code == 422, (method, path, name, r.status_code, r.json)
                    assert name in r.json["errors"]["json"], (method, path, name, r.json)
                    checked += 1
            if text is NUL:  # a query string cannot carry a surrogate
                for param in params:
                    if param["in"] == "query" and param.get("schema", {}).get("type") == "string":
                        url = _url(path, params)
                        r = call(client, method, url, owner, query_string={param["name"]: text})
                        assert r.status_code == 422, (method, path, param["name"], r.json)
                        assert param["name"] in r.json["errors"]["query"], (path, r.json)
                        checked += 1
                if any(p["in"] == "path" and p["schema"].get("format") != "uuid" for p in params):
                    r = call(client, method, _url(path, params, text), owner, json={})
                    assert r.status_code in (404, 422), (method, path, r.status_code, r.json)
                    checked += 1
    assert checked > 50
