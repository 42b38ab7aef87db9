"""Pull: a technician's phone gets their jobs whole, then what changed since its cursor,
with the jobs they lost; never another technician's or another company's."""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dala.db import database, get_session
from dala.storage import files
from dala.sync import pull as pull_service
from dala.sync.models import ConflictStatus, SyncClient, SyncConflict
from dala.tenancy import context
from dala.work.field_models import JobNote, PartUsage, TimeEntry, TimeKind
from dala.work.job_models import Attachment, AttachmentKind, Job, Source
from tests.support import work
from tests.support.world import Person, TenantWorld, World, call
from tests.test_platform import count_queries

API = "/api/v1"
PULL = f"{API}/sync/pull"


def _pull(client: FlaskClient, person: Person, cursor: str | None = None, **params: Any) -> Any:
    query = {k: v for k, v in {"cursor": cursor, **params}.items() if v is not None}
    r = call(client, "GET", PULL, person, query_string=query)
    assert r.status_code == 200, r.json
    return r.json


def _ids(answer: dict[str, Any]) -> list[str]:
    return [job["id"] for job in answer["jobs"]]


def _owner(client: FlaskClient, t: TenantWorld, method: str, url: str, body: Any = None) -> Any:
    r = call(client, method, f"{API}{url}", t["owner"], json=body)
    assert r.status_code < 300, (url, r.json)
    return r.json if r.data else None


@contextmanager
def _db(app: Flask, t: TenantWorld) -> Iterator[Session]:
    """A session of the company's, committed at the end (stands for a service the office
    or a phone uses)."""
    with app.app_context(), context.tenant_scope(t.tenant_id):
        session = get_session()
        yield session
        session.commit()


def _note(app: Flask, t: TenantWorld, job_id: str, text: str, author: uuid.UUID | None) -> None:
    with _db(app, t) as db:
        db.add(
            JobNote(
                id=uuid.uuid4(),
                job_id=uuid.UUID(job_id),
                author_id=author,
                text=text,
                written_at=datetime.now(UTC),
                source=Source.APP,
            )
        )


def _complete(client: FlaskClient, t: TenantWorld, job_id: str) -> None:
    for to in ("dispatched", "en_route", "on_site", "completed"):
        _owner(client, t, "POST", f"/jobs/{job_id}/transitions", {"to": to})


def test_first_pull_is_a_snapshot_of_the_technicians_own_jobs(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    mine = [work.scheduled_job(client, t)["id"] for _ in range(2)]
    theirs = work.scheduled_job(client, t, technician_role="dispatcher")["id"]
    unassigned = work.scheduled_job(client, t, technician_role=None)["id"]
    elsewhere = work.scheduled_job(client, world.b)["id"]

    answer = _pull(client, t["technician"])
    assert answer["reset"] is True and answer["has_more"] is False
    assert sorted(_ids(answer)) == sorted(mine)
    assert answer["removed_job_ids"] == [] and answer["conflicts"] == []
    assert answer["last_mutation_id"] == 0
    assert theirs not in _ids(answer) and unassigned not in _ids(answer)
    assert _ids(_pull(client, world.b["technician"])) == [elsewhere]


def test_after_an_office_change_the_next_pull_returns_that_job_only(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    first, second = (work.scheduled_job(client, t)["id"] for _ in range(2))
    cursor = _pull(client, t["technician"])["cursor"]

    later = work.tomorrow(14).isoformat()
    _owner(client, t, "PATCH", f"/jobs/{first}", {"scheduled_start": later})
    answer = _pull(client, t["technician"], cursor)
    assert answer["reset"] is False and _ids(answer) == [first]
    assert answer["jobs"][0]["scheduled_start"].startswith(later[:16])

    _owner(client, t, "POST", f"/jobs/{second}/checklist", {"label": "Clean the filter"})
    answer = _pull(client, t["technician"], answer["cursor"])
    assert _ids(answer) == [second]
    assert [i["label"] for i in answer["jobs"][0]["checklist"]] == ["Clean the filter"]

    _note(app, t, first, "Gate code 4411", t["dispatcher"].user_id)
    answer = _pull(client, t["technician"], answer["cursor"])
    assert _ids(answer) == [first]
    assert [n["text"] for n in answer["jobs"][0]["notes"]] == ["Gate code 4411"]

    quiet = _pull(client, t["technician"], answer["cursor"])
    assert quiet["jobs"] == [] and quiet["removed_job_ids"] == [] and quiet["reset"] is False


def test_a_job_given_to_someone_else_is_removed_and_comes_back_when_given_back(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)["id"]
    kept = work.scheduled_job(client, t)["id"]
    me = work.technician(client, t)["id"]
    other = work.technician(client, t, "branch_admin")["id"]
    cursor = _pull(client, t["technician"])["cursor"]

    _owner(client, t, "PATCH", f"/jobs/{job}", {"technician_ids": [other]})
    answer = _pull(client, t["technician"], cursor)
    assert answer["removed_job_ids"] == [job] and answer["jobs"] == []
    assert _ids(_pull(client, t["branch_admin"])) == [job]  # the new technician's phone has it

    _owner(client, t, "PATCH", f"/jobs/{job}", {"technician_ids": [me]})
    again = _pull(client, t["technician"], answer["cursor"])
    assert _ids(again) == [job] and again["removed_job_ids"] == []
    # From the first cursor both changes are behind: the job is there, not removed.
    both = _pull(client, t["technician"], cursor)
    assert _ids(both) == [job] and both["removed_job_ids"] == []
    assert kept not in _ids(both)


def test_a_deleted_job_is_removed(client: FlaskClient, world: World) -> None:
    t = world.a
    job = work.scheduled_job(client, t)["id"]
    cursor = _pull(client, t["technician"])["cursor"]
    _owner(client, t, "POST", f"/jobs/{job}/transitions", {"to": "cancelled"})
    cancelled = _pull(client, t["technician"], cursor)
    assert _ids(cancelled) == [job] and cancelled["jobs"][0]["status"] == "cancelled"
    _owner(client, t, "DELETE", f"/jobs/{job}")
    answer = _pull(client, t["technician"], cancelled["cursor"])
    assert answer["removed_job_ids"] == [job] and answer["jobs"] == []


def test_a_cursor_from_before_answers_the_same_again(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)["id"]
    lost = work.scheduled_job(client, t)["id"]
    other = work.technician(client, t, "dispatcher")["id"]
    cursor = _pull(client, t["technician"])["cursor"]
    _owner(client, t, "PATCH", f"/jobs/{job}", {"priority": "high"})
    _owner(client, t, "PATCH", f"/jobs/{lost}", {"technician_ids": [other]})

    once = _pull(client, t["technician"], cursor)
    twice = _pull(client, t["technician"], cursor)
    assert _ids(once) == [job] and once["removed_job_ids"] == [lost]
    assert once["jobs"] == twice["jobs"] and once["removed_job_ids"] == twice["removed_job_ids"]
    assert twice["reset"] is False


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%",
        _cursor("v2:5:1700000000"),
        _cursor("v1:five:1700000000"),
        _cursor("v1:-3:1700000000"),
        _cursor("v1:5"),
        _cursor("v1:5:1700000000:not-an-id"),
        _cursor("v1:99999999999999999999999:1700000000"),  # ahead of the company's counter
        "x" * 1000,
    ],
)
def test_a_cursor_the_server_did_not_make_gives_a_snapshot(
    client: FlaskClient, world: World, cursor: str
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)["id"]
    answer = _pull(client, t["technician"], cursor)
    assert answer["reset"] is True and _ids(answer) == [job]


@pytest.mark.parametrize("commit_first", [True, False], ids=["before-reading", "after-reading"])
def test_a_change_committed_during_a_pull_is_returned_then_or_next_time(
    app: Flask,
    client: FlaskClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    commit_first: bool,
) -> None:
    """Another transaction commits a change to the job while the pull reads the counter,
    just before or just after the counter is read. Either way the change is in this
    answer or in the next one (from this answer's cursor): never lost. (Were the jobs read
    before the counter, the change committed just before the counter is read would be in
    neither.)"""
    t = world.a
    job = work.scheduled_job(client, t)["id"]
    cursor = _pull(client, t["technician"])["cursor"]
    read_version = pull_service.current_version

    def commit_a_change() -> None:
        other = database().session_factory()  # another connection: another transaction
        try:
            found = other.get(Job, (t.tenant_id, uuid.UUID(job)))
            assert found is not None
            found.title = "Changed during the pull"
            other.commit()
        finally:
            other.close()

    def read_with_a_change_beside(session: Session) -> int:
        if commit_first:
            commit_a_change()
        version = read_version(session)
        if not commit_first:
            commit_a_change()
        return version

    monkeypatch.setattr(pull_service, "current_version", read_with_a_change_beside)
    during = _pull(client, t["technician"], cursor)
    monkeypatch.undo()
    after = _pull(client, t["technician"], during["cursor"])
    titles = [j["title"] for j in during["jobs"] + after["jobs"]]
    assert "Changed during the pull" in titles
    # Once it is behind the counter it is not sent again.
    assert _pull(client, t["technician"], after["cursor"])["jobs"] == []


def test_paged_answers_carry_every_job_once_even_among_jobs_of_one_version(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    tech = work.technician(client, t)["id"]
    where = work.site(client, t)
    body = {
        "customer_id": where["customer_id"],
        "site_id": where["id"],
        "title": "Service",
        "technician_ids": [tech],
        "scheduled_start": work.tomorrow().isoformat(),
    }
    jobs = [work.made(client, t, "/jobs", body)["id"] for _ in range(5)]

    seen: list[str] = []
    answer = _pull(client, t["technician"], limit=2)
    assert answer["reset"] is True
    pages = 1
    seen += _ids(answer)
    while answer["has_more"]:
        answer = _pull(client, t["technician"], answer["cursor"], limit=2)
        assert answer["reset"] is False
        seen += _ids(answer)
        pages += 1
    assert pages == 3 and sorted(seen) == sorted(jobs) and len(set(seen)) == 5

    # One change to the site stamps all five jobs with one version: pages still split it.
    _owner(client, t, "PATCH", f"/sites/{where['id']}", {"access_notes": "Keys at the front desk"})
    first = _pull(client, t["technician"], answer["cursor"], limit=3)
    assert first["has_more"] is True and len(first["jobs"]) == 3
    rest = _pull(client, t["technician"], first["cursor"], limit=3)
    assert rest["has_more"] is False
    assert sorted(_ids(first) + _ids(rest)) == sorted(jobs)
    assert {j["site"]["access_notes"] for j in first["jobs"] + rest["jobs"]} == {
        "Keys at the front desk"
    }


def test_the_document_holds_what_the_technician_needs_on_site(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)
    job_id = job["id"]
    tech = work.technician(client, t)
    _owner(client, t, "POST", f"/jobs/{job_id}/checklist", {"label": "Check the pressure"})
    _owner(client, t, "POST", f"/jobs/{job_id}/transitions", {"to": "dispatched"})
    earlier = work.job(
        client,
        t,
        customer_id=job["customer_id"],
        site_id=job["site_id"],
        title="Install the unit",
        scheduled_start=work.tomorrow(8).isoformat(),
        technician_ids=[tech["id"]],
    )
    _complete(client, t, earlier["id"])
    _note(app, t, earlier["id"], "Installed", None)
    _note(app, t, job_id, "Dog in the yard", t["technician"].user_id)
    photo = b"\xff\xd8\xff\xe0 a photo of the unit"
    upload = {"file": (io.BytesIO(photo), "unit.jpg", "image/jpeg")}
    r = call(client, "POST", f"{API}/jobs/{job_id}/attachments", t["owner"], data=upload)
    assert r.status_code == 201, r.json
    now = datetime.now(UTC)
    with _db(app, t) as db:
        attachment = db.get(Attachment, (t.tenant_id, uuid.UUID(r.json["id"])))
        assert attachment is not None
        attachment.kind = AttachmentKind.PHOTO
        attachment.caption = "Outdoor unit"
        db.add(
            PartUsage(
                id=uuid.uuid4(),
                job_id=uuid.UUID(job_id),
                recorded_by=t["technician"].user_id,
                name="Copper pipe",
                sku="CU-12",
                quantity_milli=1500,
            )
        )
        db.add(
            TimeEntry(
                id=uuid.uuid4(),
                job_id=uuid.UUID(job_id),
                technician_id=uuid.UUID(tech["id"]),
                kind=TimeKind.TRAVEL,
                started_at=now - timedelta(hours=1),
                ended_at=now - timedelta(minutes=30),
            )
        )

    answer = _pull(client, t["technician"])
    doc = next(j for j in answer["jobs"] if j["id"] == job_id)
    assert doc["number"] == job["number"] and doc["status"] == "dispatched"
    assert doc["timezone"] == "Asia/Almaty" and doc["allowed_transitions"]
    assert doc["technician_ids"] == [tech["id"]]
    assert set(doc["customer"]) == {"id", "name", "phone", "email"}
    assert doc["customer"]["phone"] == "+7 701 555 01 01"
    site = doc["site"]
    assert (
        site["address"] == "пр. Абая 150, кв. 12, Алматы" and site["access_notes"] == "Домофон 12"
    )
    assert (site["latitude"], site["longitude"]) == (43.2389, 76.8897)
    assert [i["label"] for i in doc["checklist"]] == ["Check the pressure"]
    assert [(n["text"], n["author_name"]) for n in doc["notes"]] == [
        ("Dog in the yard", "Technician")
    ]
    assert doc["notes"][0]["written_at"]
    [file] = doc["attachments"]
    assert file["kind"] == "photo" and file["caption"] == "Outdoor unit"
    assert file["filename"] == "unit.jpg" and file["content_type"] == "image/jpeg"
    assert file["size"] == len(photo) and file["signer_name"] is None
    download = call(client, "GET", file["url"], t["technician"])
    assert download.status_code == 200 and download.data == photo
    assert [(p["name"], p["sku"], p["quantity"]) for p in doc["parts"]] == [
        ("Copper pipe", "CU-12", 1.5)
    ]
    assert [e["kind"] for e in doc["time_entries"]] == ["travel"]
    assert [(s["from_status"], s["to_status"]) for s in doc["status_history"]] == [
        (None, "scheduled"),
        ("scheduled", "dispatched"),
    ]
    assert doc["site_history"] == [
        {
            "job_id": earlier["id"],
            "number": earlier["number"],
            "title": "Install the unit",
            "completed_at": doc["site_history"][0]["completed_at"],
            "notes_count": 1,
        }
    ]
    assert doc["site_history"][0]["completed_at"]
    # The earlier job is closed within the week: on the phone too, without itself in history.
    done = next(j for j in answer["jobs"] if j["id"] == earlier["id"])
    assert done["status"] == "completed" and done["site_history"] == []


def test_pull_statements_do_not_grow_with_the_number_of_jobs(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    tech = work.technician(client, t)["id"]
    where = work.site(client, t)
    body = {
        "customer_id": where["customer_id"],
        "site_id": where["id"],
        "title": "Service",
        "technician_ids": [tech],
        "scheduled_start": work.tomorrow().isoformat(),
        "checklist": ["Filter", "Pressure"],
    }
    address = _stored_file(app, t)

    def add_jobs(count: int) -> None:
        ids = [work.made(client, t, "/jobs", body)["id"] for _ in range(count)]
        now = datetime.now(UTC)
        with _db(app, t) as db:
            for job_id in map(uuid.UUID, ids):
                db.add(
                    JobNote(
                        id=uuid.uuid4(),
                        job_id=job_id,
                        author_id=t["technician"].user_id,
                        text="Note",
                        written_at=now,
                        source=Source.APP,
                    )
                )
                db.add(
                    PartUsage(id=uuid.uuid4(), job_id=job_id, name="Filter", quantity_milli=1000)
                )
                db.add(
                    TimeEntry(
                        id=uuid.uuid4(),
                        job_id=job_id,
                        technician_id=uuid.UUID(tech),
                        kind=TimeKind.WORK,
                        started_at=now - timedelta(hours=1),
                        ended_at=now,
                    )
                )
                db.add(
                    Attachment(
                        id=uuid.uuid4(),
                        job_id=job_id,
                        blob=address,
                        filename="photo.jpg",
                        content_type="image/jpeg",
                        size=4,
                        kind=AttachmentKind.PHOTO,
                    )
                )

    earlier = work.made(client, t, "/jobs", body)["id"]
    _complete(client, t, earlier)
    add_jobs(4)
    _pull(client, t["technician"])  # warm the caches (policy, keys)
    with count_queries(app) as small:
        answer = _pull(client, t["technician"])
    assert len(answer["jobs"]) == 5
    add_jobs(45)
    with count_queries(app) as large:
        answer = _pull(client, t["technician"])
    assert len(answer["jobs"]) == 50
    assert all(
        len(j["notes"]) == 1 and j["attachments"] for j in answer["jobs"] if j["id"] != earlier
    )
    assert len(large) == len(small), (small, large)
    assert len(large) <= 20, large


def _stored_file(app: Flask, t: TenantWorld) -> str:
    with app.app_context(), context.tenant_scope(t.tenant_id):
        return files.put(t.tenant_id, b"\xff\xd8\xff\xe0")


def test_last_mutation_id_is_the_clients_own_only(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    with _db(app, t) as db:
        for client_id, person, last in ((mine, "technician", 42), (theirs, "dispatcher", 7)):
            db.add(
                SyncClient(
                    id=client_id,
                    client_group_id=uuid.uuid4(),
                    user_id=t[person].user_id,
                    last_mutation_id=last,
                )
            )
    assert _pull(client, t["technician"], client_id=str(mine))["last_mutation_id"] == 42
    assert _pull(client, t["technician"], client_id=str(uuid.uuid4()))["last_mutation_id"] == 0
    r = call(client, "GET", PULL, t["technician"], query_string={"client_id": str(theirs)})
    assert r.status_code == 404 and r.json["code"] == 404
    # Another company's client is unknown here, like any other id.
    r = call(client, "GET", PULL, world.b["technician"], query_string={"client_id": str(mine)})
    assert r.status_code == 200 and r.json["last_mutation_id"] == 0
    bad = call(client, "GET", PULL, t["technician"], query_string={"client_id": "nope"})
    assert bad.status_code == 422 and "client_id" in bad.json["errors"]["query"]


def test_open_conflicts_always_and_resolved_ones_once(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)
    with _db(app, t) as db:
        conflict = SyncConflict(
            id=uuid.uuid4(),
            job_id=uuid.UUID(job["id"]),
            branch_id=t.main,
            user_id=t["technician"].user_id,
            kind="job_cancelled",
            office_status="cancelled",
            mutations=[{"name": "job.complete", "args": {"job_id": job["id"]}, "client_ts": "x"}],
        )
        db.add(conflict)
        conflict_id = conflict.id
    first = _pull(client, t["technician"])
    [shown] = first["conflicts"]
    assert shown["id"] == str(conflict_id) and shown["status"] == "open"
    assert shown["job_number"] == job["number"] and shown["mutations"][0]["name"] == "job.complete"
    assert _pull(client, t["branch_admin"])["conflicts"] == []  # another user's phone

    again = _pull(client, t["technician"], first["cursor"])
    assert [c["id"] for c in again["conflicts"]] == [str(conflict_id)]  # still open: still there
    with _db(app, t) as db:
        found = db.get(SyncConflict, (t.tenant_id, conflict_id))
        assert found is not None
        found.status = ConflictStatus.RESOLVED
        found.kept = "office"
        found.resolved_at = datetime.now(UTC)
    resolved = _pull(client, t["technician"], again["cursor"])
    assert [(c["status"], c["kept"]) for c in resolved["conflicts"]] == [("resolved", "office")]
    assert _pull(client, t["technician"], resolved["cursor"])["conflicts"] == []


def test_closed_jobs_leave_the_phone_after_a_week(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)["id"]
    _complete(client, t, job)
    answer = _pull(client, t["technician"])
    assert _ids(answer) == [job]  # closed today: still on the phone

    week_later = datetime.now(UTC) + timedelta(days=8)
    monkeypatch.setattr(pull_service, "utcnow", lambda: week_later)
    aged = _pull(client, t["technician"], answer["cursor"])
    assert aged["removed_job_ids"] == [job] and aged["jobs"] == []
    assert _pull(client, t["technician"], aged["cursor"])["removed_job_ids"] == []
    assert _pull(client, t["technician"])["jobs"] == []


def test_a_user_without_a_technician_profile_gets_an_empty_snapshot(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    work.scheduled_job(client, t)
    answer = _pull(client, t["owner"])
    assert answer["reset"] is True and answer["jobs"] == [] and answer["has_more"] is False
    # ... every time: whatever a phone of theirs held goes.
    assert _pull(client, t["owner"], answer["cursor"])["reset"] is True


def test_pull_needs_job_work_and_checks_its_arguments(client: FlaskClient, world: World) -> None:
    t = world.a
    assert call(client, "GET", PULL, t["dispatcher"]).status_code == 403
    assert call(client, "GET", PULL, t["viewer"]).status_code == 403
    assert call(client, "GET", PULL).status_code == 401
    for limit in ("0", "501", "many"):
        r = call(client, "GET", PULL, t["technician"], query_string={"limit": limit})
        assert r.status_code == 422 and "limit" in r.json["errors"]["query"], r.json


def test_the_statement_order_reads_the_counter_first(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    work.scheduled_job(client, t)
    with count_queries(app) as statements:
        _pull(client, t["technician"])
    counter = next(i for i, s in enumerate(statements) if "sync_seq" in s and "tenants" in s)
    jobs = next(i for i, s in enumerate(statements) if "sync_version" in s and "FROM jobs" in s)
    assert counter < jobs
