"""AES-256-GCM envelope encryption: a key-encryption key (KEK) wraps per-tenant data keys.

A value is stored as ``01 | data-key id (16) | nonce (12) | ciphertext+tag``;
its associated data names the tenant and the column, so a ciphertext copied to
another tenant's row, or to another column, does not decrypt. The data key id in
the header lets rows written under an older key keep reading during rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import uuid
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dala.errors import ConfigurationError, DalaError

KEY_BYTES = 32
NONCE_BYTES = 12
_FORMAT_V1 = b"\x01"
_HEADER = len(_FORMAT_V1) + 16 + NONCE_BYTES


class DecryptionFailed(DalaError):
    """A value or wrapped key is damaged, or was made with another key or for another place."""

    status = 500
    code = "decryption_failed"


def load_master_key(encoded: str) -> bytes:
    """The KEK from its configured base64 form (32 random bytes)."""
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigurationError(
            "DALA_MASTER_KEY must be 32 random bytes in base64, e.g. "
            "`python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'`."
        )
    return key


def key_fingerprint(key: bytes) -> str:
    """A short, non-secret name for a KEK, stored beside what it wrapped."""
    return hashlib.sha256(b"dala-kek-fingerprint\x00" + key).hexdigest()[:16]


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _wrap_aad(tenant_id: uuid.UUID, purpose: str) -> bytes:
    return b"dala-wrapped-key\x00" + tenant_id.bytes + purpose.encode()


def wrap_key(kek: bytes, key: bytes, *, tenant_id: uuid.UUID, purpose: str) -> bytes:
    """``key`` encrypted under the KEK, bound to its tenant and purpose."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, key, _wrap_aad(tenant_id, purpose))


def unwrap_key(kek: bytes, wrapped: bytes, *, tenant_id: uuid.UUID, purpose: str) -> bytes:
    try:
        return AESGCM(kek).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(tenant_id, purpose)
        )
    except InvalidTag:
        raise DecryptionFailed("a wrapped key does not open with this master key") from None


def associated_data(tenant_id: uuid.UUID, column: str) -> bytes:
    """What a value is bound to: its tenant and its ``table.column``."""
    return tenant_id.bytes + column.encode()


def encrypt(key_id: uuid.UUID, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return _FORMAT_V1 + key_id.bytes + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def key_id_of(blob: bytes) -> uuid.UUID:
    """The id of the data key a stored value was encrypted with."""
    if len(blob) < _HEADER or blob[:1] != _FORMAT_V1:
        raise DecryptionFailed("not a Dala encrypted value")
    return uuid.UUID(bytes=blob[1:17])


def decrypt(keys: Callable[[uuid.UUID], bytes], blob: bytes, aad: bytes) -> bytes:
    """Open ``blob`` with the data key ``keys`` returns for the id in its header."""
    key = keys(key_id_of(blob))
    nonce, ciphertext = blob[17:_HEADER], blob[_HEADER:]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise DecryptionFailed("an encrypted value is damaged or misplaced") from None
