"""The key hierarchy and encrypted values: round trips, and every misuse refused."""

from __future__ import annotations

import base64
import uuid

import pytest

from dala.errors import ConfigurationError
from dala.storage import crypto

TENANT_A, TENANT_B = uuid.uuid4(), uuid.uuid4()


def test_master_key_must_be_32_bytes_of_base64() -> None:
    good = base64.b64encode(bytes(range(32))).decode()
    assert crypto.load_master_key(good) == bytes(range(32))
    for bad in ("", "not base64!!", base64.b64encode(b"short").decode()):
        with pytest.raises(ConfigurationError, match="DALA_MASTER_KEY"):
            crypto.load_master_key(bad)


def test_data_key_wrapping_is_bound_to_master_key_tenant_and_purpose() -> None:
    kek, other_kek, dek = crypto.new_key(), crypto.new_key(), crypto.new_key()
    wrapped = crypto.wrap_key(kek, dek, tenant_id=TENANT_A, purpose="data")
    assert dek not in wrapped
    assert crypto.unwrap_key(kek, wrapped, tenant_id=TENANT_A, purpose="data") == dek
    for kwargs in (
        {"kek": other_kek, "tenant_id": TENANT_A, "purpose": "data"},
        {"kek": kek, "tenant_id": TENANT_B, "purpose": "data"},
        {"kek": kek, "tenant_id": TENANT_A, "purpose": "index"},
    ):
        with pytest.raises(crypto.DecryptionFailed):
            crypto.unwrap_key(
                kwargs["kek"], wrapped, tenant_id=kwargs["tenant_id"], purpose=kwargs["purpose"]
            )


def test_values_round_trip_and_name_their_key() -> None:
    key_id, key = uuid.uuid4(), crypto.new_key()
    aad = crypto.associated_data(TENANT_A, "customers.name")
    blob = crypto.encrypt(key_id, key, "Айгерим Садыкова".encode(), aad)
    assert "Айгерим".encode() not in blob
    assert crypto.key_id_of(blob) == key_id
    assert crypto.decrypt({key_id: key}.__getitem__, blob, aad).decode() == "Айгерим Садыкова"
    # The same plaintext twice gives different ciphertexts (fresh nonce).
    assert crypto.encrypt(key_id, key, b"x", aad) != crypto.encrypt(key_id, key, b"x", aad)


def test_a_value_moved_to_another_column_tenant_or_tampered_does_not_open() -> None:
    key_id, key = uuid.uuid4(), crypto.new_key()
    keys = {key_id: key}.__getitem__
    blob = crypto.encrypt(key_id, key, b"+77011234567", crypto.associated_data(TENANT_A, "c.phone"))
    for aad in (
        crypto.associated_data(TENANT_A, "c.notes"),
        crypto.associated_data(TENANT_B, "c.phone"),
    ):
        with pytest.raises(crypto.DecryptionFailed):
            crypto.decrypt(keys, blob, aad)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(keys, tampered, crypto.associated_data(TENANT_A, "c.phone"))
    with pytest.raises(crypto.DecryptionFailed):
        crypto.key_id_of(b"\x02" + blob[1:])


def test_rows_under_an_older_data_key_still_open_during_rotation() -> None:
    old_id, old_key = uuid.uuid4(), crypto.new_key()
    new_id, new_key = uuid.uuid4(), crypto.new_key()
    aad = crypto.associated_data(TENANT_A, "sites.address")
    keyring = {old_id: old_key, new_id: new_key}
    before = crypto.encrypt(old_id, old_key, b"Abay 10", aad)
    after = crypto.encrypt(new_id, new_key, b"Abay 10", aad)
    assert crypto.decrypt(keyring.__getitem__, before, aad) == b"Abay 10"
    assert crypto.decrypt(keyring.__getitem__, after, aad) == b"Abay 10"


def test_fingerprints_name_keys_without_revealing_them() -> None:
    kek = crypto.new_key()
    print_ = crypto.key_fingerprint(kek)
    assert print_ == crypto.key_fingerprint(kek) != crypto.key_fingerprint(crypto.new_key())
    assert kek.hex()[:16] != print_
