"""Uploads in progress: each part encrypted the moment it arrives, never plaintext on disk.

An upload's parts live in ``FILES_DIR/<company>/.staging/<upload id>/``, one file
per part named by the byte it starts at, encrypted under the company's data key
and bound to the company, the upload and that offset (a part moved to another
place or upload does not decrypt). A part is written whole or not at all (a new
file renamed into place), so a retry after a crash simply replaces it. The folder
is named by the upload's row id, not the content's hash: a name on disk says
nothing about what is being uploaded.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from dala.storage import crypto
from dala.storage.keys import keyring
from dala.storage.models import KeyPurpose

_FOLDER = ".staging"


def _root(tenant_id: uuid.UUID) -> Path:
    return Path(current_app.config["FILES_DIR"]) / str(tenant_id) / _FOLDER


def _folder(tenant_id: uuid.UUID, upload_id: uuid.UUID) -> Path:
    return _root(tenant_id) / upload_id.hex


def _part(tenant_id: uuid.UUID, upload_id: uuid.UUID, offset: int) -> Path:
    return _folder(tenant_id, upload_id) / f"{offset:015d}"


def _aad(tenant_id: uuid.UUID, upload_id: uuid.UUID, offset: int) -> bytes:
    return crypto.associated_data(tenant_id, f"staging:{upload_id.hex}:{offset}")


@contextmanager
def locked(tenant_id: uuid.UUID) -> Iterator[None]:
    """Serialise the company's uploads (and their sweep) across threads and workers, so two
    requests never append to one upload at once."""
    root = _root(tenant_id)
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_part(tenant_id: uuid.UUID, upload_id: uuid.UUID, offset: int, data: bytes) -> None:
    """Store the part starting at ``offset``, encrypted; replaces one written there before."""
    key_id, key = keyring().active(tenant_id, KeyPurpose.DATA)
    folder = _folder(tenant_id, upload_id)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{uuid.uuid4().hex}.part"
    partial.write_bytes(crypto.encrypt(key_id, key, data, _aad(tenant_id, upload_id, offset)))
    os.replace(partial, _part(tenant_id, upload_id, offset))


def read_all(tenant_id: uuid.UUID, upload_id: uuid.UUID, size: int) -> bytes | None:
    """The upload's ``size`` bytes, decrypted and in order; None if a part is missing or
    damaged (the upload cannot be finished and must start again)."""
    ring = keyring()
    chunks: list[bytes] = []
    offset = 0
    while offset < size:
        try:
            sealed = _part(tenant_id, upload_id, offset).read_bytes()
            chunk = crypto.decrypt(
                lambda kid: ring.key(tenant_id, kid), sealed, _aad(tenant_id, upload_id, offset)
            )
        except (FileNotFoundError, crypto.DecryptionFailed):
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks) if offset == size else None


def discard(tenant_id: uuid.UUID, upload_id: uuid.UUID) -> None:
    shutil.rmtree(_folder(tenant_id, upload_id), ignore_errors=True)


def uploads(tenant_id: uuid.UUID) -> dict[uuid.UUID, float]:
    """The company's uploads on disk, each with when its last part arrived (mtime)."""
    root = _root(tenant_id)
    if not root.is_dir():
        return {}
    found: dict[uuid.UUID, float] = {}
    for entry in root.iterdir():
        try:
            upload_id = uuid.UUID(hex=entry.name)
        except ValueError:
            continue  # the lock file
        if entry.is_dir():
            found[upload_id] = entry.stat().st_mtime
    return found
