"""Tenant keys in the database: created once, stored wrapped, per tenant, old masters honoured."""

from __future__ import annotations

import base64
import uuid

import pytest
from flask import Flask
from sqlalchemy import select

from dala import create_app
from dala.db import get_session
from dala.errors import ConfigurationError
from dala.storage import crypto
from dala.storage.encrypted import EncryptedJSON, EncryptedText
from dala.storage.keys import KeyRing, keyring
from dala.storage.models import KeyPurpose, KeyStatus, TenantKey
from dala.tenancy import context
from tests.conftest import TEST_MASTER_KEY, TestDatabase, app_config
from tests.support.mailbox import Mailbox
from tests.support.world import World


def _rows(app: Flask, tenant_id: uuid.UUID) -> list[TenantKey]:
    with app.app_context(), context.tenant_scope(tenant_id):
        return list(get_session().scalars(select(TenantKey)))


def test_sign_up_creates_one_active_wrapped_key_per_purpose(app: Flask, world: World) -> None:
    with app.app_context():
        ring = keyring()
        first = ring.active(world.a.tenant_id, KeyPurpose.DATA)
        again = ring.active(world.a.tenant_id, KeyPurpose.DATA)
        index = ring.active(world.a.tenant_id, KeyPurpose.INDEX)
        other = ring.active(world.b.tenant_id, KeyPurpose.DATA)
    assert first == again and first[0] != index[0] and first[1] != other[1]
    rows = _rows(app, world.a.tenant_id)
    assert {(r.purpose, r.status) for r in rows} == {
        (KeyPurpose.DATA, KeyStatus.ACTIVE),
        (KeyPurpose.INDEX, KeyStatus.ACTIVE),
    }
    assert all(first[1] not in r.wrapped and index[1] not in r.wrapped for r in rows)


def test_another_worker_reads_the_same_key(
    app: Flask, world: World, database: TestDatabase, mailbox: Mailbox
) -> None:
    with app.app_context():
        key_id, key = keyring().active(world.a.tenant_id, KeyPurpose.DATA)
    other = create_app(app_config(database, mailbox))
    with other.app_context():
        assert keyring().active(world.a.tenant_id, KeyPurpose.DATA) == (key_id, key)
        assert keyring().key(world.a.tenant_id, key_id) == key
    other.extensions["dala.db"].engine.dispose()


def test_keys_wrapped_by_an_old_master_open_when_it_is_listed(
    app: Flask, world: World, database: TestDatabase, mailbox: Mailbox
) -> None:
    with app.app_context():
        key_id, key = keyring().active(world.a.tenant_id, KeyPurpose.DATA)
    new_master = base64.b64encode(crypto.new_key()).decode()
    without_old = create_app(app_config(database, mailbox, MASTER_KEY=new_master))
    with without_old.app_context(), pytest.raises(ConfigurationError, match="OLD_MASTER_KEYS"):
        keyring().key(world.a.tenant_id, key_id)
    with_old = create_app(
        app_config(database, mailbox, MASTER_KEY=new_master, OLD_MASTER_KEYS=TEST_MASTER_KEY)
    )
    with with_old.app_context():
        assert keyring().key(world.a.tenant_id, key_id) == key
    for a in (without_old, with_old):
        a.extensions["dala.db"].engine.dispose()


def test_no_master_key_is_a_clear_configuration_error(app: Flask, world: World) -> None:
    ring = KeyRing(app.extensions["dala.db"].engine, "", "")
    with pytest.raises(ConfigurationError, match="DALA_MASTER_KEY"):
        _ = ring.master_key
    with pytest.raises(ConfigurationError, match="OLD_MASTER_KEYS"):
        ring.active(world.b.tenant_id, KeyPurpose.INDEX)


def test_encrypted_types_round_trip_bound_to_tenant_and_column(app: Flask, world: World) -> None:
    name, contacts = EncryptedText("customers.name"), EncryptedJSON("customers.contacts")
    dialect = app.extensions["dala.db"].engine.dialect
    with app.app_context():
        with context.tenant_scope(world.a.tenant_id):
            stored = name.process_bind_param("Айгерим Садыкова", dialect)
            doc = contacts.process_bind_param({"phones": ["+77011234567"]}, dialect)
            assert stored is not None and "Айгерим".encode() not in stored
            assert name.process_result_value(stored, dialect) == "Айгерим Садыкова"
            assert contacts.process_result_value(doc, dialect) == {"phones": ["+77011234567"]}
            with pytest.raises(crypto.DecryptionFailed):
                EncryptedText("customers.notes").process_result_value(stored, dialect)
        with context.tenant_scope(world.b.tenant_id), pytest.raises(crypto.DecryptionFailed):
            name.process_result_value(stored, dialect)
        assert name.process_bind_param(None, dialect) is None
