"""Key rotation: new master key, new data keys, values re-encrypted online while reads go on."""

from __future__ import annotations

import base64
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import LargeBinary, func, select, type_coerce

from dala import create_app
from dala.audit.models import AuditEvent
from dala.auth.models import RoleAssignment, User
from dala.auth.tokens import issue_token
from dala.db import database, get_session
from dala.demo import DEMO_SLUG, seed_demo
from dala.storage import crypto, files, rotation
from dala.storage.keys import keyring, tenant_transaction
from dala.storage.models import KeyPurpose, KeyStatus
from dala.tenancy import context
from dala.tenancy.models import Tenant
from dala.work.customers import create_customer
from dala.work.models import Customer
from tests.conftest import TEST_MASTER_KEY, TestDatabase, app_config
from tests.support.mailbox import Mailbox
from tests.support.world import Person, World, call

API = "/api/v1"


def _customer(i: int) -> dict[str, Any]:
    return {
        "name": f"Клиент Ахметов Rotation{i}",
        "email": f"client{i}@rotation.example.kz",
        "phone": f"+7 701 555 {i // 100:02d} {i % 100:02d}",
        "notes": f"Домофон {i}",
    }


def _audit_values(app: Flask, tenant_id: uuid.UUID) -> int:
    """Encrypted values the audit log holds (one per entry: the world's own set-up)."""
    with app.app_context(), context.tenant_scope(tenant_id):
        session = get_session()
        count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        session.rollback()
    return count


def _create(client: FlaskClient, person: Person, i: int) -> dict[str, Any]:
    r = call(client, "POST", f"{API}/customers", person, json=_customer(i))
    assert r.status_code == 201, r.json
    return dict(r.json)


def _read(client: FlaskClient, person: Person, customer_id: str) -> tuple[dict[str, Any], str]:
    r = call(client, "GET", f"{API}/customers/{customer_id}", person)
    assert r.status_code == 200, r.json
    return dict(r.json), r.headers["ETag"]


def _stored(app: Flask, tenant_id: uuid.UUID) -> dict[tuple[str, str, str], bytes]:
    """Every encrypted value of the tenant as stored: (table, row id, column) -> bytes."""
    out = {}
    with app.app_context(), tenant_transaction(database(app).engine, tenant_id) as conn:
        for target in rotation.encrypted_tables():
            table = target.table
            cols = [type_coerce(c, LargeBinary).label(c.name) for c in target.columns]
            for row in conn.execute(
                select(table.c.id, *cols).where(table.c.tenant_id == tenant_id)
            ).mappings():
                for c in target.columns:
                    if row[c.name] is not None:
                        out[(table.name, str(row["id"]), c.name)] = bytes(row[c.name])
    return out


def _new_master() -> str:
    return base64.b64encode(crypto.new_key()).decode()


def _app(database: TestDatabase, mailbox: Mailbox, master: str, old: str = "") -> Flask:
    return create_app(app_config(database, mailbox, MASTER_KEY=master, OLD_MASTER_KEYS=old))


def _dispose(*apps: Flask) -> None:
    for a in apps:
        a.extensions["dala.db"].engine.dispose()


def _restore_master(
    database: TestDatabase, mailbox: Mailbox, used: str, tenants: list[uuid.UUID]
) -> None:
    """Wrap the tenants' keys under the test run's master key again (the session app's)."""
    back = _app(database, mailbox, TEST_MASTER_KEY, used)
    with back.app_context():
        rotation.rewrap_master(tenants)
    _dispose(back)


def test_new_data_key_reencrypts_every_value_and_nothing_a_client_sees_changes(
    app: Flask, client: FlaskClient, world: World
) -> None:
    owner, a = world.a["owner"], world.a.tenant_id
    made = [_create(client, owner, i) for i in range(5)]
    _create(client, world.b["owner"], 99)
    before = {m["id"]: _read(client, owner, m["id"]) for m in made}
    stored_b = _stored(app, world.b.tenant_id)
    seen: list[tuple[str, int, int]] = []
    with app.app_context():
        old_id, _ = rotation.active_data_key(a)
        index_id, _ = keyring().active(a, KeyPurpose.INDEX)
        new_id = rotation.rotate_data_key(a)
        result = rotation.reencrypt(a, batch_size=2, progress=lambda *p: seen.append(p))
        remaining = rotation.values_under_retired_keys(a)
        assert keyring().active(a, KeyPurpose.INDEX)[0] == index_id  # never rotated with data
    # 5 customers (name, notes) and their primary contacts (name, e-mail, phone)
    assert (result.rewritten, result.conflicts, result.unreadable) == (
        25 + _audit_values(app, a),
        0,
        0,
    )
    assert remaining == 0 and new_id != old_id
    stored = _stored(app, a)
    assert len(stored) == 25 + _audit_values(app, a)
    assert {crypto.key_id_of(v) for v in stored.values()} == {new_id}
    assert ("customers", 5, 5) in seen and ("customer_contacts", 5, 5) in seen
    assert ("customers", 2, 5) in seen  # batches of two, reported as they went
    for customer_id, (body, etag) in before.items():
        assert _read(client, owner, customer_id) == (body, etag)  # same values, ETag, updated_at
    for q in ("Rotation3", "client3@rotation.example.kz", "87015550003"):
        found = call(client, "GET", f"{API}/customers", owner, query_string={"q": q}).json
        assert [c["id"] for c in found["items"]] == [made[3]["id"]], q
    assert _stored(app, world.b.tenant_id) == stored_b  # the other company is untouched
    with app.app_context():  # a second run finds nothing to do
        again = rotation.reencrypt(a, batch_size=2)
    assert again.rewritten == 0


def test_a_row_changed_between_read_and_write_is_not_overwritten(
    app: Flask, client: FlaskClient, world: World
) -> None:
    owner, a = world.a["owner"], world.a.tenant_id
    first, second = _create(client, owner, 1), _create(client, owner, 2)
    with app.app_context():
        rotation.rotate_data_key(a)
        active = rotation.active_data_key(a)
        [target] = [t for t in rotation.encrypted_tables() if t.table.name == "customers"]
        engine = database().engine
        with tenant_transaction(engine, a) as conn:
            snapshot = rotation.read_batch(conn, target, a, active[0], None, 10)
    assert len(snapshot) == 2
    # A user saves the first customer after the rotation read it, before it writes.
    changed = call(
        client, "PATCH", f"{API}/customers/{first['id']}", owner, json={"name": "Новое Имя"}
    )
    assert changed.status_code == 200
    with app.app_context():
        result = rotation.rewrite_batch(engine, target, a, snapshot, active)
    assert (result.rewritten, result.conflicts) == (2, 1)  # the second's name and notes
    body, etag = _read(client, owner, first["id"])
    assert body["name"] == "Новое Имя" and etag == changed.headers["ETag"]
    assert _read(client, owner, second["id"])[0]["name"] == second["name"]
    stored = _stored(app, a)
    assert crypto.key_id_of(stored[("customers", second["id"], "name")]) == active[0]


def test_retired_keys_are_dropped_only_when_nothing_names_them(
    app: Flask, client: FlaskClient, world: World
) -> None:
    owner, a = world.a["owner"], world.a.tenant_id
    made = _create(client, owner, 7)
    with app.app_context():
        old_id, _ = rotation.active_data_key(a)
        rotation.rotate_data_key(a)
        early = rotation.drop_retired(a)
        still_used = rotation.drop_retired(a, grace=timedelta(0))
        rotation.reencrypt(a)
        recent = rotation.drop_retired(a)
        done = rotation.drop_retired(a, grace=timedelta(0))
        left = rotation.tenant_status(rotation.list_tenants(world.a.slug)[0]).keys
    assert early.too_recent == [old_id] and not early.dropped
    assert still_used.in_use == {old_id: 5 + _audit_values(app, a)} and not still_used.dropped
    assert recent.too_recent == [old_id] and not recent.dropped
    assert done.dropped == [old_id]
    assert sorted((k.purpose, k.status) for k in left) == [
        (KeyPurpose.DATA, KeyStatus.ACTIVE),
        (KeyPurpose.INDEX, KeyStatus.ACTIVE),
    ]
    assert _read(client, owner, made["id"])[0]["name"] == made["name"]


def test_stored_files_are_reencrypted_and_keep_their_key_until_then(
    world: World, database: TestDatabase, mailbox: Mailbox, tmp_path: Path
) -> None:
    a = world.a.tenant_id
    with_files = create_app(app_config(database, mailbox, FILES_DIR=str(tmp_path)))
    seen: list[tuple[str, int, int]] = []
    audits = _audit_values(with_files, a)
    try:
        with with_files.app_context():
            address = files.put(a, b"\x89PNG a photo of the boiler")
            old_id = files.key_id(a, address)
            rotation.rotate_data_key(a)
            kept = rotation.drop_retired(a, grace=timedelta(0))
            result = rotation.reencrypt(a, progress=lambda *p: seen.append(p))
            new_id = files.key_id(a, address)
            assert files.read(a, address) == b"\x89PNG a photo of the boiler"
            dropped = rotation.drop_retired(a, grace=timedelta(0))
    finally:
        _dispose(with_files)
    assert kept.in_use == {old_id: 1 + audits} and not kept.dropped
    assert result.rewritten == 1 + audits and ("files", 1, 1) in seen
    assert new_id != old_id and dropped.dropped == [old_id]


def test_new_master_key_rewraps_every_tenant_key(
    app: Flask, client: FlaskClient, world: World, database: TestDatabase, mailbox: Mailbox
) -> None:
    owner, tenants = world.a["owner"], [world.a.tenant_id, world.b.tenant_id]
    made = [_create(client, owner, i) for i in range(3)]
    before = {m["id"]: _read(client, owner, m["id"]) for m in made}
    new_master = _new_master()
    rotating = _app(database, mailbox, new_master, TEST_MASTER_KEY)
    only_new = _app(database, mailbox, new_master)
    try:
        with rotating.app_context():
            first = rotation.rewrap_master(tenants)
            second = rotation.rewrap_master(tenants)
            status = rotation.tenant_status(rotation.list_tenants(world.a.slug)[0])
        assert (first.rewrapped, first.conflicts, second.rewrapped) == (4, 0, 0)
        assert status.old_master == 0 and all(k.current_master for k in status.keys)
        # A worker that knows only the new master key reads and searches everything.
        reader = only_new.test_client()
        for customer_id, expected in before.items():
            assert _read(reader, owner, customer_id) == expected
        found = call(reader, "GET", f"{API}/customers", owner, query_string={"q": "Rotation2"}).json
        assert [c["id"] for c in found["items"]] == [made[2]["id"]]
    finally:
        _restore_master(database, mailbox, new_master, tenants)
        _dispose(rotating, only_new)


@pytest.fixture
def demo(app: Flask) -> Iterator[tuple[uuid.UUID, str]]:
    """The demo company with at least 60 customers, and a bearer token of its owner."""
    with app.app_context():
        seed_demo()
        session = get_session()
        tenant_id = session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_SLUG)).one()
        with context.tenant_scope(tenant_id):
            have = session.scalar(select(func.count()).select_from(Customer)) or 0
            for i in range(have, 60):
                create_customer(session, _customer(i))
            owner = session.scalars(
                select(User)
                .join(RoleAssignment, RoleAssignment.user_id == User.id)
                .where(RoleAssignment.role == "owner")
            ).first()
            assert owner is not None
            token = issue_token(session, owner, name="rotation reader").secret
            session.commit()
        context.clear()
    yield tenant_id, token


def test_rotation_runs_against_the_demo_while_a_reader_keeps_succeeding(
    demo: tuple[uuid.UUID, str], database: TestDatabase, mailbox: Mailbox
) -> None:
    tenant_id, token = demo
    headers = {"Authorization": f"Bearer {token}"}
    new_master = _new_master()
    # Two workers during a master-key change: both hold the new key and the old one.
    rotating = _app(database, mailbox, new_master, TEST_MASTER_KEY)
    serving = _app(database, mailbox, new_master, TEST_MASTER_KEY)
    only_new = _app(database, mailbox, new_master)
    reader = serving.test_client()
    expected: dict[str, dict[str, Any]] = {}
    for page in range(1, 100):
        listing = reader.get(
            f"{API}/customers", query_string={"page_size": 100, "page": page}, headers=headers
        )
        assert listing.status_code == 200, listing.json
        expected.update((c["id"], c) for c in listing.json["items"])
        if len(expected) >= listing.json["total"]:
            break
    assert len(expected) >= 60
    etags = {
        cid: reader.get(f"{API}/customers/{cid}", headers=headers).headers["ETag"]
        for cid in expected
    }
    ids = sorted(expected)

    stop = threading.Event()
    turn = threading.Condition()
    reads: list[int] = [0]
    failures: list[str] = []

    def read_loop() -> None:
        i = 0
        while not stop.is_set():
            try:
                page = reader.get(
                    f"{API}/customers",
                    query_string={"page_size": 25, "page": 1 + i % 3},
                    headers=headers,
                )
                assert page.status_code == 200, page.json
                for item in page.json["items"]:
                    assert item == expected[item["id"]], item["id"]
                cid = ids[i % len(ids)]
                one = reader.get(f"{API}/customers/{cid}", headers=headers)
                assert one.status_code == 200, one.json
                assert one.json == expected[cid] and one.headers["ETag"] == etags[cid]
                with turn:
                    reads[0] += 1
                    turn.notify_all()
            except Exception as exc:  # every failure is reported, none stops the loop
                with turn:
                    failures.append(repr(exc))
                    turn.notify_all()
            i += 1

    batches: list[tuple[str, int, int]] = []
    interleaved: list[bool] = []

    def progress(what: str, done: int, total: int) -> None:
        # After each batch, let the reader finish a read against the half-rotated data.
        batches.append((what, done, total))
        with turn:
            seen = reads[0]
            interleaved.append(turn.wait_for(lambda: reads[0] > seen or bool(failures), 30))

    thread = threading.Thread(target=read_loop, daemon=True)
    thread.start()
    try:
        with rotating.app_context():
            wrapped = rotation.rewrap_master([tenant_id])
            rotation.rotate_data_key(tenant_id)
            result = rotation.reencrypt(tenant_id, batch_size=5, progress=progress)
            remaining = rotation.values_under_retired_keys(tenant_id)
    finally:
        stop.set()
        thread.join()
    try:
        assert failures == []
        assert wrapped.rewrapped >= 2 and result.conflicts == 0 and remaining == 0
        assert len(batches) > 20 and all(interleaved) and reads[0] >= len(batches)
        assert ("customers", len(expected), len(expected)) in batches
        # Afterwards a worker with only the new master key reads every customer.
        fresh = only_new.test_client()
        for cid in ids:
            got = fresh.get(f"{API}/customers/{cid}", headers=headers)
            assert got.json == expected[cid] and got.headers["ETag"] == etags[cid]
    finally:
        _restore_master(database, mailbox, new_master, [tenant_id])
        _dispose(rotating, serving, only_new)


def test_keys_commands_rotate_and_report(
    app: Flask, client: FlaskClient, world: World, database: TestDatabase, mailbox: Mailbox
) -> None:
    owner, slug = world.a["owner"], world.a.slug
    made = [_create(client, owner, i) for i in range(3)]
    runner = app.test_cli_runner()
    rotated = runner.invoke(args=["keys", "rotate", "--tenant", slug, "--batch-size", "2"])
    assert rotated.exit_code == 0, rotated.output
    assert f"{slug}\n" in rotated.output
    assert "keys re-wrapped under the current master key: 0" in rotated.output
    assert "customers: 3/3 re-encrypted" in rotated.output
    assert "customer_contacts: 3/3 re-encrypted" in rotated.output
    assert f"values re-encrypted: {15 + _audit_values(app, world.a.tenant_id)}" in rotated.output
    assert "values still under retired keys: 0" in rotated.output
    status = runner.invoke(args=["keys", "status", "--tenant", slug])
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert lines[0].startswith(slug)
    data = [line.split() for line in lines if line.split()[:1] == ["data"]]
    values = str(15 + _audit_values(app, world.a.tenant_id))
    assert sorted((d[1], d[-2]) for d in data) == [("active", values), ("retired", "0")]
    assert all("current master" in line for line in lines if line.split()[:1] == ["data"])
    assert any(line.split()[:2] == ["index", "active"] for line in lines)
    assert "values under retired keys: 0" in status.output
    assert "keys wrapped by an old master key: 0" in status.output
    with app.app_context():  # no secret reaches the output
        secrets = [keyring().key(world.a.tenant_id, uuid.UUID(d[2])) for d in data]
    for secret in [*secrets, base64.b64decode(TEST_MASTER_KEY)]:
        for form in (base64.b64encode(secret).decode(), secret.hex()):
            assert form not in rotated.output and form not in status.output
    cleaned = runner.invoke(
        args=["keys", "rotate", "--reencrypt", "--tenant", slug, "--drop-retired"]
    )
    assert cleaned.exit_code == 0, cleaned.output
    assert "retired data keys kept, retired too recently: 1" in cleaned.output
    unknown = runner.invoke(args=["keys", "status", "--tenant", "no-such-company"])
    assert unknown.exit_code == 1 and "no-such-company" in unknown.output
    keyless = create_app(app_config(database, mailbox, MASTER_KEY=""))
    refused = keyless.test_cli_runner().invoke(args=["keys", "rotate", "--tenant", slug])
    _dispose(keyless)
    assert refused.exit_code == 1 and "DALA_MASTER_KEY is not set" in refused.output
    assert _read(client, owner, made[0]["id"])[0]["name"] == made[0]["name"]
