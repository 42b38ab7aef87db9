"""The vendor example through the host: catalogue, one branch on, 404 elsewhere, its hook
only where it is on, and no view into another company."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.support import work
from tests.support.world import TenantWorld, World, call

API = "/api/v1"
LIST = f"{API}/acme-warranty/registrations"


def _switch(client: FlaskClient, t: TenantWorld, branch: Any, on: bool) -> Any:
    body = {"branch_id": str(branch), "enabled": on}
    return call(client, "PATCH", f"{API}/modules/acme_warranty", t["owner"], json=body)


def _complete(client: FlaskClient, t: TenantWorld, branch: Any) -> dict[str, Any]:
    tech = work.technician(client, t, branch_id=str(t.main))["id"]
    customer = work.customer(client, t)
    job = work.made(
        client,
        t,
        "/jobs",
        {
            "customer_id": customer["id"],
            "branch_id": str(branch),
            "title": "Install",
            "scheduled_start": work.tomorrow().isoformat(),
            "technician_ids": [tech],
        },
    )
    for to in ("dispatched", "en_route", "on_site", "completed"):
        r = call(client, "POST", f"{API}/jobs/{job['id']}/transitions", t["owner"], json={"to": to})
        assert r.status_code == 201, r.json
    return job


def _listed(client: FlaskClient, t: TenantWorld, branch: Any) -> Any:
    return call(client, "GET", LIST, t["owner"], headers={"X-Dala-Branch": str(branch)})


def test_vendor_module_in_the_catalogue(client: FlaskClient, world: World) -> None:
    r = call(client, "GET", f"{API}/modules?page_size=100", world.a["owner"])
    vendor = {m["name"]: m for m in r.json["items"]}["acme_warranty"]
    assert vendor["vendor"] == "Acme" and vendor["level"] == "branch"
    assert vendor["layer"] == "optional" and vendor["enabled"] is False
    assert {p["key"] for p in vendor["permissions"]} == {"warranty:read", "warranty:manage"}
    url = f"{API}/permissions?page_size=100"
    perms = call(client, "GET", url, world.a["owner"]).get_data(as_text=True)
    assert "warranty:read" in perms


def test_on_in_one_branch_only(client: FlaskClient, world: World) -> None:
    t = world.a
    assert _listed(client, t, t.main).status_code == 404
    assert _switch(client, t, t.main, True).status_code == 200
    assert _listed(client, t, t.main).status_code == 200
    assert _listed(client, t, t.other).status_code == 404
    here = _complete(client, t, t.main)
    there = _complete(client, t, t.other)
    rows = _listed(client, t, t.main).json["items"]
    assert [r["job_id"] for r in rows] == [here["id"]]  # the hook ran for the branch it is on
    assert there["id"] not in call(client, "GET", LIST, t["owner"]).get_data(as_text=True)
    assert rows[0]["months"] == 12
    # Switched off: the data stays, the endpoint goes; back on, it is there again.
    _switch(client, t, t.main, False)
    assert _listed(client, t, t.main).status_code == 404
    _switch(client, t, t.main, True)
    assert [r["job_id"] for r in _listed(client, t, t.main).json["items"]] == [here["id"]]


def test_no_view_into_another_company(client: FlaskClient, world: World) -> None:
    a, b = world.a, world.b
    _switch(client, a, a.main, True)
    job = _complete(client, a, a.main)
    _switch(client, b, b.main, True)
    r = _listed(client, b, b.main)
    assert r.status_code == 200 and job["id"] not in r.get_data(as_text=True)
    foreign = call(client, "GET", LIST, b["owner"], headers={"X-Dala-Branch": str(a.main)})
    assert foreign.status_code == 422  # another company's branch is refused, not shown


def test_the_vendor_page_and_menu_entry_follow_the_module(
    client: FlaskClient, world: World
) -> None:
    from tests.support.portal import sign_in

    t = world.a
    portal = client.application.test_client()
    sign_in(portal, t, "owner")
    home = portal.get("/")
    assert home.status_code == 200 and "/acme-warranty/" not in home.text
    assert portal.get("/acme-warranty/").status_code == 404
    _switch(client, t, t.main, True)
    _complete(client, t, t.main)
    page = portal.get("/acme-warranty/")
    assert page.status_code == 200, page.text
    assert "/acme-warranty/" in portal.get("/").text  # the menu entry is back
