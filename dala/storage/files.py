"""Content-addressed, encrypted file storage on local disk (one folder per company).

A file's address is a keyed hash of its bytes (HMAC with the company's index
key), so the same photo uploaded twice is stored once, and a file name says
nothing about its content to anyone without the key. The bytes are encrypted
under the company's data key, bound to the company and the address.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from dala.storage import crypto
from dala.storage.keys import keyring
from dala.storage.models import KeyPurpose


def _root() -> Path:
    return Path(current_app.config["FILES_DIR"])


def _path(tenant_id: uuid.UUID, address: str) -> Path:
    if len(address) != 64 or not all(c in "0123456789abcdef" for c in address):
        raise ValueError("not a blob address")
    return _root() / str(tenant_id) / address[:2] / address


def _aad(tenant_id: uuid.UUID, address: str) -> bytes:
    return crypto.associated_data(tenant_id, f"blob:{address}")


def address_of(tenant_id: uuid.UUID, data: bytes) -> str:
    _key_id, key = keyring().active(tenant_id, KeyPurpose.INDEX)
    return hmac.new(key, b"blob\x00" + hashlib.sha256(data).digest(), "sha256").hexdigest()


#: A file used this recently is never removed: an upload of the same content may
#: be about to commit a row that points to it.
GRACE_SECONDS = 600


@contextmanager
def _locked(tenant_id: uuid.UUID) -> Iterator[None]:
    """Serialise storing and removing a company's files across threads and workers."""
    folder = _root() / str(tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def put(tenant_id: uuid.UUID, data: bytes) -> str:
    """Store ``data`` (once per content) and return its address.

    A file that exists already is touched, so a removal running meanwhile sees it
    as in use (:data:`GRACE_SECONDS`).
    """
    address = address_of(tenant_id, data)
    path = _path(tenant_id, address)
    with _locked(tenant_id):
        if path.exists():
            os.utime(path)
        else:
            write(tenant_id, address, data)
    return address


def write(tenant_id: uuid.UUID, address: str, data: bytes) -> None:
    """Encrypt ``data`` under the active data key and replace the stored file atomically."""
    key_id, key = keyring().active(tenant_id, KeyPurpose.DATA)
    path = _path(tenant_id, address)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{uuid.uuid4().hex}.part")
    partial.write_bytes(crypto.encrypt(key_id, key, data, _aad(tenant_id, address)))
    os.replace(partial, path)  # readers see the old file or the new one, never half


def read(tenant_id: uuid.UUID, address: str) -> bytes:
    ring = keyring()
    blob = _path(tenant_id, address).read_bytes()
    return crypto.decrypt(lambda kid: ring.key(tenant_id, kid), blob, _aad(tenant_id, address))


def key_id(tenant_id: uuid.UUID, address: str) -> uuid.UUID:
    """The data key a stored file is encrypted with (for key rotation)."""
    with _path(tenant_id, address).open("rb") as f:
        return crypto.key_id_of(f.read(64))


def addresses(tenant_id: uuid.UUID) -> list[str]:
    folder = _root() / str(tenant_id)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.glob("??/*") if len(p.name) == 64)


def remove_unused(
    tenant_id: uuid.UUID, addresses: Iterable[str], used: Callable[[list[str]], set[str]]
) -> list[str]:
    """Remove the files among ``addresses`` that ``used`` does not name and nobody
    stored in the last :data:`GRACE_SECONDS`; returns the removed addresses."""
    removed = []
    with _locked(tenant_id):
        now = time.time()
        candidates = []
        for address in addresses:
            path = _path(tenant_id, address)
            try:
                if now - path.stat().st_mtime >= GRACE_SECONDS:
                    candidates.append(address)
            except FileNotFoundError:
                continue
        in_use = used(candidates) if candidates else set()
        for address in candidates:
            if address not in in_use:
                _path(tenant_id, address).unlink(missing_ok=True)
                removed.append(address)
    return removed


def reencrypt(tenant_id: uuid.UUID, address: str, active_key_id: uuid.UUID) -> bool:
    """Rewrite a stored file under the active data key; False if it is gone or current."""
    with _locked(tenant_id):
        path = _path(tenant_id, address)
        if not path.exists() or key_id(tenant_id, address) == active_key_id:
            return False
        write(tenant_id, address, read(tenant_id, address))
        return True
