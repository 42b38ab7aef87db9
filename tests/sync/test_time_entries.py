"""time.log against the server: what a technician's time entry becomes.

The entry carries its own span (``started_at``/``ended_at``, ISO 8601 with an offset).
The server keeps it as sent, with one reading of its own: a span that runs into the
future ends now (server time), and one that starts in the future is refused. A span
before the job was created is kept as sent (docs/sync-protocol.md, "Identifiers and
clocks": the time spent getting to an emergency the office typed in later is the
technician's). A refused entry never blocks the mutations after it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from dala.work.field_models import TimeEntry
from tests.support import work
from tests.support.world import TenantWorld, World
from tests.sync.push_support import Phone, dispatched_job, get, move, tenant_db


def _entry(job_id: str, start: datetime, end: datetime, kind: str = "work") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "job_id": job_id,
        "kind": kind,
        "started_at": start.isoformat(),
        "ended_at": end.isoformat(),
    }


def _stored(app: Flask, t: TenantWorld, job_id: str) -> dict[str, TimeEntry]:
    with tenant_db(app, t) as db:
        rows = db.scalars(select(TimeEntry).where(TimeEntry.job_id == uuid.UUID(job_id))).all()
        db.expunge_all()
        return {str(row.id): row for row in rows}


def _utc(value: datetime) -> datetime:
    """A stored instant, aware and in UTC, whichever engine kept it."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _pulled(client: FlaskClient, t: TenantWorld, job_id: str) -> list[dict[str, Any]]:
    jobs = get(client, t, "/sync/pull", role="technician")["jobs"]
    entries = next(job for job in jobs if job["id"] == job_id)["time_entries"]
    return sorted(entries, key=lambda e: e["started_at"])


def test_valid_entries_are_kept_as_sent_and_reach_the_phone(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    now = datetime.now(UTC).replace(microsecond=0)
    travel = _entry(job["id"], now - timedelta(hours=2), now - timedelta(hours=1, minutes=30))
    # Sent as the phone's local time (Almaty, +05:00): the same instant, stored in UTC.
    local = now.astimezone(timezone(timedelta(hours=5)))
    labour = _entry(job["id"], local - timedelta(hours=1, minutes=25), local - timedelta(minutes=5))
    pause = _entry(job["id"], now - timedelta(minutes=50), now - timedelta(minutes=40), "break")
    travel["kind"] = "travel"
    phone = Phone(client, t["technician"])

    answer = phone.push(
        phone.batch(("time.log", travel), ("time.log", labour), ("time.log", pause))
    )

    assert [r["status"] for r in answer["results"]] == ["applied"] * 3, answer
    stored = _stored(app, t, job["id"])
    technician = work.technician(client, t)["id"]
    for sent in (travel, labour, pause):
        row = stored[sent["id"]]
        assert row.kind.value == sent["kind"]
        assert str(row.technician_id) == technician
        assert _utc(row.started_at) == datetime.fromisoformat(sent["started_at"])
        assert _utc(row.ended_at) == datetime.fromisoformat(sent["ended_at"])
    pulled = _pulled(client, t, job["id"])
    assert [(e["id"], e["kind"]) for e in pulled] == [
        (travel["id"], "travel"),
        (labour["id"], "work"),
        (pause["id"], "break"),
    ]
    assert datetime.fromisoformat(pulled[1]["started_at"]) == datetime.fromisoformat(
        labour["started_at"]
    )


def test_invalid_entries_are_refused_alone_and_nothing_of_them_is_stored(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    j = job["id"]
    now = datetime.now(UTC)
    backwards = _entry(j, now - timedelta(minutes=10), now - timedelta(minutes=40))
    empty = _entry(j, now - timedelta(minutes=30), now - timedelta(minutes=30))
    # Wholly in the future: the server ends a span at its own "now", which leaves nothing.
    ahead = _entry(j, now + timedelta(hours=1), now + timedelta(hours=2))
    no_offset = _entry(j, now - timedelta(hours=1), now) | {
        "started_at": (now - timedelta(hours=1)).replace(tzinfo=None).isoformat()
    }
    unknown_kind = _entry(j, now - timedelta(hours=1), now - timedelta(minutes=1), "lunch")
    far_past = _entry(
        j, datetime(1999, 12, 31, 9, tzinfo=UTC), datetime(1999, 12, 31, 10, tzinfo=UTC)
    )
    fine = _entry(j, now - timedelta(hours=1), now - timedelta(minutes=20))
    phone = Phone(client, t["technician"])

    answer = phone.push(
        phone.batch(
            ("time.log", backwards),
            ("time.log", empty),
            ("time.log", ahead),
            ("time.log", no_offset),
            ("time.log", unknown_kind),
            ("time.log", far_past),
            ("time.log", fine),  # what comes after refused entries still goes in
        )
    )

    results = answer["results"]
    assert [r["status"] for r in results] == ["rejected"] * 6 + ["applied"], answer
    assert {r["code"] for r in results[:6]} == {"validation"}
    messages = [r["message"] for r in results[:6]]
    assert messages[0] == "Invalid input: ended_at: A time entry must end after it starts."
    assert messages[1] == messages[0]
    assert messages[2] == "A time entry cannot start in the future."
    assert messages[3].startswith("Invalid input: started_at: Not a valid date and time with")
    assert messages[4] == "Invalid input: kind: Must be one of: work, travel, break."
    assert "started_at: Use a date between the years 2000 and 2100." in messages[5]
    assert set(_stored(app, t, j)) == {fine["id"]}
    assert answer["last_mutation_id"] == phone.counter  # refused ones are taken, not retried


def test_a_span_running_into_the_future_ends_when_the_server_took_it(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    before = datetime.now(UTC)
    started = before - timedelta(minutes=20)
    running = _entry(job["id"], started, before + timedelta(hours=3))  # a phone clock ahead
    phone = Phone(client, t["technician"])

    answer = phone.push(phone.batch(("time.log", running)))
    after = datetime.now(UTC)

    assert answer["results"][0]["status"] == "applied", answer
    row = _stored(app, t, job["id"])[running["id"]]
    assert _utc(row.started_at) == started  # the start is the phone's, as sent
    assert before - timedelta(seconds=1) <= _utc(row.ended_at) <= after + timedelta(seconds=1)


def test_a_span_before_the_job_existed_is_kept_as_sent(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    created = datetime.fromisoformat(get(client, t, f"/jobs/{job['id']}")["created_at"])
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    start = (created - timedelta(days=2)).replace(microsecond=0)
    earlier = _entry(job["id"], start, start + timedelta(minutes=45), "travel")
    phone = Phone(client, t["technician"])

    answer = phone.push(phone.batch(("time.log", earlier)))

    assert answer["results"][0]["status"] == "applied", answer
    row = _stored(app, t, job["id"])[earlier["id"]]
    # Not moved to the job's creation, unlike a note's time: the span is the technician's.
    assert _utc(row.started_at) == start < created
    assert _utc(row.ended_at) == start + timedelta(minutes=45)


def test_the_same_entry_again_is_stored_once_and_another_under_its_id_refused(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    now = datetime.now(UTC).replace(microsecond=0)
    entry = _entry(job["id"], now - timedelta(hours=1), now - timedelta(minutes=30))
    changed = entry | {"ended_at": (now - timedelta(minutes=10)).isoformat()}
    phone = Phone(client, t["technician"])

    answer = phone.push(
        phone.batch(("time.log", entry), ("time.log", entry), ("time.log", changed))
    )

    assert [r["status"] for r in answer["results"]] == ["applied", "applied", "rejected"]
    assert answer["results"][2]["code"] == "duplicate_id"
    stored = _stored(app, t, job["id"])
    assert list(stored) == [entry["id"]]
    assert _utc(stored[entry["id"]].ended_at) == now - timedelta(minutes=30)


def test_time_goes_on_completed_jobs_but_not_from_a_user_who_is_no_technician(
    app: Flask, client: FlaskClient, world: World
) -> None:
    t = world.a
    job = dispatched_job(client, t)
    now = datetime.now(UTC)
    technician = Phone(client, t["technician"])
    steps = technician.batch(
        ("job.en_route", {"job_id": job["id"]}),
        ("job.arrive", {"job_id": job["id"]}),
        ("job.complete", {"job_id": job["id"]}),
    )
    assert [r["status"] for r in technician.push(steps)["results"]] == ["applied"] * 3
    after_the_fact = _entry(job["id"], now - timedelta(hours=1), now - timedelta(minutes=5))
    answer = technician.push(technician.batch(("time.log", after_the_fact)))
    assert answer["results"][0]["status"] == "applied", answer  # written up after the job

    # The owner may work jobs (job:work) but has no technician profile to log time for.
    other = dispatched_job(client, t)
    move(client, t, other["id"], "en_route")
    owner = Phone(client, t["owner"])
    refused = owner.push(
        owner.batch(("time.log", _entry(other["id"], now - timedelta(hours=1), now)))
    )
    assert refused["results"][0]["status"] == "rejected"
    assert refused["results"][0]["code"] == "forbidden", refused
    assert refused["results"][0]["message"] == "Only a technician logs time on a job."
    assert not _stored(app, t, other["id"])
