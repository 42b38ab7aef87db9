"""Push: every mutation once, replays change nothing, one bad mutation never blocks the
rest, other people's and other companies' jobs stay hidden, conflicts wait for a person."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dala.db import pending_on_commit
from dala.events.domain import JobStatusChanged, checkpoint, publish
from dala.sync.models import SyncClient, SyncConflict, SyncMutation
from dala.tenancy.models import Tenant
from dala.work.field_models import JobNote, PartUsage, TimeEntry
from dala.work.job_models import Attachment, Job
from tests.support import work
from tests.support.world import TenantWorld, World, call
from tests.sync.push_support import (
    API,
    Phone,
    dispatched_job,
    get,
    move,
    tenant_db,
    uploaded,
)

# A PNG's first bytes are enough: the server checks the declared type, not the pixels.
PNG = b"\x89PNG\r\n\x1a\n signature strokes"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _statuses(answer: dict[str, Any]) -> list[str]:
    return [r["status"] for r in answer["results"]]


def _counts(app: Flask, t: TenantWorld, job_id: str) -> dict[str, int]:
    """How many of each field record the job holds, and the company's change version."""
    job = uuid.UUID(job_id)
    with tenant_db(app, t) as db:
        counts = {
            model.__name__: db.scalar(
                select(func.count()).select_from(model).where(model.job_id == job)
            )
            or 0
            for model in (JobNote, TimeEntry, PartUsage, Attachment)
        }
        counts["sync_seq"] = db.scalar(select(Tenant.sync_seq).where(Tenant.id == t.tenant_id))
        return counts


def _whole_job(
    client: FlaskClient, app: Flask, t: TenantWorld, job: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """Every mutation of the contract, in the order a technician does a job."""
    items = get(client, t, f"/jobs/{job['id']}/checklist")["items"]
    photo = uploaded(app, t, b"jpeg bytes of the broken unit " + uuid.uuid4().bytes)
    signature = uploaded(app, t, PNG + uuid.uuid4().bytes, "image/png")
    start = datetime.now(UTC) - timedelta(minutes=50)
    j = job["id"]
    return [
        ("job.en_route", {"job_id": j}),
        ("job.arrive", {"job_id": j}),
        ("checklist.set", {"job_id": j, "item_id": items[0]["id"], "done": True}),
        ("note.add", {"id": str(uuid.uuid4()), "job_id": j, "text": "Код домофона 4411"}),
        (
            "photo.attach",
            {"id": str(uuid.uuid4()), "job_id": j, "sha256": photo, "caption": "Before"},
        ),
        (
            "time.log",
            {
                "id": str(uuid.uuid4()),
                "job_id": j,
                "kind": "work",
                "started_at": _iso(start),
                "ended_at": _iso(start + timedelta(minutes=40)),
            },
        ),
        (
            "part.use",
            {"id": str(uuid.uuid4()), "job_id": j, "name": "Filter", "sku": "F-1", "quantity": 1.5},
        ),
        (
            "signature.attach",
            {"id": str(uuid.uuid4()), "job_id": j, "sha256": signature, "signer_name": "Асель"},
        ),
        ("job.complete", {"job_id": j}),
    ]


def test_every_mutation_of_a_whole_job_is_applied_as_the_technician(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    phone = Phone(client, t["technician"])
    sent = phone.batch(*_whole_job(client, app, t, job))
    answer = phone.push(sent)
    assert _statuses(answer) == ["applied"] * len(sent), answer
    assert answer["last_mutation_id"] == sent[-1]["id"]

    after = get(client, t, f"/jobs/{job['id']}")
    assert after["status"] == "completed" and after["completed_at"]
    history = get(client, t, f"/jobs/{job['id']}/transitions?page_size=100")["items"]
    field_steps = [h for h in history if h["to_status"] in ("en_route", "on_site", "completed")]
    assert [h["to_status"] for h in field_steps] == ["en_route", "on_site", "completed"]
    assert {(h["source"], h["user_id"]) for h in field_steps} == {
        ("app", str(t["technician"].user_id))
    }
    checklist = get(client, t, f"/jobs/{job['id']}/checklist")["items"]
    assert checklist[0]["done"] and checklist[0]["done_by"] == str(t["technician"].user_id)
    assert not checklist[1]["done"]

    args = {m["name"]: m["args"] for m in sent}
    with tenant_db(app, t) as db:
        note = db.get(JobNote, (t.tenant_id, uuid.UUID(args["note.add"]["id"])))
        assert note is not None and note.text == "Код домофона 4411" and note.source == "app"
        assert note.author_id == t["technician"].user_id
        part = db.get(PartUsage, (t.tenant_id, uuid.UUID(args["part.use"]["id"])))
        assert part is not None and part.quantity_milli == 1500 and part.sku == "F-1"
        entry = db.get(TimeEntry, (t.tenant_id, uuid.UUID(args["time.log"]["id"])))
        assert entry is not None and entry.kind == "work"
        assert entry.started_at == _at(args["time.log"]["started_at"])
        photo = db.get(Attachment, (t.tenant_id, uuid.UUID(args["photo.attach"]["id"])))
        assert photo is not None and photo.kind == "photo" and photo.caption == "Before"
        signature = db.get(Attachment, (t.tenant_id, uuid.UUID(args["signature.attach"]["id"])))
        assert signature is not None and signature.kind == "signature"
        assert signature.signer_name == "Асель" and signature.content_type == "image/png"
    files = get(client, t, f"/jobs/{job['id']}/attachments")["items"]
    r = call(client, "GET", f"{API}/jobs/{job['id']}/attachments/{photo.id}", t["technician"])
    assert len(files) == 2 and r.status_code == 200 and r.data.startswith(b"jpeg bytes")


def test_the_phone_clock_is_used_for_status_times_but_never_in_the_future_or_before_the_last(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    dispatched_at = _at(get(client, t, f"/jobs/{job['id']}")["status_changed_at"])
    time.sleep(0.05)
    real = dispatched_at + timedelta(milliseconds=20)  # after dispatch, before the push
    phone = Phone(client, t["technician"])
    answer = phone.push(
        phone.batch(
            ("job.en_route", {"job_id": job["id"]}, _iso(real)),
            ("job.arrive", {"job_id": job["id"]}, _iso(dispatched_at - timedelta(days=1))),
            ("job.complete", {"job_id": job["id"]}, _iso(datetime.now(UTC) + timedelta(days=3))),
        )
    )
    assert _statuses(answer) == ["applied"] * 3
    history = get(client, t, f"/jobs/{job['id']}/transitions?page_size=100")["items"]
    at = {h["to_status"]: _at(h["at"]) for h in history}
    assert at["en_route"] == real  # the technician's own time
    assert at["on_site"] == real  # a phone clock behind: not before the last change
    assert real <= at["completed"] <= datetime.now(UTC)  # ahead: the server's time


def test_the_same_batch_twice_changes_nothing_and_answers_the_same(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    phone = Phone(client, t["technician"])
    sent = phone.batch(*_whole_job(client, app, t, job))
    first = phone.push(sent)
    before = _counts(app, t, job["id"])
    job_before = get(client, t, f"/jobs/{job['id']}")
    again = phone.push(sent)
    assert again["last_mutation_id"] == first["last_mutation_id"]
    assert again["results"] == [r | {"replayed": True} for r in first["results"]]
    assert _counts(app, t, job["id"]) == before  # not even a change version moved
    assert get(client, t, f"/jobs/{job['id']}") == job_before


def test_a_batch_mixing_taken_and_new_mutations_applies_only_the_new(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    phone = Phone(client, t["technician"])
    first = phone.batch(("job.en_route", {"job_id": job["id"]}))
    phone.push(first)
    second = phone.batch(("job.arrive", {"job_id": job["id"]}))
    answer = phone.push(first + second)  # the first answer was lost: the phone sends both
    assert answer["results"] == [
        {"id": first[0]["id"], "status": "applied", "replayed": True},
        {"id": second[0]["id"], "status": "applied"},
    ]
    assert get(client, t, f"/jobs/{job['id']}")["status"] == "on_site"


def test_one_illegal_mutation_in_the_middle_is_rejected_alone(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    note_id = str(uuid.uuid4())
    phone = Phone(client, t["technician"])
    sent = phone.batch(
        ("job.en_route", {"job_id": job["id"]}),
        ("job.complete", {"job_id": job["id"]}),  # not from en_route
        ("job.arrive", {"job_id": job["id"]}),
        ("note.add", {"id": note_id, "job_id": job["id"], "text": "Done the hard way"}),
    )
    answer = phone.push(sent)
    assert _statuses(answer) == ["applied", "rejected", "applied", "applied"]
    refused = answer["results"][1]
    assert refused["code"] == "illegal_transition"
    assert "on_site" in refused["message"] and "completed" in refused["message"]
    assert answer["last_mutation_id"] == sent[-1]["id"]
    assert get(client, t, f"/jobs/{job['id']}")["status"] == "on_site"
    assert _counts(app, t, job["id"])["JobNote"] == 1
    history = get(client, t, f"/jobs/{job['id']}/transitions?page_size=100")["items"]
    assert "completed" not in [h["to_status"] for h in history]
    # Sent again, the rejection is answered as it was: the app lists it once.
    assert phone.push(sent)["results"][1] == refused | {"replayed": True}


def test_bad_arguments_are_rejected_alone_with_a_clear_message(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    j = job["id"]
    start = datetime.now(UTC) - timedelta(hours=1)
    phone = Phone(client, t["technician"])
    sent = phone.batch(
        ("job.dance", {"job_id": j}),
        ("note.add", {"id": str(uuid.uuid4()), "job_id": j, "text": "   "}),
        ("note.add", {"id": str(uuid.uuid4()), "job_id": j, "text": "half an emoji \ud83d"}),
        ("note.add", {"id": "not-a-uuid", "job_id": j, "text": "x"}),
        ("job.hold", {"job_id": j}),
        (
            "time.log",
            {
                "id": str(uuid.uuid4()),
                "job_id": j,
                "kind": "work",
                "started_at": _iso(start),
                "ended_at": _iso(start - timedelta(minutes=5)),
            },
        ),
        ("part.use", {"id": str(uuid.uuid4()), "job_id": j, "name": "Pipe", "quantity": 0}),
        ("part.use", {"id": str(uuid.uuid4()), "job_id": j, "name": "Pipe", "quantity": 0.0001}),
        ("photo.attach", {"id": str(uuid.uuid4()), "job_id": j, "sha256": "ABC"}),
        ("note.add", {"id": str(uuid.uuid4()), "job_id": j, "text": "ok"}, "yesterday-ish"),
        ("note.add", {"id": str(uuid.uuid4()), "job_id": j, "text": "x" * 5001}),
        ("note.add", {"id": str(uuid.uuid4()), "job_id": j, "text": "x", "a\x00b": 1}),
        ("job.en_route", {"job_id": j}),
    )
    answer = phone.push(sent)
    results = answer["results"]
    assert _statuses(answer) == ["rejected"] * (len(sent) - 1) + ["applied"]
    assert results[0]["code"] == "unknown_mutation" and "job.dance" in results[0]["message"]
    assert {r["code"] for r in results[1:-1]} == {"validation"}
    named = ["text", "text", "id", "reason", "ended_at", "quantity", "quantity", "sha256"]
    for result, field in zip(results[1:9], named, strict=True):
        assert field in result["message"], (field, result)
    assert "client_ts" in results[9]["message"] and "text" in results[10]["message"]
    assert "args" in results[11]["message"] and "\x00" not in results[11]["message"]
    assert _counts(app, t, j)["JobNote"] == 0 and _counts(app, t, j)["PartUsage"] == 0
    assert get(client, t, f"/jobs/{j}")["status"] == "en_route"


def test_a_record_sent_again_under_its_id_is_stored_once_and_another_under_it_refused(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    note = {"id": str(uuid.uuid4()), "job_id": job["id"], "text": "Gate code 4411"}
    part = {"id": str(uuid.uuid4()), "job_id": job["id"], "name": "Valve", "quantity": 2}
    phone = Phone(client, t["technician"])
    answer = phone.push(
        phone.batch(
            ("note.add", note),
            ("part.use", part),
            ("note.add", note),  # the app queued it twice
            ("note.add", note | {"text": "Gate code 5522"}),
            ("part.use", part | {"quantity": 3}),
        )
    )
    assert _statuses(answer) == ["applied", "applied", "applied", "rejected", "rejected"]
    assert {r["code"] for r in answer["results"][3:]} == {"duplicate_id"}
    counts = _counts(app, t, job["id"])
    assert counts["JobNote"] == 1 and counts["PartUsage"] == 1
    with tenant_db(app, t) as db:
        stored = db.get(JobNote, (t.tenant_id, uuid.UUID(note["id"])))
        assert stored is not None and stored.text == "Gate code 4411"


def test_a_photo_whose_blob_is_not_uploaded_is_rejected_until_it_is(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    data = b"jpeg of the meter " + uuid.uuid4().bytes
    sha256 = hashlib.sha256(data).hexdigest()
    args = {"id": str(uuid.uuid4()), "job_id": job["id"], "sha256": sha256}
    phone = Phone(client, t["technician"])
    answer = phone.push(phone.batch(("photo.attach", args)))
    assert answer["results"][0]["code"] == "blob_missing"
    assert _counts(app, t, job["id"])["Attachment"] == 0
    uploaded(app, t, data)
    signature_of_jpeg = {"id": str(uuid.uuid4()), "job_id": job["id"], "signer_name": "Ерлан"}
    answer = phone.push(
        phone.batch(
            ("photo.attach", args),
            ("signature.attach", signature_of_jpeg | {"sha256": args["sha256"]}),
        )
    )
    assert _statuses(answer) == ["applied", "rejected"]
    assert "PNG" in answer["results"][1]["message"]
    assert _counts(app, t, job["id"])["Attachment"] == 1


def test_a_photo_uploaded_through_the_blob_endpoint_is_attached_from_its_stored_file(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    photo = b"\xff\xd8\xff\xe0" + uuid.uuid4().bytes * 64
    sha256 = hashlib.sha256(photo).hexdigest()
    r = call(
        client,
        "PUT",
        f"{API}/sync/blobs/{sha256}",
        t["technician"],
        data=photo,
        content_type="image/jpeg",
    )
    assert r.status_code == 201, r.json
    phone = Phone(client, t["technician"])
    args = {"id": str(uuid.uuid4()), "job_id": job["id"], "sha256": sha256, "caption": "Meter"}
    assert _statuses(phone.push(phone.batch(("photo.attach", args)))) == ["applied"]
    url = f"{API}/jobs/{job['id']}/attachments/{args['id']}"
    download = call(client, "GET", url, t["dispatcher"])
    assert download.status_code == 200 and download.data == photo


def test_ids_not_above_the_last_taken_are_never_applied(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    phone = Phone(client, t["technician"])
    phone.counter = 9
    phone.push(phone.batch(("job.en_route", {"job_id": job["id"]})))  # id 10
    late = {"id": 4, "name": "job.arrive", "args": {"job_id": job["id"]}, "client_ts": "x"}
    answer = phone.push([late])
    assert answer["results"] == [
        {
            "id": 4,
            "status": "rejected",
            "code": "out_of_order",
            "message": answer["results"][0]["message"],
        }
    ]
    assert answer["last_mutation_id"] == 10
    assert get(client, t, f"/jobs/{job['id']}")["status"] == "en_route"


def test_the_client_belongs_to_whoever_pushed_first(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    mine = Phone(client, t["technician"])
    mine.push(mine.batch(("job.en_route", {"job_id": job["id"]})))
    theirs = Phone(client, t["branch_admin"])  # also holds job:work
    theirs.client_id, theirs.group_id = mine.client_id, mine.group_id
    theirs.counter = 5
    r = theirs.push(theirs.batch(("job.arrive", {"job_id": job["id"]})), status=404)
    assert r["code"] == 404
    intruder = Phone(client, world.b["technician"])  # another company: the id means nothing
    intruder.client_id = mine.client_id
    intruder.push([])
    mine.group_id = str(uuid.uuid4())
    mine.push([], status=422)
    assert get(client, t, f"/jobs/{job['id']}")["status"] == "en_route"


def test_jobs_of_another_company_or_another_technician_are_not_found_and_never_leak(
    app: Flask, client: FlaskClient, world: World
) -> None:
    a_job = dispatched_job(client, world.a)
    work.technician(client, world.b)
    intruder = Phone(client, world.b["technician"])
    unassigned = work.scheduled_job(client, world.a, technician_role=None)
    nobody = str(uuid.uuid4())
    own = Phone(client, world.a["technician"])
    answers = [
        intruder.push(intruder.batch(("job.en_route", {"job_id": a_job["id"]}))),
        intruder.push(
            intruder.batch(
                ("note.add", {"id": str(uuid.uuid4()), "job_id": a_job["id"], "text": "hi"})
            )
        ),
        own.push(own.batch(("job.en_route", {"job_id": unassigned["id"]}))),
        own.push(own.batch(("job.en_route", {"job_id": nobody}))),
    ]
    results = [a["results"][0] for a in answers]
    assert {(r["status"], r["code"], r["message"]) for r in results} == {
        ("rejected", "not_found", "Job not found.")
    }
    assert get(client, world.a, f"/jobs/{a_job['id']}")["status"] == "dispatched"
    assert _counts(app, world.a, a_job["id"])["JobNote"] == 0


def test_what_the_whole_batch_cannot_carry_is_refused_and_nothing_stored(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    phone = Phone(client, t["technician"])
    one = phone.batch(("job.en_route", {"job_id": job["id"]}))
    r = phone.push(one, status=409, schema_version=2)
    assert r["errors"]["supported"] == [1]
    many = [dict(one[0], id=i + 1) for i in range(201)]
    assert "200" in phone.push(many, status=413)["message"]
    backwards = phone.batch(("job.arrive", {"job_id": job["id"]})) + one
    assert "mutations" in phone.push(backwards, status=422)["errors"]["json"]
    dispatcher = Phone(client, t["dispatcher"])  # no job:work
    assert dispatcher.push(one, status=403)["code"] == 403
    with tenant_db(app, t) as db:
        ids = [uuid.UUID(phone.client_id), uuid.UUID(dispatcher.client_id)]
        assert db.scalar(select(func.count()).where(SyncClient.id.in_(ids))) == 0
    assert get(client, t, f"/jobs/{job['id']}")["status"] == "dispatched"


def test_office_edits_do_not_stop_what_the_technician_owns(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    r = call(client, "PATCH", f"{API}/jobs/{job['id']}", t["owner"], json={"priority": "high"})
    assert r.status_code == 200
    items = get(client, t, f"/jobs/{job['id']}/checklist")["items"]
    phone = Phone(client, t["technician"])
    answer = phone.push(
        phone.batch(
            ("job.en_route", {"job_id": job["id"]}),
            ("checklist.set", {"job_id": job["id"], "item_id": items[1]["id"], "done": True}),
            ("note.add", {"id": str(uuid.uuid4()), "job_id": job["id"], "text": "Dog in yard"}),
        )
    )
    assert _statuses(answer) == ["applied"] * 3
    assert get(client, t, f"/jobs/{job['id']}")["priority"] == "high"


def test_a_technicians_own_hold_is_no_conflict(client: FlaskClient, world: World) -> None:
    t = world.a
    job = dispatched_job(client, t)
    phone = Phone(client, t["technician"])
    answer = phone.push(
        phone.batch(
            ("job.en_route", {"job_id": job["id"]}),
            ("job.hold", {"job_id": job["id"], "reason": "No parts"}),
            ("note.add", {"id": str(uuid.uuid4()), "job_id": job["id"], "text": "Order F-1"}),
            ("job.arrive", {"job_id": job["id"]}),
        )
    )
    assert _statuses(answer) == ["applied", "applied", "applied", "rejected"]
    assert answer["results"][3]["code"] == "illegal_transition"


def _reassign(client: FlaskClient, t: TenantWorld, job_id: str, technician_id: str) -> None:
    body = {"technician_ids": [technician_id]}
    r = call(client, "PATCH", f"{API}/jobs/{job_id}", t["dispatcher"], json=body)
    assert r.status_code == 200, r.json


def _conflict(client: FlaskClient, t: TenantWorld, conflict_id: str, role: str) -> Any:
    return call(client, "GET", f"{API}/sync/conflicts/{conflict_id}", t[role])


def _resolve(
    client: FlaskClient, t: TenantWorld, conflict_id: str, keep: str, role: str = "dispatcher"
) -> Any:
    body = {"keep": keep, "note": f"Kept the {keep}'s side"}
    return call(client, "POST", f"{API}/sync/conflicts/{conflict_id}/resolve", t[role], json=body)


def test_a_job_cancelled_while_completed_offline_waits_for_a_person_then_the_technician_wins(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    move(client, t, job["id"], "cancelled", role="dispatcher")
    version = get(client, t, f"/jobs/{job['id']}")["version"]
    phone = Phone(client, t["technician"])
    # Worked after the job was made, before it reached the server (ms apart: a test's job
    # is young; the server keeps the technician's times within the job's life).
    worked = _at(job["created_at"]) + timedelta(milliseconds=10)
    time.sleep(0.1)
    note_id = str(uuid.uuid4())
    sent = phone.batch(
        ("job.en_route", {"job_id": job["id"]}, _iso(worked)),
        ("job.arrive", {"job_id": job["id"]}, _iso(worked + timedelta(milliseconds=10))),
        ("note.add", {"id": note_id, "job_id": job["id"], "text": "Fixed"}),
        ("job.complete", {"job_id": job["id"]}, _iso(worked + timedelta(milliseconds=25))),
    )
    answer = phone.push(sent)
    assert _statuses(answer) == ["conflict"] * 4
    conflict_ids = {r["conflict_id"] for r in answer["results"]}
    assert len(conflict_ids) == 1  # one decision for the work that met the same change
    conflict_id = conflict_ids.pop()
    after = get(client, t, f"/jobs/{job['id']}")
    assert after["status"] == "cancelled" and after["conflicts_open"] == 1
    assert _counts(app, t, job["id"])["JobNote"] == 0
    assert phone.push(sent)["results"] == [r | {"replayed": True} for r in answer["results"]]

    # The dispatcher and the technician both see it; a viewer does not.
    listed = get(client, t, f"/sync/conflicts?status=open&job_id={job['id']}", "dispatcher")
    assert [c["id"] for c in listed["items"]] == [conflict_id]
    own = get(client, t, f"/sync/conflicts/{conflict_id}", "technician")
    assert own["kind"] == "job_cancelled" and own["office_status"] == "cancelled"
    assert [m["name"] for m in own["mutations"]] == [m["name"] for m in sent]
    assert own["mutations"][2]["args"]["text"] == "Fixed"
    assert _conflict(client, t, conflict_id, "viewer").status_code == 403
    assert _resolve(client, t, conflict_id, "technician", role="technician").status_code == 403

    r = _resolve(client, t, conflict_id, "technician")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "resolved" and r.json["kept"] == "technician"
    assert r.json["resolved_by"] == str(t["dispatcher"].user_id) and r.json["resolved_at"]
    assert r.json["note"] == "Kept the technician's side"
    after = get(client, t, f"/jobs/{job['id']}")
    assert after["status"] == "completed" and after["conflicts_open"] == 0
    assert after["version"] > version
    assert _at(after["completed_at"]) == worked + timedelta(milliseconds=25)
    history = get(client, t, f"/jobs/{job['id']}/transitions?page_size=100")["items"]
    moves = [(h["from_status"], h["to_status"], h["source"], h["user_id"]) for h in history]
    dispatcher, technician = str(t["dispatcher"].user_id), str(t["technician"].user_id)
    for step in (
        ("cancelled", "draft", "system", dispatcher),
        ("draft", "scheduled", "system", dispatcher),
        ("scheduled", "dispatched", "system", dispatcher),
        ("dispatched", "en_route", "system", technician),
        ("en_route", "on_site", "system", technician),
        ("on_site", "completed", "system", technician),
    ):
        assert step in moves, (step, moves)
    assert _counts(app, t, job["id"])["JobNote"] == 1
    again = _resolve(client, t, conflict_id, "office")
    assert again.status_code == 409
    assert get(client, t, f"/sync/conflicts/{conflict_id}", "dispatcher")["kept"] == "technician"


def test_a_job_reassigned_while_offline_keeps_the_office_side_when_so_decided(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    other = work.technician(client, t, "dispatcher")
    _reassign(client, t, job["id"], other["id"])
    phone = Phone(client, t["technician"])
    answer = phone.push(
        phone.batch(
            ("job.en_route", {"job_id": job["id"]}),
            ("note.add", {"id": str(uuid.uuid4()), "job_id": job["id"], "text": "On my way"}),
        )
    )
    assert _statuses(answer) == ["conflict", "conflict"]
    conflict_id = answer["results"][0]["conflict_id"]
    seen = get(client, t, f"/sync/conflicts/{conflict_id}", "technician")
    assert seen["kind"] == "reassigned" and seen["user_id"] == str(t["technician"].user_id)
    assert get(client, t, f"/jobs/{job['id']}")["status"] == "dispatched"

    r = _resolve(client, t, conflict_id, "office")
    assert r.status_code == 200, r.json
    assert (r.json["kept"], r.json["resolved_by"]) == ("office", str(t["dispatcher"].user_id))
    assert len(r.json["mutations"]) == 2  # the technician's work stays on record
    after = get(client, t, f"/jobs/{job['id']}")
    assert after["status"] == "dispatched" and after["technician_ids"] == [other["id"]]
    assert _counts(app, t, job["id"])["JobNote"] == 0
    assert _resolve(client, t, conflict_id, "technician").status_code == 409


def test_keeping_the_technicians_side_of_a_reassigned_job_puts_them_back(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    mine = work.technician(client, t)
    other = work.technician(client, t, "dispatcher")
    _reassign(client, t, job["id"], other["id"])
    phone = Phone(client, t["technician"])
    answer = phone.push(
        phone.batch(("job.en_route", {"job_id": job["id"]}), ("job.arrive", {"job_id": job["id"]}))
    )
    conflict_id = answer["results"][0]["conflict_id"]
    assert _resolve(client, t, conflict_id, "technician").status_code == 200
    after = get(client, t, f"/jobs/{job['id']}")
    assert after["status"] == "on_site" and mine["id"] in after["technician_ids"]
    # The job is theirs again: what the phone sends next applies.
    later = phone.push(phone.batch(("job.complete", {"job_id": job["id"]})))
    assert _statuses(later) == ["applied"]


def test_the_technicians_side_cannot_be_kept_when_the_job_cannot_take_it(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    other = work.technician(client, t, "dispatcher")
    _reassign(client, t, job["id"], other["id"])
    phone = Phone(client, t["technician"])
    answer = phone.push(phone.batch(("job.en_route", {"job_id": job["id"]})))
    conflict_id = answer["results"][0]["conflict_id"]
    for to in ("en_route", "on_site", "completed"):
        move(client, t, job["id"], to)  # the other technician did the job
    before = get(client, t, f"/jobs/{job['id']}")
    r = _resolve(client, t, conflict_id, "technician")
    assert r.status_code == 409 and "completed" in r.json["message"]
    assert get(client, t, f"/jobs/{job['id']}") == before
    assert get(client, t, f"/sync/conflicts/{conflict_id}", "dispatcher")["status"] == "open"
    assert _resolve(client, t, conflict_id, "office").status_code == 200


def test_a_job_held_by_the_office_makes_field_records_a_conflict(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    move(client, t, job["id"], "on_hold", role="dispatcher")
    phone = Phone(client, t["technician"])
    answer = phone.push(
        phone.batch(
            ("part.use", {"id": str(uuid.uuid4()), "job_id": job["id"], "name": "F", "quantity": 1})
        )
    )
    conflict_id = answer["results"][0]["conflict_id"]
    assert _statuses(answer) == ["conflict"]
    assert get(client, t, f"/sync/conflicts/{conflict_id}", "technician")["kind"] == "job_on_hold"
    assert _resolve(client, t, conflict_id, "technician").status_code == 200
    assert _counts(app, t, job["id"])["PartUsage"] == 1
    assert get(client, t, f"/jobs/{job['id']}")["status"] == "on_hold"  # records need no move


def test_conflicts_are_seen_by_their_branch_and_their_technician_only(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    # The branch admin works jobs too (job:work): this conflict is theirs, not the technician's.
    theirs = work.technician(client, t, "branch_admin")
    job = work.job(
        client,
        t,
        scheduled_start=work.tomorrow().isoformat(),
        technician_ids=[theirs["id"]],
    )
    move(client, t, job["id"], "dispatched")
    move(client, t, job["id"], "cancelled")
    phone = Phone(client, t["branch_admin"])
    answer = phone.push(phone.batch(("job.en_route", {"job_id": job["id"]})))
    conflict_id = answer["results"][0]["conflict_id"]

    dispatcher = get(client, t, "/sync/conflicts", "dispatcher")["items"]
    assert conflict_id in [c["id"] for c in dispatcher]
    assert get(client, t, f"/sync/conflicts?branch_id={t.other}", "dispatcher")["total"] == 0
    technician = get(client, t, "/sync/conflicts?page_size=100", "technician")["items"]
    assert conflict_id not in [c["id"] for c in technician]
    assert _conflict(client, t, conflict_id, "technician").status_code == 404
    # Another company sees nothing of it, by id, in lists, or by resolving it.
    intruder = world.b["owner"]
    assert call(client, "GET", f"{API}/sync/conflicts/{conflict_id}", intruder).status_code == 404
    r = call(
        client,
        "POST",
        f"{API}/sync/conflicts/{conflict_id}/resolve",
        intruder,
        json={"keep": "office"},
    )
    assert r.status_code == 404
    listed = call(client, "GET", f"{API}/sync/conflicts?job_id={job['id']}", intruder).json
    assert listed["total"] == 0
    assert get(client, t, f"/sync/conflicts/{conflict_id}", "dispatcher")["status"] == "open"


def test_a_push_moves_the_jobs_sync_version_and_a_replay_does_not(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)

    def version() -> int:
        with tenant_db(app, t) as db:
            found = db.scalar(select(Job.sync_version).where(Job.id == uuid.UUID(job["id"])))
            return int(found or 0)

    before = version()
    phone = Phone(client, t["technician"])
    sent = phone.batch(
        ("note.add", {"id": str(uuid.uuid4()), "job_id": job["id"], "text": "Note only"})
    )
    phone.push(sent)
    moved = version()
    assert moved > before
    phone.push(sent)
    assert version() == moved
    move(client, t, job["id"], "cancelled")
    cancelled = version()
    answer = phone.push(phone.batch(("job.en_route", {"job_id": job["id"]})))
    assert _statuses(answer) == ["conflict"]
    assert version() > cancelled  # pull sends the conflict with the job


def test_events_of_an_undone_savepoint_are_never_delivered(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    with tenant_db(app, t) as db:
        evt = dict(
            tenant_id=t.tenant_id,
            branch_id=t.main,
            job_id=uuid.UUID(job["id"]),
            number=job["number"],
            at=datetime.now(UTC),
            user_id=None,
            source="app",
        )
        publish(db, JobStatusChanged(**evt, to_status="en_route"))
        undo = checkpoint(db)
        publish(db, JobStatusChanged(**evt, to_status="on_site"))
        undo()
        deliveries = pending_on_commit(db)
        kept = [e.to_status for d in deliveries for e in getattr(d, "events", [])]
        assert kept == ["en_route"]
        db.rollback()


def test_the_dispatchers_job_list_counts_open_conflicts(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    calm = dispatched_job(client, t)
    move(client, t, job["id"], "on_hold", role="dispatcher")
    phone = Phone(client, t["technician"])
    phone.push(phone.batch(("job.en_route", {"job_id": job["id"]})))
    listed = get(client, t, f"/jobs?branch_id={t.main}&page_size=100", "dispatcher")["items"]
    counts = {j["id"]: j["conflicts_open"] for j in listed}
    assert counts[job["id"]] == 1 and counts[calm["id"]] == 0
    with tenant_db(app, t) as db:
        stored = db.scalars(select(SyncConflict).where(SyncConflict.job_id == uuid.UUID(job["id"])))
        assert [c.user_id for c in stored] == [t["technician"].user_id]
        taken = db.scalars(
            select(SyncMutation).where(SyncMutation.client_id == uuid.UUID(phone.client_id))
        ).all()
        assert [(m.mutation_id, m.status) for m in taken] == [(1, "conflict")]
