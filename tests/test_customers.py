"""Customers: stored encrypted, returned decrypted, found by name, e-mail or phone."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from dala.db import get_session
from dala.tenancy import context
from dala.work.models import CustomerSearchTerm
from tests.support.world import World, call
from tests.test_platform import count_queries

API = "/api/v1"
AIGERIM = {
    "name": "Айгерим Садыкова",
    "email": "Aigerim.Sadykova@Example.kz",
    "phone": "+7 701 123 45 67",
    "notes": "Домофон 41, собака во дворе",
    "tags": ["vip", "hvac"],
    "preferred_language": "kk",
}


def _create(client: FlaskClient, world: World, body: dict[str, object]) -> dict[str, object]:
    r = call(client, "POST", f"{API}/customers", world.a["owner"], json=body)
    assert r.status_code == 201, r.json
    return dict(r.json)


def test_customer_round_trips_decrypted(client: FlaskClient, world: World) -> None:
    made = _create(client, world, AIGERIM)
    got = call(client, "GET", f"{API}/customers/{made['id']}", world.a["dispatcher"]).json
    assert got["name"] == AIGERIM["name"] and got["notes"] == AIGERIM["notes"]
    assert got["tags"] == ["hvac", "vip"] and got["preferred_language"] == "kk"
    [contact] = got["contacts"]
    assert contact["is_primary"] and contact["email"] == "aigerim.sadykova@example.kz"
    assert contact["phone"] == "+7 701 123 45 67" and contact["name"] == AIGERIM["name"]


def test_database_rows_hold_no_plaintext(app: Flask, client: FlaskClient, world: World) -> None:
    _create(client, world, AIGERIM)
    secrets = [
        b"Aigerim",
        "Айгерим".encode(),
        b"701 123",
        b"7011234567",
        "Домофон".encode(),
        b"example.kz",
        b"Sadykova",
    ]
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        rows = [
            *session.execute(text("SELECT * FROM customers")).all(),
            *session.execute(text("SELECT * FROM customer_contacts")).all(),
            *session.execute(text("SELECT * FROM customer_search_terms")).all(),
        ]
        session.rollback()
    assert rows
    raw = b"".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for r in rows for v in r
    )
    leaked = [s for s in secrets if s.lower() in raw.lower()]
    assert not leaked, leaked


def test_phone_in_any_common_format_finds_the_customer(client: FlaskClient, world: World) -> None:
    made = _create(client, world, AIGERIM)
    _create(client, world, {"name": "Сергей Волков", "phone": "+7 777 000 11 22"})
    for query in ("+7 701 123 45 67", "87011234567", "7011234567", "8 (701) 123-45-67"):
        r = call(
            client, "GET", f"{API}/customers", world.a["dispatcher"], query_string={"q": query}
        )
        assert [c["id"] for c in r.json["items"]] == [made["id"]], (query, r.json)


def test_email_and_name_tokens_find_the_customer(client: FlaskClient, world: World) -> None:
    made = _create(client, world, AIGERIM)
    _create(client, world, {"name": "Aigul Nurlanova", "email": "aigul@example.com"})
    for query in ("AIGERIM.SADYKOVA@example.KZ", "айгерим", "Садык", "айг сад"):
        r = call(client, "GET", f"{API}/customers", world.a["viewer"], query_string={"q": query})
        assert [c["id"] for c in r.json["items"]] == [made["id"]], (query, r.json)
    both = call(client, "GET", f"{API}/customers?q=aig", world.a["viewer"]).json
    assert both["total"] == 1  # "aig" is Latin; Айгерим is Cyrillic and is not folded across
    assert call(client, "GET", f"{API}/customers?q=nobody", world.a["viewer"]).json["total"] == 0


def test_search_never_reaches_another_tenant(client: FlaskClient, world: World) -> None:
    _create(client, world, AIGERIM)
    r = call(client, "GET", f"{API}/customers?q=87011234567", world.b["owner"])
    assert r.status_code == 200 and r.json["total"] == 0


def test_changes_move_the_search_index(client: FlaskClient, world: World) -> None:
    made = _create(client, world, AIGERIM)
    url = f"{API}/customers/{made['id']}"
    etag = call(client, "GET", url, world.a["owner"]).headers["ETag"]
    r = call(
        client,
        "PATCH",
        url,
        world.a["dispatcher"],
        json={"phone": "8 702 999 88 77"},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.json
    stale = call(
        client, "PATCH", url, world.a["owner"], json={"notes": "x"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    old = call(client, "GET", f"{API}/customers?q=87011234567", world.a["owner"]).json
    new = call(client, "GET", f"{API}/customers?q=+77029998877", world.a["owner"]).json
    assert old["total"] == 0 and [c["id"] for c in new["items"]] == [made["id"]]


def test_delete_removes_the_customer_and_its_terms(
    app: Flask, client: FlaskClient, world: World
) -> None:
    made = _create(client, world, AIGERIM)
    assert (
        call(client, "DELETE", f"{API}/customers/{made['id']}", world.a["owner"]).status_code == 204
    )
    assert call(client, "GET", f"{API}/customers/{made['id']}", world.a["owner"]).status_code == 404
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        left = session.scalar(
            select(func.count())
            .select_from(CustomerSearchTerm)
            .where(CustomerSearchTerm.customer_id == uuid.UUID(str(made["id"])))
        )
        session.rollback()
    assert left == 0


def test_bad_input_is_422_and_writes_nothing(client: FlaskClient, world: World) -> None:
    owner = world.a["owner"]
    r = call(
        client,
        "POST",
        f"{API}/customers",
        owner,
        json={"name": "", "email": "nope", "phone": "1", "kind": "alien"},
    )
    assert r.status_code == 422
    assert set(r.json["errors"]["json"]) == {"name", "email", "phone", "kind"}
    assert call(client, "GET", f"{API}/customers", owner).json["total"] == 0
    short = call(client, "GET", f"{API}/customers?q=ab", owner)
    assert short.status_code == 422 and "q" in short.json["errors"]["query"]


def test_list_of_fifty_costs_a_fixed_number_of_queries(
    app: Flask, client: FlaskClient, world: World
) -> None:
    owner = world.a["owner"]
    for i in range(5):
        _create(client, world, {"name": f"Клиент {i}", "phone": f"+7 701 000 00 0{i}"})
    call(client, "GET", f"{API}/customers?page_size=5", owner)
    with count_queries(app) as small:
        call(client, "GET", f"{API}/customers?page_size=5", owner)
    for i in range(50):
        _create(client, world, {"name": f"Покупатель {i}", "email": f"buyer{i}@example.com"})
    with count_queries(app) as large:
        r = call(client, "GET", f"{API}/customers?page_size=50", owner)
    assert len(r.json["items"]) == 50
    assert len(large) == len(small), (small, large)


def test_more_contacts_are_findable_and_the_primary_can_move(
    client: FlaskClient, world: World
) -> None:
    made = _create(client, world, AIGERIM)
    contacts_url = f"{API}/customers/{made['id']}/contacts"
    owner, dispatcher = world.a["owner"], world.a["dispatcher"]
    added = call(
        client,
        "POST",
        contacts_url,
        dispatcher,
        json={"name": "Бауыржан Садыков", "phone": "8 705 111 22 33"},
    )
    assert added.status_code == 201 and added.json["is_primary"] is False
    found = call(client, "GET", f"{API}/customers?q=87051112233", owner).json
    assert [c["id"] for c in found["items"]] == [made["id"]]
    listed = call(client, "GET", contacts_url, owner).json
    assert [c["is_primary"] for c in listed["items"]] == [True, False]

    contact_url = f"{contacts_url}/{added.json['id']}"
    etag = call(client, "GET", contact_url, owner).headers["ETag"]
    promoted = call(
        client,
        "PATCH",
        contact_url,
        dispatcher,
        json={"is_primary": True},
        headers={"If-Match": etag},
    )
    assert promoted.status_code == 200 and promoted.json["is_primary"] is True
    assert (
        call(
            client, "PATCH", contact_url, owner, json={"name": "x"}, headers={"If-Match": etag}
        ).status_code
        == 412
    )
    customer = call(client, "GET", f"{API}/customers/{made['id']}", owner).json
    assert customer["contacts"][0]["id"] == added.json["id"]

    # The primary contact stays; the former primary can now go, and its phone with it.
    assert call(client, "DELETE", contact_url, owner).status_code == 409
    former = listed["items"][0]["id"]
    assert call(client, "DELETE", f"{contacts_url}/{former}", owner).status_code == 204
    gone = call(client, "GET", f"{API}/customers?q=87011234567", owner).json
    assert gone["total"] == 0


def test_contacts_of_another_tenants_customer_are_404(client: FlaskClient, world: World) -> None:
    made = _create(client, world, AIGERIM)
    r = call(
        client,
        "POST",
        f"{API}/customers/{made['id']}/contacts",
        world.b["owner"],
        json={"name": "Intruder"},
    )
    assert r.status_code == 404
    listed = call(client, "GET", f"{API}/customers/{made['id']}/contacts", world.a["owner"]).json
    assert listed["total"] == 1
