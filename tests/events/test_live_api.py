"""Live updates from the app: job changes (API and phone alike), technicians' time off,
publish after commit only, and GET /api/v1/live's answers, read whole (``timeout=0``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dala.db import get_session
from dala.events import live
from dala.events.live import LiveMessage, Subscription
from dala.tenancy import context
from tests.support import work
from tests.support.world import World, call
from tests.sync.push_support import Phone, dispatched_job

API = "/api/v1"
WAIT = 5.0  # generous: on the PostgreSQL pass messages come back through Redis


@pytest.fixture
def a_stream(app: Flask, world: World) -> Iterator[Subscription]:
    with live.broker(app).subscribe(world.a.tenant_id) as subscription:
        yield subscription


def received(subscription: Subscription, count: int) -> list[LiveMessage]:
    out = []
    for _ in range(count):
        message = subscription.get(WAIT)
        assert message is not None, f"only {len(out)} of {count} messages arrived"
        out.append(message)
    return out


def data(message: LiveMessage) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(message.data)
    return parsed


def test_a_new_job_is_announced_with_ids_and_plain_values_only(
    client: FlaskClient, world: World, a_stream: Subscription
) -> None:
    work.technician(client, world.a)
    received(a_stream, 1)  # technician.changed: created
    job = work.scheduled_job(client, world.a)
    messages = received(a_stream, 4)
    assert {m.kind for m in messages} == {"job.changed"}
    assert [data(m)["what"] for m in messages] == ["created", "status", "scheduled", "assigned"]
    for message in messages:
        assert message.branch_id == world.a.main
        assert data(message)["job_id"] == job["id"]
        assert data(message)["number"] == job["number"]
        assert data(message)["source"] == "api"
    assert data(messages[0])["status"] == "scheduled"
    assert data(messages[2])["scheduled_start"] == job["scheduled_start"].replace("Z", "+00:00")
    assert data(messages[3])["technician_ids"] == job["technician_ids"]
    text = " ".join(m.data for m in messages)
    customer = call(client, "GET", f"{API}/customers/{job['customer_id']}", world.a["owner"]).json
    for private in (customer["name"], job["site"]["address"], job["title"]):
        assert private not in text


def test_a_refused_change_announces_nothing(
    client: FlaskClient, world: World, a_stream: Subscription
) -> None:
    work.technician(client, world.a)
    job = work.scheduled_job(client, world.a)
    received(a_stream, 5)  # the technician made, the job created, planned and assigned
    url = f"{API}/jobs/{job['id']}"
    bad = {"scheduled_start": "2030-01-01T10:00:00Z", "scheduled_end": "2030-01-01T09:00:00Z"}
    assert call(client, "PATCH", url, world.a["owner"], json=bad).status_code == 422
    good = {"scheduled_start": "2030-01-02T10:00:00Z"}
    assert call(client, "PATCH", url, world.a["owner"], json=good).status_code == 200
    # The refused change came first: had it been announced, it would be first here.
    (message,) = received(a_stream, 1)
    assert data(message)["what"] == "scheduled"
    assert data(message)["scheduled_start"] == "2030-01-02T10:00:00+00:00"


def test_a_phone_sync_push_is_announced_like_any_change(
    client: FlaskClient, world: World, a_stream: Subscription
) -> None:
    job = dispatched_job(client, world.a)
    while a_stream.get(0.5) is not None:  # what making the job announced
        pass
    phone = Phone(client, world.a["technician"])
    result = phone.push(phone.batch(("job.en_route", {"job_id": job["id"]})))
    assert result["results"][0]["status"] == "applied", result
    (message,) = received(a_stream, 1)
    assert message.kind == "job.changed"
    assert data(message) | {"at": None} == {
        "job_id": job["id"],
        "number": job["number"],
        "branch_id": str(world.a.main),
        "what": "status",
        "from_status": "dispatched",
        "status": "en_route",
        "source": "app",
        "at": None,
    }


def test_time_off_is_announced_as_a_technician_change(
    client: FlaskClient, world: World, a_stream: Subscription
) -> None:
    technician = work.technician(client, world.a)
    (made,) = received(a_stream, 1)
    assert data(made)["what"] == "created"
    url = f"{API}/technicians/{technician['id']}/time-off"
    body = {
        "starts_at": "2030-03-02T00:00:00Z",
        "ends_at": "2030-03-05T00:00:00Z",
        "reason": "sick",
        "note": "Flu, back on Thursday",
    }
    r = call(client, "POST", url, world.a["owner"], json=body)
    assert r.status_code == 201, r.json
    (added,) = received(a_stream, 1)
    assert (added.kind, added.branch_id) == ("technician.changed", world.a.main)
    assert data(added) == {
        "technician_id": technician["id"],
        "branch_id": str(world.a.main),
        "what": "time_off_added",
        "time_off_id": r.json["id"],
        "starts_at": "2030-03-02T00:00:00+00:00",
        "ends_at": "2030-03-05T00:00:00+00:00",
    }
    assert "Flu" not in added.data and "sick" not in added.data
    gone = call(client, "DELETE", f"{url}/{r.json['id']}", world.a["owner"])
    assert gone.status_code == 204
    (removed,) = received(a_stream, 1)
    assert data(removed)["what"] == "time_off_removed"
    assert data(removed)["time_off_id"] == r.json["id"]


def test_publish_after_commit_sends_nothing_on_rollback(
    app: Flask, world: World, a_stream: Subscription
) -> None:
    tenant, branch = world.a.tenant_id, world.a.main
    with app.test_request_context("/"), context.tenant_scope(tenant):
        session = get_session()
        live.publish_after_commit(session, tenant, branch, "job.changed", {"n": "rolled back"})
        session.rollback()
        live.publish_after_commit(session, tenant, branch, "job.changed", {"n": "committed"})
        (none_yet,) = [a_stream.get(0)]
        session.commit()
    assert none_yet is None
    (message,) = received(a_stream, 1)
    assert message.data == '{"n":"committed"}'


# --- GET /api/v1/live, read whole -----------------------------------------------------------


def stream_events(body: str) -> list[dict[str, str]]:
    events = []
    for block in body.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and line[0] != ":")
        if "event" in fields:
            events.append(fields)
    return events


def test_stream_answers_with_sse_headers_and_replays_after_last_event_id(
    app: Flask, client: FlaskClient, world: World, a_stream: Subscription
) -> None:
    broker = live.broker(app)
    for n in range(3):
        broker.publish(world.a.tenant_id, world.a.main, "job.changed", {"n": n})
    broker.publish(world.b.tenant_id, world.b.main, "job.changed", {"n": "B"})
    first, *_ = received(a_stream, 3)
    r = call(
        client,
        "GET",
        f"{API}/live?timeout=0",
        world.a["dispatcher"],
        headers={"Last-Event-ID": str(first.id)},
    )
    assert r.status_code == 200
    assert r.mimetype == "text/event-stream"
    assert r.headers["Cache-Control"] == "no-cache"
    body = r.get_data(as_text=True)
    assert body.startswith("retry: 3000\n")
    assert [(e["event"], e["data"]) for e in stream_events(body)] == [
        ("job.changed", '{"n":1}'),
        ("job.changed", '{"n":2}'),
    ]
    ids = [int(e["id"]) for e in stream_events(body)]
    assert first.id < ids[0] < ids[1]


def test_stream_follows_only_the_branches_asked_for(
    app: Flask, client: FlaskClient, world: World, a_stream: Subscription
) -> None:
    broker = live.broker(app)
    broker.publish(world.a.tenant_id, world.a.main, "job.changed", {"n": "main"})
    broker.publish(world.a.tenant_id, world.a.other, "job.changed", {"n": "other"})
    received(a_stream, 2)
    url = f"{API}/live?timeout=0&branch={world.a.other}"
    r = call(client, "GET", url, world.a["owner"], headers={"Last-Event-ID": "0"})
    assert [e["data"] for e in stream_events(r.get_data(as_text=True))][-1:] == ['{"n":"other"}']
    assert '{"n":"main"}' not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [("branch=main", "branch"), ("timeout=-1", "timeout"), ("timeout=3601", "timeout")],
)
def test_stream_refuses_bad_arguments_by_name(
    client: FlaskClient, world: World, query: str, field: str
) -> None:
    r = call(client, "GET", f"{API}/live?{query}", world.a["owner"])
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]["query"]


def test_stream_of_a_branch_without_job_read_is_403_and_another_companys_404(
    client: FlaskClient, world: World
) -> None:
    # The dispatcher reads jobs in the main branch only; the technician works jobs, reads none.
    other = call(client, "GET", f"{API}/live?branch={world.a.other}", world.a["dispatcher"])
    assert other.status_code == 403, other.json
    tech = call(client, "GET", f"{API}/live?branch={world.a.main}", world.a["technician"])
    assert tech.status_code == 403, tech.json
    viewer = call(client, "GET", f"{API}/live?mine=true&timeout=0", world.a["viewer"])
    assert viewer.status_code == 200, viewer.json  # reads jobs; works none: hears nothing
    foreign = call(client, "GET", f"{API}/live?branch={world.b.main}", world.a["owner"])
    assert foreign.status_code == 404, foreign.json
    unknown = call(client, "GET", f"{API}/live?branch={uuid.uuid4()}", world.a["owner"])
    assert unknown.status_code == 404, unknown.json


def test_stream_needs_a_token_or_a_session(client: FlaskClient) -> None:
    r = client.get(f"{API}/live?timeout=0")
    assert r.status_code == 401
    assert r.json["errors"]["token"] == ["missing"]


def test_every_change_of_a_job_is_announced_moves_in_both_branches(
    client: FlaskClient, world: World, a_stream: Subscription
) -> None:
    t = world.a
    job = work.scheduled_job(client, t)
    received(a_stream, 5)  # the technician made, the job created, planned and assigned
    url = f"{API}/jobs/{job['id']}"
    same = {"title": job["title"], "priority": job["priority"]}
    assert call(client, "PATCH", url, t["owner"], json=same).status_code == 200
    details = {"title": "Boiler makes a noise", "priority": "high", "duration_minutes": 45}
    assert call(client, "PATCH", url, t["owner"], json=details).status_code == 200
    # Nothing changed by the first PATCH: had it been announced, it would be first here.
    (updated,) = received(a_stream, 1)
    assert (updated.kind, updated.branch_id) == ("job.changed", t.main)
    assert data(updated) | {"at": None} == {
        "job_id": job["id"],
        "number": job["number"],
        "branch_id": str(t.main),
        "what": "updated",
        "fields": ["title", "priority", "duration_minutes"],
        "priority": "high",
        "source": "api",
        "at": None,
    }
    assert "Boiler" not in updated.data

    window = {"window_start": "2030-01-02T09:00:00Z", "window_end": "2030-01-02T12:00:00Z"}
    assert call(client, "PATCH", url, t["owner"], json=window).status_code == 200
    (windowed,) = received(a_stream, 1)
    assert data(windowed)["fields"] == ["window_start", "window_end"]

    moved = call(client, "PATCH", url, t["owner"], json={"branch_id": str(t.other)})
    assert moved.status_code == 200, moved.json
    both = received(a_stream, 2)
    assert {m.branch_id for m in both} == {t.main, t.other}
    for message in both:
        assert data(message)["what"] == "updated"
        assert data(message)["fields"] == ["branch_id"]
        assert data(message)["branch_id"] == str(t.other)
        assert data(message)["from_branch_id"] == str(t.main)


# --- a technician's stream: their own work only ----------------------------------------------


def _stream(client: FlaskClient, person: Any, query: str, after: int) -> list[dict[str, Any]]:
    url = f"{API}/live?timeout=0{query}"
    r = call(client, "GET", url, person, headers={"Last-Event-ID": str(after)})
    assert r.status_code == 200, r.json
    return [{"event": e["event"], **json.loads(e["data"])} for e in stream_events(r.text)]


def test_a_technicians_stream_carries_their_jobs_and_plans_naming_them_only(
    app: Flask, client: FlaskClient, world: World, a_stream: Subscription
) -> None:
    t = world.a
    me = work.technician(client, t, "technician")["id"]
    # A branch administrator who also works jobs (job:work), and reads the whole branch.
    colleague = work.technician(client, t, "branch_admin")["id"]
    broker = live.broker(app)
    broker.publish(t.tenant_id, t.main, "test.mark", {})
    start = next(m for m in received(a_stream, 3) if m.kind == "test.mark").id

    mine = work.scheduled_job(client, t, "technician")
    theirs = work.scheduled_job(client, t, "branch_admin")
    handed_over = work.scheduled_job(client, t, "technician")
    url = f"{API}/jobs/{handed_over['id']}"
    r = call(client, "PATCH", url, t["owner"], json={"technician_ids": [colleague]})
    assert r.status_code == 200, r.json
    later = {"scheduled_start": "2030-01-02T10:00:00Z"}
    assert call(client, "PATCH", url, t["owner"], json=later).status_code == 200
    for name, who in (("for me", [me, colleague]), ("not for me", [colleague])):
        broker.publish(
            t.tenant_id, t.main, "plan.applied", {"plan_id": name, "technician_ids": who}
        )
    for who in (me, colleague):
        data = {"technician_id": who, "what": "time_off_added"}
        broker.publish(t.tenant_id, t.other, "technician.changed", data)
    received(a_stream, 4 * 3 + 1 + 1 + 2 + 2)  # three jobs made, handed over, moved; the rest

    events = _stream(client, t["technician"], "", start)
    about = [
        (e["event"], e.get("job_id") or e.get("plan_id") or e["technician_id"]) for e in events
    ]
    # Their jobs are read as the stream opens (the replay included), then followed.
    assert about == [
        *[("job.changed", mine["id"])] * 4,
        *[("job.changed", handed_over["id"])] * 2,  # given to them, and taken away; not moved
        ("plan.applied", "for me"),
        ("technician.changed", me),  # in the other branch: their own work comes from any
    ]
    assert [e["what"] for e in events[4:6]] == ["assigned", "assigned"]
    assert [e["technician_ids"] for e in events[4:6]] == [[me], [colleague]]
    assert theirs["id"] not in json.dumps(events)

    # Someone who reads the whole branch hears it all, unless they ask for their own work.
    whole = _stream(client, t["branch_admin"], "", start)
    assert {e.get("job_id") for e in whole} >= {mine["id"], theirs["id"], handed_over["id"]}
    own = _stream(client, t["branch_admin"], "&mine=true", start)
    assert {e["job_id"] for e in own if "job_id" in e} == {theirs["id"], handed_over["id"]}
    assert [e["plan_id"] for e in own if e["event"] == "plan.applied"] == ["for me", "not for me"]


def test_asking_for_own_work_and_a_branch_at_once_is_refused(
    client: FlaskClient, world: World
) -> None:
    url = f"{API}/live?mine=true&branch={world.a.main}&timeout=0"
    r = call(client, "GET", url, world.a["dispatcher"])
    assert r.status_code == 422, r.json
    assert "mine" in r.json["errors"]["query"]
