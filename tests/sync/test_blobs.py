"""Blobs: photos and signatures upload by their SHA-256, whole or in parts, resumably and
idempotently, size- and type-checked, encrypted on disk from the first part on, per company."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Table, select, update

from dala.db import get_session
from dala.storage import files
from dala.sync.models import SyncBlob
from dala.tenancy import context
from tests.support.world import Person, TenantWorld, World, call

API = "/api/v1"
_blobs = cast(Table, SyncBlob.__table__)
JPEG = "image/jpeg"


def _jpeg(size: int = 3000) -> bytes:
    return b"\xff\xd8\xff\xe0" + os.urandom(size - 4)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _put(
    client: FlaskClient,
    person: Person,
    sha256: str,
    data: bytes,
    *,
    content_type: str = "image/jpeg",
    part: tuple[int, int] | None = None,
    total: int | None = None,
) -> Any:
    """PUT the whole of ``data``, or ``data[start:end]`` as a part of ``total`` bytes."""
    headers = {}
    body = data
    if part is not None:
        start, end = part
        body = data[start:end]
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{total or len(data)}"
    return call(
        client,
        "PUT",
        f"{API}/sync/blobs/{sha256}",
        person,
        data=body,
        headers=headers,
        content_type=content_type,
    )


def _status(client: FlaskClient, person: Person, sha256: str) -> Any:
    return call(client, "GET", f"{API}/sync/blobs/{sha256}", person)


def _row(app: Flask, t: TenantWorld, sha256: str) -> SyncBlob | None:
    with app.app_context(), context.tenant_scope(t.tenant_id):
        found: SyncBlob | None = (
            get_session().scalars(select(SyncBlob).where(SyncBlob.sha256 == sha256)).one_or_none()
        )
        return found


def _staging(app: Flask, t: TenantWorld) -> Path:
    return Path(app.config["FILES_DIR"]) / str(t.tenant_id) / ".staging"


def _staged_files(app: Flask, t: TenantWorld) -> list[Path]:
    root = _staging(app, t)
    return sorted(p for p in root.glob("*/*") if p.is_file()) if root.is_dir() else []


def _stored(app: Flask, t: TenantWorld, address: str) -> bytes:
    with app.app_context():
        return files.read(t.tenant_id, address)


def _raw_file(app: Flask, t: TenantWorld, address: str) -> bytes:
    return (Path(app.config["FILES_DIR"]) / str(t.tenant_id) / address[:2] / address).read_bytes()


def test_a_whole_upload_is_stored_encrypted_and_complete(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    photo = _jpeg()
    sha256 = _sha(photo)
    assert _status(client, t["technician"], sha256).status_code == 404

    r = _put(client, t["technician"], sha256, photo)
    assert r.status_code == 201, r.json
    assert r.json == {
        "sha256": sha256,
        "received": len(photo),
        "size": len(photo),
        "complete": True,
    }
    assert _status(client, t["technician"], sha256).json == r.json

    row = _row(app, t, sha256)
    assert row is not None and row.blob and row.content_type == "image/jpeg"
    assert row.uploaded_by == t["technician"].user_id
    assert _stored(app, t, row.blob) == photo
    raw = _raw_file(app, t, row.blob)
    assert not raw.startswith(b"\xff\xd8") and photo[4:64] not in raw  # no plaintext on disk
    assert sha256 not in str(list((Path(app.config["FILES_DIR"]) / str(t.tenant_id)).rglob("*")))
    assert _staged_files(app, t) == []  # the parts are gone once stored


def test_an_upload_in_three_parts_is_encrypted_from_the_first_part(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    photo = _jpeg(9000)
    sha256 = _sha(photo)
    cuts = [(0, 3000), (3000, 6000), (6000, 9000)]
    for n, part in enumerate(cuts[:2], 1):
        r = _put(client, t["technician"], sha256, photo, part=part)
        assert r.status_code == 200, r.json
        assert r.json["received"] == part[1] and r.json["complete"] is False
        staged = _staged_files(app, t)
        assert len(staged) == n
        for path in staged:
            raw = path.read_bytes()
            assert not raw.startswith(b"\xff\xd8")
            assert all(photo[a + 16 : a + 80] not in raw for a, _b in cuts)
    assert _status(client, t["technician"], sha256).json["received"] == 6000
    r = _put(client, t["technician"], sha256, photo, part=cuts[2])
    assert r.status_code == 201 and r.json["complete"] is True
    row = _row(app, t, sha256)
    assert row is not None and row.blob is not None
    assert _stored(app, t, row.blob) == photo
    assert _staged_files(app, t) == []


def test_a_missing_part_is_answered_with_where_to_resume(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    photo = _jpeg(6000)
    sha256 = _sha(photo)
    late = _put(client, t["technician"], sha256, photo, part=(2000, 4000))
    assert late.status_code == 409 and late.json["errors"]["received"] == 0  # nothing yet
    assert _status(client, t["technician"], sha256).status_code == 404

    assert _put(client, t["technician"], sha256, photo, part=(0, 2000)).status_code == 200
    skipped = _put(client, t["technician"], sha256, photo, part=(4000, 6000))
    assert skipped.status_code == 409, skipped.json
    assert skipped.json["errors"]["received"] == 2000 and "2000" in skipped.json["message"]
    again = _put(client, t["technician"], sha256, photo, part=(0, 2000))  # a lost answer, resent
    assert again.status_code == 409 and again.json["errors"]["received"] == 2000
    whole = _put(client, t["technician"], sha256, photo)  # a whole resend: resume too
    assert whole.status_code == 409 and whole.json["errors"]["received"] == 2000

    assert _put(client, t["technician"], sha256, photo, part=(2000, 4000)).status_code == 200
    done = _put(client, t["technician"], sha256, photo, part=(4000, 6000))
    assert done.status_code == 201 and done.json["complete"] is True
    row = _row(app, t, sha256)
    assert row is not None and row.blob is not None and _stored(app, t, row.blob) == photo


def test_bytes_that_do_not_match_the_hash_are_422_and_discarded(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    photo = _jpeg(4000)
    claimed = _sha(_jpeg(4000))
    assert _put(client, t["technician"], claimed, photo, part=(0, 2000)).status_code == 200
    r = _put(client, t["technician"], claimed, photo, part=(2000, 4000))
    assert r.status_code == 422 and "sha256" in r.json["errors"], r.json
    assert _status(client, t["technician"], claimed).status_code == 404
    assert _row(app, t, claimed) is None and _staged_files(app, t) == []
    whole = _put(client, t["technician"], claimed, photo)
    assert whole.status_code == 422 and _row(app, t, claimed) is None


def test_an_upload_larger_than_the_limit_is_413_naming_it(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = world.a
    limit = app.config["MAX_ATTACHMENT_BYTES"]
    sha256 = _sha(b"big")
    declared = call(
        client,
        "PUT",
        f"{API}/sync/blobs/{sha256}",
        t["technician"],
        data=b"\xff\xd8\xff\xe0",
        headers={"Content-Range": f"bytes 0-3/{limit + 1}"},
        content_type="image/jpeg",
    )
    assert declared.status_code == 413, declared.json
    assert f"{limit // (1024 * 1024)} MB" in declared.json["message"]
    assert declared.json["errors"]["limit"] == limit

    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_BYTES", 1024 * 1024)
    big = _jpeg(1024 * 1024 + 1)
    r = _put(client, t["technician"], _sha(big), big)
    assert r.status_code == 413 and "1 MB" in r.json["message"], r.json
    assert _row(app, t, _sha(big)) is None
    exact = _jpeg(1024 * 1024)
    assert _put(client, t["technician"], _sha(exact), exact).status_code == 201


def test_only_jpeg_png_and_webp_images_are_taken(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    text = b"not an image"
    r = _put(client, t["technician"], _sha(text), text, content_type="text/plain")
    assert r.status_code == 415 and "Content-Type" in r.json["errors"], r.json
    assert _put(client, t["technician"], _sha(text), text, content_type="").status_code == 415
    assert _row(app, t, _sha(text)) is None

    photo = _jpeg()
    sent_as_png = _put(client, t["technician"], _sha(photo), photo, content_type="image/png")
    assert sent_as_png.status_code == 422 and _row(app, t, _sha(photo)) is None
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(100)
    webp = b"RIFF\x10\x00\x00\x00WEBPVP8 " + os.urandom(100)
    for data, kind in ((png, "image/png"), (webp, "image/webp"), (photo, "image/jpeg")):
        ok = _put(client, t["technician"], _sha(data), data, content_type=f"{kind}; q=1")
        assert ok.status_code == 201, (kind, ok.json)


def test_a_replayed_upload_is_200_at_once_and_changes_nothing(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    photo = _jpeg()
    sha256 = _sha(photo)
    first = _put(client, t["technician"], sha256, photo)
    assert first.status_code == 201
    row = _row(app, t, sha256)
    assert row is not None
    for replay in (
        _put(client, t["technician"], sha256, photo),
        _put(client, t["technician"], sha256, photo, part=(1000, 2000)),
        _put(client, t["owner"], sha256, b"", content_type="text/plain"),
    ):
        assert replay.status_code == 200 and replay.json == first.json
    again = _row(app, t, sha256)
    assert again is not None and (again.id, again.blob, again.updated_at) == (
        row.id,
        row.blob,
        row.updated_at,
    )


def test_blobs_are_per_company(app: Flask, client: FlaskClient, world: World) -> None:
    photo = _jpeg()
    sha256 = _sha(photo)
    assert _put(client, world.a["technician"], sha256, photo).status_code == 201
    other = _status(client, world.b["technician"], sha256)
    assert other.status_code == 404 and other.json["code"] == 404
    # B's own upload of the same bytes is B's, stored under B's keys; A's is untouched.
    b_upload = _put(client, world.b["technician"], sha256, photo)
    assert b_upload.status_code == 201
    a_row, b_row = _row(app, world.a, sha256), _row(app, world.b, sha256)
    assert a_row is not None and b_row is not None and a_row.id != b_row.id
    assert a_row.blob != b_row.blob  # keyed content addresses differ per company
    assert _stored(app, world.a, a_row.blob or "") == _stored(app, world.b, b_row.blob or "")


def test_concurrent_uploads_of_one_blob_store_it_once_intact(app: Flask, world: World) -> None:
    t = world.a
    photo = _jpeg(200_000)
    sha256 = _sha(photo)
    codes: list[int] = []

    def upload() -> None:
        r = _put(app.test_client(), t["technician"], sha256, photo)
        codes.append(r.status_code)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 200, 200, 201], codes
    row = _row(app, t, sha256)
    assert row is not None and row.blob is not None and _stored(app, t, row.blob) == photo

    parts = _jpeg(4000)
    part_codes: list[int] = []

    def first_part() -> None:
        r = _put(app.test_client(), t["technician"], _sha(parts), parts, part=(0, 2000))
        part_codes.append(r.status_code)

    threads = [threading.Thread(target=first_part) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(part_codes) == [200, 409, 409], part_codes
    r = _put(app.test_client(), t["technician"], _sha(parts), parts, part=(2000, 4000))
    assert r.status_code == 201, r.json


def test_bad_headers_and_bodies_are_4xx_and_change_nothing(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    photo = _jpeg()
    sha256 = _sha(photo)
    url = f"{API}/sync/blobs/{sha256}"
    person = t["technician"]
    for bad in ("bytes=0-10/20", "bytes 10-5/20", "bytes 0-20/20", "bytes 0-9/*", "0-9/10"):
        headers = {"Content-Range": bad}
        r = call(client, "PUT", url, person, data=photo[:10], headers=headers, content_type=JPEG)
        assert r.status_code == 422, (bad, r.json)
    short = call(
        client,
        "PUT",
        url,
        person,
        data=photo[:10],
        headers={"Content-Range": f"bytes 0-99/{len(photo)}"},
        content_type="image/jpeg",
    )
    assert short.status_code == 422 and "Content-Range" in short.json["errors"], short.json
    empty = call(client, "PUT", url, person, data=b"", content_type="image/jpeg")
    assert empty.status_code == 422, empty.json
    for not_a_hash in ("abc", "g" * 64, sha256 + "0"):
        r = call(client, "PUT", f"{API}/sync/blobs/{not_a_hash}", person, data=photo)
        assert r.status_code == 422, r.json
        assert call(client, "GET", f"{API}/sync/blobs/{not_a_hash}", person).status_code == 422
    assert _row(app, t, sha256) is None
    upper = _put(client, person, sha256.upper(), photo)  # the same hash, in capitals
    assert upper.status_code == 201 and upper.json["sha256"] == sha256


def test_blobs_need_job_work(client: FlaskClient, world: World) -> None:
    photo = _jpeg()
    for role in ("dispatcher", "viewer"):
        assert _put(client, world.a[role], _sha(photo), photo).status_code == 403
        assert _status(client, world.a[role], _sha(photo)).status_code == 403


def test_the_sweep_drops_stale_uploads_and_keeps_blobs_waiting_for_their_mutation(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    stale, fresh, waiting = _jpeg(4000), _jpeg(4000), _jpeg()
    for data in (stale, fresh):
        assert _put(client, t["technician"], _sha(data), data, part=(0, 2000)).status_code == 200
    assert _put(client, t["technician"], _sha(waiting), waiting).status_code == 201
    stale_row, waiting_row = _row(app, t, _sha(stale)), _row(app, t, _sha(waiting))
    assert stale_row is not None and waiting_row is not None and waiting_row.blob
    day_ago = datetime.now(UTC) - timedelta(days=1, minutes=1)
    _age(app, t, _sha(stale), day_ago)
    stored = Path(app.config["FILES_DIR"]) / str(t.tenant_id) / waiting_row.blob[:2]
    hour_ago = time.time() - 3600  # past the files' grace period
    os.utime(stored / waiting_row.blob, (hour_ago, hour_ago))

    orphan = _staging(app, t) / uuid.uuid4().hex  # parts of no upload (a crash in between)
    orphan.mkdir(parents=True)
    (orphan / "000000000000000").write_bytes(b"sealed")

    result = app.test_cli_runner().invoke(args=["files", "sweep", "--tenant", t.slug])
    assert result.exit_code == 0, result.output
    assert "1 unfinished upload(s) dropped" in result.output
    assert not orphan.exists()
    assert _status(client, t["technician"], _sha(stale)).status_code == 404
    assert not (_staging(app, t) / stale_row.id.hex).exists()
    assert _status(client, t["technician"], _sha(fresh)).json["received"] == 2000
    # A complete blob no attachment uses yet keeps its file: its mutation may be on the way.
    assert (stored / waiting_row.blob).exists()
    assert _status(client, t["technician"], _sha(waiting)).json["complete"] is True

    _age(app, t, _sha(waiting), datetime.now(UTC) - timedelta(days=31))
    result = app.test_cli_runner().invoke(args=["files", "sweep", "--tenant", t.slug])
    assert result.exit_code == 0, result.output
    assert _status(client, t["technician"], _sha(waiting)).status_code == 404
    assert not (stored / waiting_row.blob).exists()  # no attachment used it: gone too


def _age(app: Flask, t: TenantWorld, sha256: str, when: datetime) -> None:
    """Move an upload's last activity back in time (a bulk update: no timestamps move)."""
    with app.app_context(), context.tenant_scope(t.tenant_id):
        session = get_session()
        session.execute(
            update(_blobs)
            .where(_blobs.c.tenant_id == t.tenant_id, _blobs.c.sha256 == sha256)
            .values(updated_at=when)
        )
        session.commit()
