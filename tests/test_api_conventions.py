"""API conventions: JSON errors with fields, ETags, pagination, 405 Allow, nothing half-written."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient

from tests.support.world import World, call

API = "/api/v1"


def test_unknown_and_invalid_fields_are_named_and_nothing_is_written(
    client: FlaskClient, world: World
) -> None:
    owner = world.a["owner"]
    before = call(client, "GET", f"{API}/branches", owner).json["total"]
    r = call(
        client,
        "POST",
        f"{API}/branches",
        owner,
        json={"name": " ", "timezone": "Mars/Olympus", "colour": "red"},
    )
    assert r.status_code == 422
    assert r.json["code"] == 422 and r.json["status"] == "Unprocessable Entity"
    fields = r.json["errors"]["json"]
    assert set(fields) == {"name", "timezone", "colour"}
    for field in ("name", "timezone", "colour"):
        assert field in r.json["message"]
    assert call(client, "GET", f"{API}/branches", owner).json["total"] == before


def test_not_json_is_a_clear_4xx(client: FlaskClient, world: World) -> None:
    r = call(
        client,
        "POST",
        f"{API}/branches",
        world.a["owner"],
        data="{not json",
        content_type="application/json",
    )
    assert 400 <= r.status_code < 500
    assert r.json["message"]


def test_bad_query_parameters_are_422(client: FlaskClient, world: World) -> None:
    r = call(client, "GET", f"{API}/users?page=0&page_size=1000&status=sleeping", world.a["owner"])
    assert r.status_code == 422
    assert set(r.json["errors"]["query"]) == {"page", "page_size", "status"}


def test_405_keeps_its_allow_header(client: FlaskClient, world: World) -> None:
    r = call(client, "PUT", f"{API}/branches", world.a["owner"], json={})
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert r.json["code"] == 405


def test_unknown_route_is_json_404(client: FlaskClient) -> None:
    r = client.get(f"{API}/no-such-thing")
    assert r.status_code == 404 and r.json["code"] == 404


def test_lists_are_paginated_with_total(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    for i in range(3):
        call(
            client,
            "POST",
            f"{API}/branches",
            owner,
            json={"name": f"Page {i} {uuid.uuid4().hex[:4]}", "timezone": "Asia/Almaty"},
        )
    page1 = call(client, "GET", f"{API}/branches?page=1&page_size=2", owner).json
    page3 = call(client, "GET", f"{API}/branches?page=3&page_size=2", owner).json
    assert page1["total"] == 5 and len(page1["items"]) == 2 and page1["page_size"] == 2
    assert len(page3["items"]) == 1
    page2 = call(client, "GET", f"{API}/branches?page=2&page_size=2", owner).json
    seen = [b["id"] for p in (page1, page2, page3) for b in p["items"]]
    assert len(set(seen)) == 5
    beyond = call(client, "GET", f"{API}/branches?page=9&page_size=2", owner).json
    assert beyond["items"] == [] and beyond["total"] == 5


def test_list_filters(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    techs = call(client, "GET", f"{API}/users?role=technician", owner).json
    assert [u["id"] for u in techs["items"]] == [str(world.a["technician"].user_id)]
    in_other = call(client, "GET", f"{API}/users?branch_id={world.a.other}", owner).json
    # Only tenant-wide role holders reach the second branch.
    assert {u["id"] for u in in_other["items"]} == {
        str(world.a["owner"].user_id),
        str(world.a["admin"].user_id),
    }
    named = call(client, "GET", f"{API}/branches?q=oth", owner).json
    assert [b["name"] for b in named["items"]] == ["Other"]
    wild = call(client, "GET", f"{API}/users?q=%25", owner).json
    assert wild["total"] == 0  # a literal %, not a wildcard


def test_etag_if_match_guards_updates(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    url = f"{API}/branches/{world.a.other}"
    first = call(client, "GET", url, owner)
    etag = first.headers["ETag"]
    ok = call(
        client, "PATCH", url, owner, json={"address": "Satpaev 1"}, headers={"If-Match": etag}
    )
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    stale = call(
        client, "PATCH", url, owner, json={"address": "Lost update"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.headers["ETag"] == ok.headers["ETag"]
    assert call(client, "GET", url, owner).json["address"] == "Satpaev 1"
    stale_delete = call(client, "DELETE", url, owner, headers={"If-Match": etag})
    assert stale_delete.status_code == 412
    assert call(client, "GET", url, owner).status_code == 200


def test_etag_on_users_and_roles(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    user_url = f"{API}/users/{world.a['viewer'].user_id}"
    etag = call(client, "GET", user_url, owner).headers["ETag"]
    call(client, "PATCH", user_url, owner, json={"name": "V2"}, headers={"If-Match": etag})
    assert (
        call(
            client, "PATCH", user_url, owner, json={"name": "V3"}, headers={"If-Match": etag}
        ).status_code
        == 412
    )
    call(
        client,
        "POST",
        f"{API}/roles",
        owner,
        json={"key": "auditor", "name": "Auditor", "permissions": ["user:read"]},
    )
    role_etag = call(client, "GET", f"{API}/roles/auditor", owner).headers["ETag"]
    changed = call(
        client,
        "PATCH",
        f"{API}/roles/auditor",
        owner,
        json={"permissions": ["user:read", "role:read"]},
        headers={"If-Match": role_etag},
    )
    assert changed.status_code == 200, changed.json
    assert (
        call(
            client,
            "PATCH",
            f"{API}/roles/auditor",
            owner,
            json={"name": "x"},
            headers={"If-Match": role_etag},
        ).status_code
        == 412
    )


def test_openapi_document_and_docs_page(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/signup",
        "/api/v1/auth/token",
        "/api/v1/branches",
        "/api/v1/users",
        "/api/v1/roles",
        "/api/v1/role-assignments",
        "/api/v1/tokens",
    ):
        assert path in spec["paths"], path
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger" in docs.data.lower()
    asset = client.get("/static/vendor/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_signup_validates_and_writes_nothing_on_error(client: FlaskClient) -> None:
    r = client.post(
        f"{API}/signup",
        json={
            "company_name": "Half Written",
            "email": "not-an-email",
            "password": "short",
            "branch_name": "",
            "timezone": "Nowhere/City",
        },
    )
    assert r.status_code == 422
    assert set(r.json["errors"]["json"]) == {"email", "password", "branch_name", "timezone"}
    again = client.post(
        f"{API}/signup",
        json={
            "company_name": "Half Written",
            "email": "ok@example.com",
            "password": "long enough pw",
            "branch_name": "Main",
            "timezone": "Asia/Almaty",
        },
    )
    assert again.status_code == 201
    assert again.json["tenant"]["slug"] == "half-written"


def test_signup_slug_from_cyrillic_name_and_taken_slug(client: FlaskClient) -> None:
    base = {
        "email": "a@example.com",
        "password": "long enough pw",
        "branch_name": "Главный",
        "timezone": "Asia/Almaty",
    }
    suffix = uuid.uuid4().hex[:4]
    r = client.post(f"{API}/signup", json={**base, "company_name": f"Алматы Сервис {suffix}"})
    assert r.status_code == 201
    assert r.json["tenant"]["slug"] == f"almaty-servis-{suffix}"
    taken = client.post(
        f"{API}/signup", json={**base, "company_name": "X", "slug": r.json["tenant"]["slug"]}
    )
    assert taken.status_code == 409 and "slug" in taken.json["errors"]


def test_owner_renames_the_company_with_etag(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    first = call(client, "GET", f"{API}/tenant", owner)
    assert first.json["slug"] == world.a.slug and first.json["status"] == "trialing"
    renamed = call(
        client,
        "PATCH",
        f"{API}/tenant",
        owner,
        json={"name": "Alpha Climate"},
        headers={"If-Match": first.headers["ETag"]},
    )
    assert renamed.status_code == 200 and renamed.json["name"] == "Alpha Climate"
    stale = call(
        client,
        "PATCH",
        f"{API}/tenant",
        owner,
        json={"name": "Lost"},
        headers={"If-Match": first.headers["ETag"]},
    )
    assert stale.status_code == 412
    ignored = call(client, "PATCH", f"{API}/tenant", owner, json={"slug": "new-slug"})
    assert ignored.status_code == 422 and "slug" in ignored.json["errors"]["json"]
    assert call(client, "GET", f"{API}/tenant", world.b["owner"]).json["name"] != "Alpha Climate"


def test_openapi_documents_branch_and_if_match_headers(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    patch = spec["paths"]["/api/v1/branches/{branch_id}"]["patch"]
    names = {p["name"] for p in patch["parameters"]}
    assert {"X-Dala-Branch", "If-Match"} <= names
    signup = spec["paths"]["/api/v1/signup"]["post"]
    assert "X-Dala-Branch" not in {p["name"] for p in signup.get("parameters", [])}


def test_roles_and_permissions_lists_are_paginated_and_filterable(
    client: FlaskClient, world: World
) -> None:
    owner = world.a["owner"]
    call(
        client,
        "POST",
        f"{API}/roles",
        owner,
        json={"key": "night_shift", "name": "Night shift", "permissions": ["branch:read"]},
    )
    everything = call(client, "GET", f"{API}/roles?page_size=100", owner).json
    assert everything["total"] == 7
    page = call(client, "GET", f"{API}/roles?page=2&page_size=4", owner).json
    assert [r["key"] for r in page["items"]] == [r["key"] for r in everything["items"][4:]]
    custom = call(client, "GET", f"{API}/roles?builtin=false", owner).json
    assert [r["key"] for r in custom["items"]] == ["night_shift"]
    found = call(client, "GET", f"{API}/roles?q=dispatch", owner).json
    assert [r["key"] for r in found["items"]] == ["dispatcher"]
    perms = call(client, "GET", f"{API}/permissions?resource=token", owner).json
    assert {p["key"] for p in perms["items"]} == {
        "token:read",
        "token:create",
        "token:revoke",
        "token:manage",
    }
    assert perms["total"] == 4
