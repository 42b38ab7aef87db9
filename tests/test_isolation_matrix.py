"""Cross-tenant isolation: tenant B's owner tries tenant A's ids everywhere and gets 404.

The test walks the URL map: every API route that takes an object id must be
listed in ``A_OBJECTS``, so a new route that nobody covered fails here.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import work
from tests.support.mailbox import Mailbox
from tests.support.world import World, call

API = "/api/v1"

# route -> how to get one of tenant A's objects for it: its id, or the ids of every
# placeholder in the route, in order (a contact under its customer)
A_OBJECTS: dict[str, Callable[[FlaskClient, World], str | list[str]]] = {}


def covers(
    rule: str,
) -> Callable[[Callable[[FlaskClient, World], Any]], Callable[..., Any]]:
    def register(fn: Callable[[FlaskClient, World], Any]) -> Callable[..., Any]:
        A_OBJECTS[rule] = fn
        return fn

    return register


def _url(rule: str, ids: str | list[str]) -> str:
    values = iter([ids] if isinstance(ids, str) else ids)
    return re.sub(r"<[^>]+>", lambda _m: next(values), rule)


@covers(f"{API}/branches/<uuid:branch_id>")
def _branch(client: FlaskClient, w: World) -> str:
    return str(w.a.other)


@covers(f"{API}/users/<uuid:user_id>")
@covers(f"{API}/users/<uuid:user_id>/invitation")
def _user(client: FlaskClient, w: World) -> str:
    return str(w.a["technician"].user_id)


@covers(f"{API}/roles/<string:key>")
def _role(client: FlaskClient, w: World) -> str:
    r = call(
        client,
        "POST",
        f"{API}/roles",
        w.a["owner"],
        json={"key": "a_secret_role", "name": "A only", "permissions": ["branch:read"]},
    )
    assert r.status_code == 201, r.json
    return "a_secret_role"


@covers(f"{API}/role-assignments/<uuid:assignment_id>")
def _assignment(client: FlaskClient, w: World) -> str:
    r = call(
        client, "GET", f"{API}/role-assignments?user_id={w.a['dispatcher'].user_id}", w.a["owner"]
    )
    return str(r.json["items"][0]["id"])


@covers(f"{API}/tokens/<uuid:token_id>")
def _token(client: FlaskClient, w: World) -> str:
    r = call(client, "GET", f"{API}/tokens", w.a["technician"])
    return str(r.json["items"][0]["id"])


@covers(f"{API}/customers/<uuid:customer_id>")
def _customer(client: FlaskClient, w: World) -> str:
    r = call(
        client,
        "POST",
        f"{API}/customers",
        w.a["owner"],
        json={"name": "Алия Нурланова", "phone": "+7 701 555 12 34"},
    )
    assert r.status_code == 201, r.json
    return str(r.json["id"])


@covers(f"{API}/customers/<uuid:customer_id>/contacts")
def _contacts(client: FlaskClient, w: World) -> str:
    return _customer(client, w)


@covers(f"{API}/customers/<uuid:customer_id>/contacts/<uuid:contact_id>")
def _contact(client: FlaskClient, w: World) -> list[str]:
    customer = _customer(client, w)
    r = call(
        client,
        "POST",
        f"{API}/customers/{customer}/contacts",
        w.a["owner"],
        json={"name": "Бауыржан", "phone": "87015550101"},
    )
    assert r.status_code == 201, r.json
    return [customer, str(r.json["id"])]


@covers(f"{API}/skills/<uuid:skill_id>")
def _skill(client: FlaskClient, w: World) -> str:
    r = call(client, "POST", f"{API}/skills", w.a["owner"], json={"name": "Refrigeration"})
    assert r.status_code == 201, r.json
    return str(r.json["id"])


@covers(f"{API}/sites/<uuid:site_id>")
def _site(client: FlaskClient, w: World) -> str:
    return str(work.site(client, w.a)["id"])


@covers(f"{API}/technicians/<uuid:technician_id>")
@covers(f"{API}/technicians/<uuid:technician_id>/time-off")
def _technician(client: FlaskClient, w: World) -> str:
    return str(work.technician(client, w.a)["id"])


@covers(f"{API}/technicians/<uuid:technician_id>/time-off/<uuid:entry_id>")
def _time_off(client: FlaskClient, w: World) -> list[str]:
    tech = _technician(client, w)
    start = work.tomorrow()
    entry = work.made(
        client,
        w.a,
        f"/technicians/{tech}/time-off",
        {"starts_at": start.isoformat(), "ends_at": (start + timedelta(days=2)).isoformat()},
    )
    return [tech, str(entry["id"])]


@covers(f"{API}/job-types/<uuid:job_type_id>")
def _job_type(client: FlaskClient, w: World) -> str:
    return str(work.made(client, w.a, "/job-types", {"name": "AC maintenance"})["id"])


@covers(f"{API}/jobs/<uuid:job_id>")
@covers(f"{API}/jobs/<uuid:job_id>/transitions")
@covers(f"{API}/jobs/<uuid:job_id>/checklist")
@covers(f"{API}/jobs/<uuid:job_id>/attachments")
def _job(client: FlaskClient, w: World) -> str:
    return str(work.scheduled_job(client, w.a)["id"])


@covers(f"{API}/jobs/<uuid:job_id>/checklist/<uuid:item_id>")
def _checklist_item(client: FlaskClient, w: World) -> list[str]:
    job = work.job(client, w.a, checklist=["Check the filter"])
    items = call(client, "GET", f"{API}/jobs/{job['id']}/checklist", w.a["owner"]).json
    return [str(job["id"]), str(items["items"][0]["id"])]


@covers(f"{API}/jobs/<uuid:job_id>/attachments/<uuid:attachment_id>")
def _attachment(client: FlaskClient, w: World) -> list[str]:
    job = _job(client, w)
    r = call(
        client,
        "POST",
        f"{API}/jobs/{job}/attachments",
        w.a["owner"],
        data={"file": (io.BytesIO(b"A's secret photo"), "photo.jpg", "image/jpeg")},
    )
    assert r.status_code == 201, r.json
    return [job, str(r.json["id"])]


@covers(f"{API}/sync/blobs/<string:sha256>")
def _blob(client: FlaskClient, w: World) -> str:
    photo = b"\xff\xd8\xff\xe0 A's photo " + uuid.uuid4().bytes
    sha256 = hashlib.sha256(photo).hexdigest()
    url = f"{API}/sync/blobs/{sha256}"
    r = call(client, "PUT", url, w.a["technician"], data=photo, content_type="image/jpeg")
    assert r.status_code == 201, r.json
    return sha256


@covers(f"{API}/sync/conflicts/<uuid:conflict_id>")
@covers(f"{API}/sync/conflicts/<uuid:conflict_id>/resolve")
def _sync_conflict(client: FlaskClient, w: World) -> str:
    job = work.scheduled_job(client, w.a)["id"]
    for to in ("dispatched", "cancelled"):
        r = call(client, "POST", f"{API}/jobs/{job}/transitions", w.a["owner"], json={"to": to})
        assert r.status_code == 201, r.json
    body = {
        "client_group_id": str(uuid.uuid4()),
        "client_id": str(uuid.uuid4()),
        "schema_version": 1,
        "mutations": [
            {"id": 1, "name": "job.en_route", "args": {"job_id": job}, "client_ts": "2026-01-01"}
        ],
    }
    r = call(client, "POST", f"{API}/sync/push", w.a["technician"], json=body)
    assert r.json["results"][0]["status"] == "conflict", r.json
    return str(r.json["results"][0]["conflict_id"])


@covers(f"{API}/scheduling/jobs/<uuid:job_id>/pin")
def _pinned_job(client: FlaskClient, w: World) -> str:
    job = str(work.scheduled_job(client, w.a)["id"])
    r = call(client, "POST", f"{API}/scheduling/jobs/{job}/pin", w.a["owner"])
    assert r.status_code == 200, r.json
    return job


@covers(f"{API}/scheduling/jobs/<uuid:job_id>/suggestions")
@covers(f"{API}/scheduling/jobs/<uuid:job_id>/assign")
def _job_to_plan(client: FlaskClient, w: World) -> str:
    return str(work.scheduled_job(client, w.a)["id"])


@covers(f"{API}/scheduling/technicians/<uuid:technician_id>/unavailable")
def _technician_to_plan(client: FlaskClient, w: World) -> str:
    return str(work.technician(client, w.a)["id"])


@covers(f"{API}/scheduling/plans/<uuid:plan_id>")
@covers(f"{API}/scheduling/plans/<uuid:plan_id>/apply")
@covers(f"{API}/scheduling/plans/<uuid:plan_id>/discard")
def _plan_run(client: FlaskClient, w: World) -> str:
    config = client.application.config
    budget = config.get("SCHEDULING_PLAN_SECONDS")
    config["SCHEDULING_PLAN_SECONDS"] = 0.2  # the run itself is not what is tested here
    try:
        body = {"branch_id": str(w.a.main), "date": work.tomorrow().date().isoformat()}
        r = call(client, "POST", f"{API}/scheduling/plans", w.a["owner"], json=body)
    finally:
        if budget is None:
            config.pop("SCHEDULING_PLAN_SECONDS")
        else:
            config["SCHEDULING_PLAN_SECONDS"] = budget
    assert r.status_code == 202, r.json
    return str(r.json["id"])


# Routes that act on an object with POST: the body the intruder sends; the object's state
# is read, before and after, at the route's parent (or where STATE_AT says).
ACTION_BODIES: dict[str, dict[str, Any]] = {
    f"{API}/sync/conflicts/<uuid:conflict_id>/resolve": {"keep": "office"},
    f"{API}/scheduling/jobs/<uuid:job_id>/pin": {},
    f"{API}/scheduling/jobs/<uuid:job_id>/assign": {
        "technician_id": str(uuid.uuid4()),
        "start": "2030-01-07T10:00:00Z",
    },
    f"{API}/scheduling/technicians/<uuid:technician_id>/unavailable": {
        "from": "2030-01-07T00:00:00Z",
        "to": "2030-01-08T00:00:00Z",
    },
    f"{API}/scheduling/plans/<uuid:plan_id>/apply": {},
    f"{API}/scheduling/plans/<uuid:plan_id>/discard": {},
}

# Routes with no GET of their own, nor at their parent: where their object's state is read.
STATE_AT: dict[str, Callable[[str], str]] = {
    # The pinned job: its version and content must not move.
    f"{API}/scheduling/jobs/<uuid:job_id>/pin": lambda url: url.replace(
        "/scheduling/jobs/", "/jobs/"
    ).removesuffix("/pin"),
    f"{API}/scheduling/jobs/<uuid:job_id>/assign": lambda url: url.replace(
        "/scheduling/jobs/", "/jobs/"
    ).removesuffix("/assign"),
    # Unavailability would add time off: the technician's list of it must not move.
    f"{API}/scheduling/technicians/<uuid:technician_id>/unavailable": lambda url: url.replace(
        "/scheduling/technicians/", "/technicians/"
    ).replace("/unavailable", "/time-off"),
}

# Routes named by content, not by an object: a PUT there uploads the caller's own copy
# (blobs are per company), so the intruder's JSON body is refused as not an image (415),
# not as unknown; A's copy stays as it was (checked after the methods).
OWN_COPY_ON_PUT = {f"{API}/sync/blobs/<string:sha256>": 415}

# Routes whose argument names no company's object (the same for every company); what
# they show per company is checked by their own tests.
NOT_TENANT_OBJECTS = {
    f"{API}/modules/<string:name>": "module names are the installed catalogue",
}


def _id_routes(app: Flask) -> list[tuple[str, list[str]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule in NOT_TENANT_OBJECTS:
            continue
        if rule.rule.startswith(f"{API}/") and rule.arguments:
            methods = sorted(
                m for m in rule.methods or () if m in {"GET", "PATCH", "PUT", "DELETE"}
            )
            if rule.rule in ACTION_BODIES:
                methods = ["POST", *methods]
            routes.append((rule.rule, methods))
    return routes


def test_every_route_with_an_id_is_covered(app: Flask) -> None:
    uncovered = sorted(rule for rule, _ in _id_routes(app) if rule not in A_OBJECTS)
    assert not uncovered, f"add these routes to the isolation matrix: {uncovered}"


def test_other_tenant_ids_are_404_for_every_method(
    app: Flask, client: FlaskClient, world: World
) -> None:
    intruder = world.b["owner"]
    checked = 0
    for rule, methods in _id_routes(app):
        url = _url(rule, A_OBJECTS[rule](client, world))
        state = url.rsplit("/", 1)[0] if rule in ACTION_BODIES else url
        state = STATE_AT[rule](url) if rule in STATE_AT else state
        before = call(client, "GET", state, world.a["owner"])
        assert before.status_code == 200, (url, before.json)
        for method in methods:
            body = ACTION_BODIES.get(rule, {}) if method in ("PATCH", "PUT", "POST") else None
            r = call(client, method, url, intruder, json=body)
            expected = OWN_COPY_ON_PUT.get(rule, 404) if method == "PUT" else 404
            assert r.status_code == expected, (method, url, r.status_code, r.json)
            assert r.json["code"] == expected
            checked += 1
        after = call(client, "GET", state, world.a["owner"])
        assert after.status_code == 200 and after.json == before.json, url
    assert checked >= 12


def test_lists_never_show_other_tenants_rows(client: FlaskClient, world: World) -> None:
    a_ids = {
        str(world.a.main),
        str(world.a.other),
        *(str(p.user_id) for p in world.a.people.values()),
    }
    intruder = world.b["owner"]
    for url in (
        f"{API}/branches?page_size=100",
        f"{API}/users?page_size=100",
        f"{API}/users?branch_id={world.a.main}",
        f"{API}/role-assignments?page_size=100",
        f"{API}/role-assignments?user_id={world.a['owner'].user_id}",
        f"{API}/role-assignments?branch_id={world.a.main}",
        f"{API}/tokens?user_id={world.a['owner'].user_id}",
        f"{API}/roles",
    ):
        r = call(client, "GET", url, intruder)
        assert r.status_code == 200, (url, r.json)
        text = r.get_data(as_text=True)
        leaked = [i for i in a_ids if i in text]
        assert not leaked, (url, leaked)
        assert str(world.a.tenant_id) not in text


@pytest.mark.parametrize(
    "body",
    [
        lambda w: {"user_id": str(w.a["viewer"].user_id), "role": "viewer", "branch_id": None},
        lambda w: {
            "user_id": str(w.b["viewer"].user_id),
            "role": "viewer",
            "branch_id": str(w.a.main),
        },
    ],
    ids=["other-tenant-user", "other-tenant-branch"],
)
def test_references_to_other_tenants_in_bodies_are_404(
    client: FlaskClient, world: World, body: Callable[[World], dict[str, object]]
) -> None:
    r = call(client, "POST", f"{API}/role-assignments", world.b["owner"], json=body(world))
    assert r.status_code == 404, r.json


def test_invite_with_other_tenants_branch_is_404_and_creates_nobody(
    client: FlaskClient, world: World
) -> None:
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    r = call(
        client,
        "POST",
        f"{API}/users",
        world.b["owner"],
        json={
            "email": email,
            "name": "New",
            "roles": [{"role": "technician", "branch_id": str(world.a.main)}],
        },
    )
    assert r.status_code == 404, r.json
    listed = call(client, "GET", f"{API}/users?q={email}", world.b["owner"])
    assert listed.json["total"] == 0


def test_branch_header_of_other_tenant_is_rejected(client: FlaskClient, world: World) -> None:
    r = call(
        client,
        "GET",
        f"{API}/branches",
        world.b["owner"],
        headers={"X-Dala-Branch": str(world.a.main)},
    )
    assert r.status_code == 422
    assert "X-Dala-Branch" in r.json["message"]


def test_role_filters_on_users_need_the_right_to_see_roles(
    client: FlaskClient, world: World
) -> None:
    url = f"{API}/users?role=owner&branch_id={world.a.other}"
    assert call(client, "GET", url, world.a["dispatcher"]).status_code == 403
    ba = call(client, "GET", f"{API}/users?role=owner", world.a["branch_admin"]).json
    assert ba["total"] == 0  # owners hold their role company-wide, outside the branch admin's view
    owner = call(client, "GET", f"{API}/users?role=owner", world.a["owner"]).json
    assert [u["id"] for u in owner["items"]] == [str(world.a["owner"].user_id)]


def test_work_lists_and_filters_never_show_other_tenants_rows(
    client: FlaskClient, world: World
) -> None:
    job = work.scheduled_job(client, world.a)
    a_ids = {job["id"], job["customer_id"], job["site_id"], *job["technician_ids"]}
    intruder = world.b["owner"]
    work.scheduled_job(client, world.b)  # B has rows of its own in every list
    for url in (
        f"{API}/jobs?page_size=100",
        f"{API}/jobs?customer_id={job['customer_id']}",
        f"{API}/jobs?technician_id={job['technician_ids'][0]}",
        f"{API}/jobs?branch_id={world.a.main}",
        f"{API}/sites?customer_id={job['customer_id']}",
        f"{API}/sites?page_size=100",
        f"{API}/technicians?page_size=100",
        f"{API}/job-types?page_size=100",
        f"{API}/scheduling/board?branch_id={world.b.main}&days=7",
    ):
        r = call(client, "GET", url, intruder)
        assert r.status_code == 200, (url, r.json)
        text = r.get_data(as_text=True)
        leaked = [i for i in a_ids if i in text]
        assert not leaked, (url, leaked)


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (
            "/sites",
            lambda c, w, j: {
                "customer_id": j["customer_id"],
                "branch_id": str(w.b.main),
                "address": "x",
            },
        ),
        (
            "/sites",
            lambda c, w, j: {
                "customer_id": work.customer(c, w.b)["id"],
                "branch_id": str(w.a.main),
                "address": "x",
            },
        ),
        (
            "/jobs",
            lambda c, w, j: {
                "customer_id": j["customer_id"],
                "branch_id": str(w.b.main),
                "title": "x",
            },
        ),
        (
            "/jobs",
            lambda c, w, j: {
                "customer_id": work.customer(c, w.b)["id"],
                "site_id": j["site_id"],
                "title": "x",
            },
        ),
        (
            "/jobs",
            lambda c, w, j: {
                "customer_id": work.customer(c, w.b)["id"],
                "branch_id": str(w.b.main),
                "title": "x",
                "technician_ids": j["technician_ids"],
            },
        ),
        (
            "/technicians",
            lambda c, w, j: {"user_id": str(w.a["viewer"].user_id), "branch_id": str(w.b.main)},
        ),
        (
            "/technicians",
            lambda c, w, j: {"user_id": str(w.b["viewer"].user_id), "branch_id": str(w.a.main)},
        ),
    ],
    ids=[
        "site-customer",
        "site-branch",
        "job-customer",
        "job-site",
        "job-technician",
        "technician-user",
        "technician-branch",
    ],
)
def test_work_references_to_other_tenants_are_404_and_change_nothing(
    client: FlaskClient, world: World, url: str, body: Callable[..., dict[str, object]]
) -> None:
    job = work.scheduled_job(client, world.a)
    before = call(client, "GET", f"{API}{url}?page_size=100", world.b["owner"]).json["total"]
    r = call(client, "POST", f"{API}{url}", world.b["owner"], json=body(client, world, job))
    assert r.status_code == 404, r.json
    after = call(client, "GET", f"{API}{url}?page_size=100", world.b["owner"]).json["total"]
    assert after == before


def test_resending_another_companys_invitation_is_404_and_sends_nothing(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    email = f"pending-{uuid.uuid4().hex[:6]}@example.com"
    r = call(client, "POST", f"{API}/users", world.a["owner"], json={"email": email, "name": "P"})
    assert r.status_code == 201, r.json
    assert len(mailbox.to(email)) == 1
    resent = call(client, "POST", f"{API}/users/{r.json['id']}/invitation", world.b["owner"])
    assert resent.status_code == 404 and resent.json["code"] == 404
    assert len(mailbox.to(email, timeout=0.5, count=2)) == 1


def test_live_stream_of_other_tenants_branch_is_404(client: FlaskClient, world: World) -> None:
    intruder = world.b["owner"]
    for branches in ([world.a.main], [world.b.main, world.a.other]):
        query = "&".join(f"branch={b}" for b in branches)
        r = call(client, "GET", f"{API}/live?{query}&timeout=0", intruder)
        assert r.status_code == 404, (branches, r.json)
        assert r.json["code"] == 404
    own = call(client, "GET", f"{API}/live?branch={world.b.main}&timeout=0", intruder)
    assert own.status_code == 200
