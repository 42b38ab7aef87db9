"""The skill catalogue: unique names whatever their case or accents, searchable, editable."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.world import World, call

API = "/api/v1"


def test_skill_names_are_unique_whatever_case_and_spacing(
    client: FlaskClient, world: World
) -> None:
    owner = world.a["owner"]
    made = call(
        client,
        "POST",
        f"{API}/skills",
        owner,
        json={"name": "HVAC", "description": "Heating, ventilation, air conditioning"},
    )
    assert made.status_code == 201
    for clash in ("hvac", "  HVAC ", "Hvac"):
        r = call(client, "POST", f"{API}/skills", owner, json={"name": clash})
        assert r.status_code == 409 and "name" in r.json["errors"], clash
    # Another company may use the same name.
    assert (
        call(client, "POST", f"{API}/skills", world.b["owner"], json={"name": "HVAC"}).status_code
        == 201
    )


def test_catalogue_is_sorted_searchable_and_editable(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    for name in ("Электрика", "Refrigeration", "Plumbing"):
        call(client, "POST", f"{API}/skills", owner, json={"name": name})
    listed = call(client, "GET", f"{API}/skills", world.a["technician"]).json
    assert [s["name"] for s in listed["items"]] == ["Plumbing", "Refrigeration", "Электрика"]
    found = call(client, "GET", f"{API}/skills?q=ЭЛЕКТ", owner).json
    assert [s["name"] for s in found["items"]] == ["Электрика"]
    skill = listed["items"][0]
    url = f"{API}/skills/{skill['id']}"
    etag = call(client, "GET", url, owner).headers["ETag"]
    renamed = call(
        client, "PATCH", url, owner, json={"name": "Plumbing & drains"}, headers={"If-Match": etag}
    )
    assert renamed.status_code == 200 and renamed.json["name"] == "Plumbing & drains"
    assert (
        call(
            client, "PATCH", url, owner, json={"description": "x"}, headers={"If-Match": etag}
        ).status_code
        == 412
    )
    clash = call(client, "PATCH", url, owner, json={"name": "refrigeration"})
    assert clash.status_code == 409
    assert call(client, "DELETE", url, owner).status_code == 204
    assert call(client, "GET", url, owner).status_code == 404
