"""Column types whose values are stored encrypted under the current tenant's data key."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from dala.storage import crypto
from dala.storage.keys import keyring
from dala.storage.models import KeyPurpose
from dala.tenancy import context


class _Encrypted(TypeDecorator[Any]):
    """Encrypts on the way in, decrypts on the way out; ``column`` is bound into each value.

    Rows of tenant tables only ever load under their own tenant's context, so the
    current tenant names the key ring to use.
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    # Each concrete type says how its values become bytes and back.
    _encode: Callable[[Any], bytes]
    _decode: Callable[[bytes], Any]

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        tenant_id = context.current_tenant_id()
        key_id, key = keyring().active(tenant_id, KeyPurpose.DATA)
        aad = crypto.associated_data(tenant_id, self.column)
        return crypto.encrypt(key_id, key, self._encode(value), aad)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        tenant_id = context.current_tenant_id()
        ring = keyring()
        aad = crypto.associated_data(tenant_id, self.column)
        return self._decode(crypto.decrypt(lambda kid: ring.key(tenant_id, kid), value, aad))


class EncryptedText(_Encrypted):
    """A string stored encrypted (names, phones, addresses, notes)."""

    # SQLAlchemy reads cache_ok from each class itself; the state (``column``) is a string.
    cache_ok = True

    @staticmethod
    def _encode(value: Any) -> bytes:
        return str(value).encode()

    @staticmethod
    def _decode(raw: bytes) -> str:
        return raw.decode()


class EncryptedJSON(_Encrypted):
    """A JSON document stored encrypted (lists of phones and e-mails, structured notes)."""

    cache_ok = True

    @staticmethod
    def _encode(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

    @staticmethod
    def _decode(raw: bytes) -> Any:
        return json.loads(raw)
