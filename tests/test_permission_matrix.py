"""Each built-in role x each endpoint gets exactly the expected 2xx or 403.

Branch-level roles (branch_admin, dispatcher, technician, viewer) hold their
role in tenant A's main branch; owner and admin hold theirs tenant-wide.
Every authenticated API route+method must appear in ``CASES``.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import work
from tests.support.world import ROLE_SCOPES, TenantWorld, World, call

API = "/api/v1"
ALL = frozenset(ROLE_SCOPES)
OWNER_ADMIN = frozenset({"owner", "admin"})
READERS = frozenset({"owner", "admin", "branch_admin", "dispatcher", "viewer"})
BRANCH_ADMINS = frozenset({"owner", "admin", "branch_admin"})
CUSTOMER_EDITORS = frozenset({"owner", "admin", "branch_admin", "dispatcher"})
CUSTOMER_READERS = CUSTOMER_EDITORS | {"viewer"}
DISPATCHERS = CUSTOMER_EDITORS
MODULE_READERS = BRANCH_ADMINS | {"viewer"}
# Dispatchers, and the technician on a job assigned to them.
WORKERS = DISPATCHERS | {"technician"}
# Who holds job:work (works jobs from the field).
FIELD_WORKERS = frozenset({"owner", "admin", "branch_admin", "technician"})


@dataclass
class Case:
    method: str
    rule: str
    allowed: frozenset[str]
    # (client, tenant, acting role) -> (url, json body)
    prepare: Callable[[FlaskClient, TenantWorld, str], tuple[str, Any]]


def _owner(client: FlaskClient, t: TenantWorld, method: str, url: str, **kw: Any) -> Any:
    r = call(client, method, url, t["owner"], **kw)
    assert r.status_code < 300, (url, r.json)
    return r.json


def _fresh_branch(client: FlaskClient, t: TenantWorld) -> str:
    body = {"name": f"B-{uuid.uuid4().hex[:6]}", "timezone": "Asia/Almaty"}
    return str(_owner(client, t, "POST", f"{API}/branches", json=body)["id"])


def _fresh_user(client: FlaskClient, t: TenantWorld) -> str:
    body = {"email": f"u-{uuid.uuid4().hex[:8]}@example.com", "name": "Fresh"}
    return str(_owner(client, t, "POST", f"{API}/users", json=body)["id"])


def _fresh_invitee(client: FlaskClient, t: TenantWorld) -> str:
    """Someone invited to the main branch who has not accepted yet."""
    body = {
        "email": f"inv-{uuid.uuid4().hex[:8]}@example.com",
        "name": "Invitee",
        "roles": [{"role": "technician", "branch_id": str(t.main)}],
    }
    return str(_owner(client, t, "POST", f"{API}/users", json=body)["id"])


def _fresh_role(client: FlaskClient, t: TenantWorld) -> str:
    key = f"r_{uuid.uuid4().hex[:8]}"
    _owner(
        client,
        t,
        "POST",
        f"{API}/roles",
        json={"key": key, "name": "Fresh", "permissions": ["branch:read"]},
    )
    return key


def _fresh_assignment(client: FlaskClient, t: TenantWorld) -> str:
    user = _fresh_user(client, t)
    body = {"user_id": user, "role": "technician", "branch_id": str(t.main)}
    return str(_owner(client, t, "POST", f"{API}/role-assignments", json=body)["id"])


def _fresh_customer(client: FlaskClient, t: TenantWorld) -> str:
    body = {"name": f"Customer {uuid.uuid4().hex[:6]}", "email": "c@example.com"}
    return str(_owner(client, t, "POST", f"{API}/customers", json=body)["id"])


def _fresh_contact_url(client: FlaskClient, t: TenantWorld) -> str:
    customer = _fresh_customer(client, t)
    body = {"name": "Second contact", "phone": "87015550303"}
    contact = _owner(client, t, "POST", f"{API}/customers/{customer}/contacts", json=body)
    return f"{API}/customers/{customer}/contacts/{contact['id']}"


def _fresh_skill(client: FlaskClient, t: TenantWorld) -> str:
    body = {"name": f"Skill {uuid.uuid4().hex[:8]}"}
    return str(_owner(client, t, "POST", f"{API}/skills", json=body)["id"])


class Upload:
    """A multipart body (the matrix sends JSON otherwise)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.data = name, data

    def kwargs(self) -> dict[str, Any]:
        return {"data": {"file": (io.BytesIO(self.data), self.name, "image/jpeg")}}


class Raw:
    """A raw body of a content type (a blob upload)."""

    def __init__(self, content_type: str, data: bytes) -> None:
        self.content_type, self.data = content_type, data

    def kwargs(self) -> dict[str, Any]:
        return {"data": self.data, "headers": {"Content-Type": self.content_type}}


def _photo() -> tuple[str, Raw]:
    """A new JPEG's hash and upload body."""
    data = b"\xff\xd8\xff\xe0" + uuid.uuid4().bytes
    return hashlib.sha256(data).hexdigest(), Raw("image/jpeg", data)


def _fresh_blob(client: FlaskClient, t: TenantWorld) -> str:
    sha256, body = _photo()
    r = call(client, "PUT", f"{API}/sync/blobs/{sha256}", t["owner"], **body.kwargs())
    assert r.status_code == 201, r.json
    return sha256


def _blob_upload() -> tuple[str, Raw]:
    sha256, body = _photo()
    return f"{API}/sync/blobs/{sha256}", body


def _fresh_technician(client: FlaskClient, t: TenantWorld) -> str:
    body = {"user_id": _fresh_user(client, t), "branch_id": str(t.main)}
    return str(_owner(client, t, "POST", f"{API}/technicians", json=body)["id"])


def _fresh_time_off_url(client: FlaskClient, t: TenantWorld) -> str:
    tech = _fresh_technician(client, t)
    start = work.tomorrow()
    body = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=8)).isoformat()}
    entry = _owner(client, t, "POST", f"{API}/technicians/{tech}/time-off", json=body)
    return f"{API}/technicians/{tech}/time-off/{entry['id']}"


def _fresh_job_type(client: FlaskClient, t: TenantWorld) -> str:
    body = {"name": f"Type {uuid.uuid4().hex[:8]}", "default_duration_minutes": 45}
    return str(_owner(client, t, "POST", f"{API}/job-types", json=body)["id"])


def _my_job(client: FlaskClient, t: TenantWorld, dispatched: bool = False) -> str:
    """A job in the main branch assigned to the world's technician."""
    job = str(work.scheduled_job(client, t)["id"])
    if dispatched:
        _owner(client, t, "POST", f"{API}/jobs/{job}/transitions", json={"to": "dispatched"})
    return job


# A Sunday: nobody works, so a plan run of it is instant.
_SUNDAY = "2030-01-06"


def _plan_run(client: FlaskClient, t: TenantWorld) -> str:
    body = {"branch_id": str(t.main), "date": _SUNDAY}
    return str(_owner(client, t, "POST", f"{API}/scheduling/plans", json=body)["id"])


def _assign(client: FlaskClient, t: TenantWorld) -> tuple[str, dict[str, Any]]:
    """An unplanned job and its best suggestion for next Monday, as an assign request."""
    work.technician(client, t)
    job = work.job(client, t)["id"]
    monday = work.tomorrow().date()
    while monday.weekday() != 0:
        monday = monday.fromordinal(monday.toordinal() + 1)
    url = f"{API}/scheduling/jobs/{job}/suggestions?date={monday}"
    best = _owner(client, t, "GET", url)["suggestions"][0]
    body = {"technician_id": best["technician_id"], "start": best["start"]}
    return f"{API}/scheduling/jobs/{job}/assign", body


def _my_item_url(client: FlaskClient, t: TenantWorld) -> str:
    job = _my_job(client, t)
    item = _owner(client, t, "POST", f"{API}/jobs/{job}/checklist", json={"label": "Filter"})
    return f"{API}/jobs/{job}/checklist/{item['id']}"


def _my_attachment_url(client: FlaskClient, t: TenantWorld) -> str:
    job = _my_job(client, t)
    r = call(
        client,
        "POST",
        f"{API}/jobs/{job}/attachments",
        t["owner"],
        **Upload("a.jpg", b"jpeg").kwargs(),
    )
    assert r.status_code == 201, r.json
    return f"{API}/jobs/{job}/attachments/{r.json['id']}"


def _push_body(mutations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A first push of a new phone."""
    return {
        "client_group_id": str(uuid.uuid4()),
        "client_id": str(uuid.uuid4()),
        "schema_version": 1,
        "mutations": mutations or [],
    }


def _fresh_conflict(client: FlaskClient, t: TenantWorld) -> str:
    """The technician set off to a job the office cancelled meanwhile."""
    job = _my_job(client, t, dispatched=True)
    _owner(client, t, "POST", f"{API}/jobs/{job}/transitions", json={"to": "cancelled"})
    went = {"id": 1, "name": "job.en_route", "args": {"job_id": job}, "client_ts": "2026-01-01"}
    r = call(client, "POST", f"{API}/sync/push", t["technician"], json=_push_body([went]))
    assert r.status_code == 200 and r.json["results"][0]["status"] == "conflict", r.json
    return str(r.json["results"][0]["conflict_id"])


def _job_body(client: FlaskClient, t: TenantWorld) -> dict[str, Any]:
    where = work.site(client, t)
    return {"customer_id": where["customer_id"], "site_id": where["id"], "title": "Leak"}


def _a_module(client: FlaskClient, t: TenantWorld) -> str:
    """An installed module that can be set per branch."""
    r = call(client, "GET", f"{API}/modules?page_size=100", t["owner"])
    names = [m["name"] for m in r.json["items"] if m["level"] != "tenant"]
    assert names, "no installed module: run make install"
    return str(names[0])


def _switched_on(client: FlaskClient, t: TenantWorld, module: str) -> None:
    """Switch an installed module on in the main branch (the case then sends no body)."""
    body = {"branch_id": str(t.main), "enabled": True}
    _owner(client, t, "PATCH", f"{API}/modules/{module}", json=body)


def _own_token(client: FlaskClient, t: TenantWorld, role: str) -> str:
    r = call(client, "POST", f"{API}/tokens", t[role], json={"name": "spare"})
    assert r.status_code == 201, r.json
    return str(r.json["id"])


CASES: list[Case] = [
    Case("GET", "/me", ALL, lambda c, t, r: (f"{API}/me", None)),
    Case("GET", "/permissions", ALL, lambda c, t, r: (f"{API}/permissions", None)),
    Case("GET", "/tenant", ALL, lambda c, t, r: (f"{API}/tenant", None)),
    Case(
        "PATCH",
        "/tenant",
        frozenset({"owner"}),
        lambda c, t, r: (f"{API}/tenant", {"name": "Renamed Co"}),
    ),
    Case("GET", "/branches", ALL, lambda c, t, r: (f"{API}/branches", None)),
    Case(
        "POST",
        "/branches",
        OWNER_ADMIN,
        lambda c, t, r: (
            f"{API}/branches",
            {"name": f"N-{uuid.uuid4().hex[:6]}", "timezone": "Asia/Almaty"},
        ),
    ),
    Case(
        "GET", "/branches/<uuid:branch_id>", ALL, lambda c, t, r: (f"{API}/branches/{t.main}", None)
    ),
    Case(
        "PATCH",
        "/branches/<uuid:branch_id>",
        BRANCH_ADMINS,
        lambda c, t, r: (f"{API}/branches/{t.main}", {"address": "Abay 10"}),
    ),
    Case(
        "DELETE",
        "/branches/<uuid:branch_id>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/branches/{_fresh_branch(c, t)}", None),
    ),
    Case("GET", "/users", READERS, lambda c, t, r: (f"{API}/users", None)),
    Case(
        "POST",
        "/users",
        BRANCH_ADMINS,
        lambda c, t, r: (
            f"{API}/users",
            {"email": f"i-{uuid.uuid4().hex[:8]}@example.com", "name": "Invitee"},
        ),
    ),
    Case(
        "GET",
        "/users/<uuid:user_id>",
        READERS,
        lambda c, t, r: (f"{API}/users/{t['technician'].user_id}", None),
    ),
    Case(
        "PATCH",
        "/users/<uuid:user_id>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/users/{t['technician'].user_id}", {"name": "Renamed"}),
    ),
    Case(
        "DELETE",
        "/users/<uuid:user_id>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/users/{_fresh_user(c, t)}", None),
    ),
    Case(
        "GET",
        "/users/<uuid:user_id>/invitation",
        READERS,
        lambda c, t, r: (f"{API}/users/{t['technician'].user_id}/invitation", None),
    ),
    Case(
        "POST",
        "/users/<uuid:user_id>/invitation",
        BRANCH_ADMINS,
        lambda c, t, r: (f"{API}/users/{_fresh_invitee(c, t)}/invitation", None),
    ),
    Case("GET", "/roles", READERS, lambda c, t, r: (f"{API}/roles", None)),
    Case(
        "POST",
        "/roles",
        OWNER_ADMIN,
        lambda c, t, r: (
            f"{API}/roles",
            {"key": f"k_{uuid.uuid4().hex[:8]}", "name": "K", "permissions": ["user:read"]},
        ),
    ),
    Case("GET", "/roles/<string:key>", READERS, lambda c, t, r: (f"{API}/roles/dispatcher", None)),
    Case(
        "PATCH",
        "/roles/<string:key>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/roles/{_fresh_role(c, t)}", {"name": "Renamed"}),
    ),
    Case(
        "DELETE",
        "/roles/<string:key>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/roles/{_fresh_role(c, t)}", None),
    ),
    Case(
        "GET", "/role-assignments", BRANCH_ADMINS, lambda c, t, r: (f"{API}/role-assignments", None)
    ),
    Case(
        "POST",
        "/role-assignments",
        BRANCH_ADMINS,
        lambda c, t, r: (
            f"{API}/role-assignments",
            {"user_id": _fresh_user(c, t), "role": "technician", "branch_id": str(t.main)},
        ),
    ),
    Case(
        "GET",
        "/role-assignments/<uuid:assignment_id>",
        BRANCH_ADMINS,
        lambda c, t, r: (f"{API}/role-assignments/{_fresh_assignment(c, t)}", None),
    ),
    Case(
        "DELETE",
        "/role-assignments/<uuid:assignment_id>",
        BRANCH_ADMINS,
        lambda c, t, r: (f"{API}/role-assignments/{_fresh_assignment(c, t)}", None),
    ),
    Case("GET", "/tokens", ALL, lambda c, t, r: (f"{API}/tokens", None)),
    Case("POST", "/tokens", ALL, lambda c, t, r: (f"{API}/tokens", {"name": "ci"})),
    Case(
        "GET",
        "/tokens/<uuid:token_id>",
        ALL,
        lambda c, t, r: (f"{API}/tokens/{_own_token(c, t, r)}", None),
    ),
    Case(
        "DELETE",
        "/tokens/<uuid:token_id>",
        ALL,
        lambda c, t, r: (f"{API}/tokens/{_own_token(c, t, r)}", None),
    ),
    Case("GET", "/customers", CUSTOMER_READERS, lambda c, t, r: (f"{API}/customers", None)),
    Case(
        "POST",
        "/customers",
        CUSTOMER_EDITORS,
        lambda c, t, r: (f"{API}/customers", {"name": "Ерлан Сапаров", "phone": "87015550000"}),
    ),
    Case(
        "GET",
        "/customers/<uuid:customer_id>",
        CUSTOMER_READERS,
        lambda c, t, r: (f"{API}/customers/{_fresh_customer(c, t)}", None),
    ),
    Case(
        "PATCH",
        "/customers/<uuid:customer_id>",
        CUSTOMER_EDITORS,
        lambda c, t, r: (f"{API}/customers/{_fresh_customer(c, t)}", {"notes": "Gate code 4411"}),
    ),
    Case(
        "DELETE",
        "/customers/<uuid:customer_id>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/customers/{_fresh_customer(c, t)}", None),
    ),
    Case(
        "GET",
        "/customers/<uuid:customer_id>/contacts",
        CUSTOMER_READERS,
        lambda c, t, r: (f"{API}/customers/{_fresh_customer(c, t)}/contacts", None),
    ),
    Case(
        "POST",
        "/customers/<uuid:customer_id>/contacts",
        CUSTOMER_EDITORS,
        lambda c, t, r: (
            f"{API}/customers/{_fresh_customer(c, t)}/contacts",
            {"name": "Асель", "email": "asel@example.com"},
        ),
    ),
    Case(
        "GET",
        "/customers/<uuid:customer_id>/contacts/<uuid:contact_id>",
        CUSTOMER_READERS,
        lambda c, t, r: (_fresh_contact_url(c, t), None),
    ),
    Case(
        "PATCH",
        "/customers/<uuid:customer_id>/contacts/<uuid:contact_id>",
        CUSTOMER_EDITORS,
        lambda c, t, r: (_fresh_contact_url(c, t), {"phone": "87015550202"}),
    ),
    Case(
        "DELETE",
        "/customers/<uuid:customer_id>/contacts/<uuid:contact_id>",
        CUSTOMER_EDITORS,
        lambda c, t, r: (_fresh_contact_url(c, t), None),
    ),
    Case("GET", "/skills", ALL, lambda c, t, r: (f"{API}/skills", None)),
    Case(
        "POST",
        "/skills",
        BRANCH_ADMINS,
        lambda c, t, r: (f"{API}/skills", {"name": f"Skill {uuid.uuid4().hex[:6]}"}),
    ),
    Case(
        "GET",
        "/skills/<uuid:skill_id>",
        ALL,
        lambda c, t, r: (f"{API}/skills/{_fresh_skill(c, t)}", None),
    ),
    Case(
        "PATCH",
        "/skills/<uuid:skill_id>",
        BRANCH_ADMINS,
        lambda c, t, r: (f"{API}/skills/{_fresh_skill(c, t)}", {"description": "Split systems"}),
    ),
    Case(
        "DELETE",
        "/skills/<uuid:skill_id>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/skills/{_fresh_skill(c, t)}", None),
    ),
    Case("GET", "/sites", CUSTOMER_READERS, lambda c, t, r: (f"{API}/sites", None)),
    Case(
        "POST",
        "/sites",
        CUSTOMER_EDITORS,
        lambda c, t, r: (
            f"{API}/sites",
            {"customer_id": _fresh_customer(c, t), "branch_id": str(t.main), "address": "Abay 1"},
        ),
    ),
    Case(
        "GET",
        "/sites/<uuid:site_id>",
        CUSTOMER_READERS,
        lambda c, t, r: (f"{API}/sites/{work.site(c, t)['id']}", None),
    ),
    Case(
        "PATCH",
        "/sites/<uuid:site_id>",
        CUSTOMER_EDITORS,
        lambda c, t, r: (f"{API}/sites/{work.site(c, t)['id']}", {"label": "Office"}),
    ),
    Case(
        "DELETE",
        "/sites/<uuid:site_id>",
        CUSTOMER_EDITORS,
        lambda c, t, r: (f"{API}/sites/{work.site(c, t)['id']}", None),
    ),
    Case("GET", "/technicians", READERS, lambda c, t, r: (f"{API}/technicians", None)),
    Case(
        "POST",
        "/technicians",
        BRANCH_ADMINS,
        lambda c, t, r: (
            f"{API}/technicians",
            {"user_id": _fresh_user(c, t), "branch_id": str(t.main)},
        ),
    ),
    Case(
        "GET",
        "/technicians/<uuid:technician_id>",
        READERS,
        lambda c, t, r: (f"{API}/technicians/{_fresh_technician(c, t)}", None),
    ),
    Case(
        "PATCH",
        "/technicians/<uuid:technician_id>",
        BRANCH_ADMINS,
        lambda c, t, r: (f"{API}/technicians/{_fresh_technician(c, t)}", {"active": False}),
    ),
    Case(
        "DELETE",
        "/technicians/<uuid:technician_id>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/technicians/{_fresh_technician(c, t)}", None),
    ),
    Case(
        "GET",
        "/technicians/<uuid:technician_id>/time-off",
        READERS,
        lambda c, t, r: (f"{API}/technicians/{_fresh_technician(c, t)}/time-off", None),
    ),
    Case(
        "POST",
        "/technicians/<uuid:technician_id>/time-off",
        BRANCH_ADMINS,
        lambda c, t, r: (
            f"{API}/technicians/{_fresh_technician(c, t)}/time-off",
            {
                "starts_at": work.tomorrow().isoformat(),
                "ends_at": work.tomorrow(17).isoformat(),
                "reason": "sick",
            },
        ),
    ),
    Case(
        "GET",
        "/technicians/<uuid:technician_id>/time-off/<uuid:entry_id>",
        READERS,
        lambda c, t, r: (_fresh_time_off_url(c, t), None),
    ),
    Case(
        "DELETE",
        "/technicians/<uuid:technician_id>/time-off/<uuid:entry_id>",
        BRANCH_ADMINS,
        lambda c, t, r: (_fresh_time_off_url(c, t), None),
    ),
    Case("GET", "/job-types", ALL, lambda c, t, r: (f"{API}/job-types", None)),
    Case(
        "POST",
        "/job-types",
        BRANCH_ADMINS,
        lambda c, t, r: (f"{API}/job-types", {"name": f"Type {uuid.uuid4().hex[:8]}"}),
    ),
    Case(
        "GET",
        "/job-types/<uuid:job_type_id>",
        ALL,
        lambda c, t, r: (f"{API}/job-types/{_fresh_job_type(c, t)}", None),
    ),
    Case(
        "PATCH",
        "/job-types/<uuid:job_type_id>",
        BRANCH_ADMINS,
        lambda c, t, r: (f"{API}/job-types/{_fresh_job_type(c, t)}", {"description": "x"}),
    ),
    Case(
        "DELETE",
        "/job-types/<uuid:job_type_id>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/job-types/{_fresh_job_type(c, t)}", None),
    ),
    Case("GET", "/jobs", ALL, lambda c, t, r: (f"{API}/jobs", None)),
    Case("POST", "/jobs", DISPATCHERS, lambda c, t, r: (f"{API}/jobs", _job_body(c, t))),
    Case(
        "GET",
        "/jobs/<uuid:job_id>",
        ALL,
        lambda c, t, r: (f"{API}/jobs/{_my_job(c, t)}", None),
    ),
    Case(
        "PATCH",
        "/jobs/<uuid:job_id>",
        DISPATCHERS,
        lambda c, t, r: (f"{API}/jobs/{_my_job(c, t)}", {"priority": "high"}),
    ),
    Case(
        "DELETE",
        "/jobs/<uuid:job_id>",
        DISPATCHERS,
        lambda c, t, r: (f"{API}/jobs/{work.job(c, t)['id']}", None),
    ),
    Case(
        "GET",
        "/jobs/<uuid:job_id>/transitions",
        ALL,
        lambda c, t, r: (f"{API}/jobs/{_my_job(c, t)}/transitions", None),
    ),
    Case(
        "POST",
        "/jobs/<uuid:job_id>/transitions",
        WORKERS,
        lambda c, t, r: (
            f"{API}/jobs/{_my_job(c, t, dispatched=True)}/transitions",
            {"to": "en_route"},
        ),
    ),
    Case(
        "GET",
        "/jobs/<uuid:job_id>/checklist",
        ALL,
        lambda c, t, r: (f"{API}/jobs/{_my_job(c, t)}/checklist", None),
    ),
    Case(
        "POST",
        "/jobs/<uuid:job_id>/checklist",
        WORKERS,
        lambda c, t, r: (f"{API}/jobs/{_my_job(c, t)}/checklist", {"label": "Photos"}),
    ),
    Case(
        "GET",
        "/jobs/<uuid:job_id>/checklist/<uuid:item_id>",
        ALL,
        lambda c, t, r: (_my_item_url(c, t), None),
    ),
    Case(
        "PATCH",
        "/jobs/<uuid:job_id>/checklist/<uuid:item_id>",
        WORKERS,
        lambda c, t, r: (_my_item_url(c, t), {"done": True}),
    ),
    Case(
        "DELETE",
        "/jobs/<uuid:job_id>/checklist/<uuid:item_id>",
        WORKERS,
        lambda c, t, r: (_my_item_url(c, t), None),
    ),
    Case(
        "GET",
        "/jobs/<uuid:job_id>/attachments",
        ALL,
        lambda c, t, r: (f"{API}/jobs/{_my_job(c, t)}/attachments", None),
    ),
    Case(
        "POST",
        "/jobs/<uuid:job_id>/attachments",
        WORKERS,
        lambda c, t, r: (f"{API}/jobs/{_my_job(c, t)}/attachments", Upload("b.jpg", b"jpg")),
    ),
    Case(
        "GET",
        "/jobs/<uuid:job_id>/attachments/<uuid:attachment_id>",
        ALL,
        lambda c, t, r: (_my_attachment_url(c, t), None),
    ),
    Case(
        "DELETE",
        "/jobs/<uuid:job_id>/attachments/<uuid:attachment_id>",
        DISPATCHERS,
        lambda c, t, r: (_my_attachment_url(c, t), None),
    ),
    Case("GET", "/sync/pull", FIELD_WORKERS, lambda c, t, r: (f"{API}/sync/pull", None)),
    Case(
        "GET",
        "/sync/blobs/<string:sha256>",
        FIELD_WORKERS,
        lambda c, t, r: (f"{API}/sync/blobs/{_fresh_blob(c, t)}", None),
    ),
    Case("PUT", "/sync/blobs/<string:sha256>", FIELD_WORKERS, lambda c, t, r: _blob_upload()),
    Case("POST", "/sync/push", FIELD_WORKERS, lambda c, t, r: (f"{API}/sync/push", _push_body())),
    Case("GET", "/sync/conflicts", WORKERS, lambda c, t, r: (f"{API}/sync/conflicts", None)),
    Case(
        "GET",
        "/sync/conflicts/<uuid:conflict_id>",
        WORKERS,
        lambda c, t, r: (f"{API}/sync/conflicts/{_fresh_conflict(c, t)}", None),
    ),
    Case(
        "POST",
        "/sync/conflicts/<uuid:conflict_id>/resolve",
        DISPATCHERS,
        lambda c, t, r: (
            f"{API}/sync/conflicts/{_fresh_conflict(c, t)}/resolve",
            {"keep": "office"},
        ),
    ),
    Case(
        "GET",
        "/acme-warranty/registrations",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/acme-warranty/registrations", _switched_on(c, t, "acme_warranty")),
    ),
    Case(
        "GET",
        "/scheduling/board",
        READERS,
        lambda c, t, r: (f"{API}/scheduling/board?branch_id={t.main}", None),
    ),
    # The technician's own job: they may see it, not pin it (403, not 404).
    Case(
        "POST",
        "/scheduling/jobs/<uuid:job_id>/pin",
        DISPATCHERS,
        lambda c, t, r: (f"{API}/scheduling/jobs/{_my_job(c, t)}/pin", None),
    ),
    Case(
        "DELETE",
        "/scheduling/jobs/<uuid:job_id>/pin",
        DISPATCHERS,
        lambda c, t, r: (f"{API}/scheduling/jobs/{_my_job(c, t)}/pin", None),
    ),
    Case(
        "GET",
        "/scheduling/jobs/<uuid:job_id>/suggestions",
        READERS,
        lambda c, t, r: (f"{API}/scheduling/jobs/{_my_job(c, t)}/suggestions", None),
    ),
    Case(
        "POST", "/scheduling/jobs/<uuid:job_id>/assign", DISPATCHERS, lambda c, t, r: _assign(c, t)
    ),
    Case(
        "POST",
        "/scheduling/technicians/<uuid:technician_id>/unavailable",
        DISPATCHERS,
        lambda c, t, r: (
            f"{API}/scheduling/technicians/{work.technician(c, t)['id']}/unavailable",
            {"from": f"{_SUNDAY}T00:00:00Z", "to": f"{_SUNDAY}T23:00:00Z"},
        ),
    ),
    Case("GET", "/scheduling/plans", READERS, lambda c, t, r: (f"{API}/scheduling/plans", None)),
    Case(
        "POST",
        "/scheduling/plans",
        OWNER_ADMIN | {"branch_admin", "dispatcher"},
        lambda c, t, r: (f"{API}/scheduling/plans", {"branch_id": str(t.main), "date": _SUNDAY}),
    ),
    Case(
        "GET",
        "/scheduling/plans/<uuid:plan_id>",
        READERS,
        lambda c, t, r: (f"{API}/scheduling/plans/{_plan_run(c, t)}", None),
    ),
    Case(
        "POST",
        "/scheduling/plans/<uuid:plan_id>/apply",
        OWNER_ADMIN | {"branch_admin", "dispatcher"},
        lambda c, t, r: (f"{API}/scheduling/plans/{_plan_run(c, t)}/apply", None),
    ),
    Case(
        "POST",
        "/scheduling/plans/<uuid:plan_id>/discard",
        OWNER_ADMIN | {"branch_admin", "dispatcher"},
        lambda c, t, r: (f"{API}/scheduling/plans/{_plan_run(c, t)}/discard", None),
    ),
    Case("GET", "/audit-events", OWNER_ADMIN, lambda c, t, r: (f"{API}/audit-events", None)),
    Case("GET", "/modules", MODULE_READERS, lambda c, t, r: (f"{API}/modules", None)),
    Case(
        "GET",
        "/modules/<string:name>",
        MODULE_READERS,
        lambda c, t, r: (f"{API}/modules/{_a_module(c, t)}?branch_id={t.main}", None),
    ),
    Case(
        "PATCH",
        "/modules/<string:name>",
        BRANCH_ADMINS,
        lambda c, t, r: (
            f"{API}/modules/{_a_module(c, t)}",
            {"branch_id": str(t.main), "settings": {}},
        ),
    ),
    # timeout=0: the stream says hello and closes, so the test client can read it whole.
    # A technician's stream carries their own work only (tests/events/test_live_api.py).
    Case("GET", "/live", READERS | {"technician"}, lambda c, t, r: (f"{API}/live?timeout=0", None)),
]

# Beyond one row per route: the same route with arguments that need more rights.
EXTRA_CASES: list[Case] = [
    Case(
        "GET",
        "/tokens?user_id=<other>",
        OWNER_ADMIN,
        lambda c, t, r: (
            f"{API}/tokens?user_id={t['viewer' if r != 'viewer' else 'technician'].user_id}",
            None,
        ),
    ),
    Case(
        "POST",
        "/role-assignments (tenant-wide)",
        OWNER_ADMIN,
        lambda c, t, r: (
            f"{API}/role-assignments",
            {"user_id": _fresh_user(c, t), "role": "viewer", "branch_id": None},
        ),
    ),
    Case(
        "POST",
        "/role-assignments (other branch)",
        OWNER_ADMIN,
        lambda c, t, r: (
            f"{API}/role-assignments",
            {"user_id": _fresh_user(c, t), "role": "technician", "branch_id": str(t.other)},
        ),
    ),
    Case(
        "GET",
        "/live?branch=<main>",
        READERS,
        lambda c, t, r: (f"{API}/live?branch={t.main}&timeout=0", None),
    ),
    Case(
        "GET",
        "/live?branch=<other>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/live?branch={t.other}&timeout=0", None),
    ),
    Case(
        "PATCH",
        "/branches/<other branch>",
        OWNER_ADMIN,
        lambda c, t, r: (f"{API}/branches/{t.other}", {"address": "Dostyk 5"}),
    ),
]


def test_every_authenticated_route_is_in_the_matrix(app: Flask) -> None:
    from dala.api.gate import is_public

    listed = {(c.method, f"{API}{c.rule}") for c in CASES}
    missing = []
    with app.app_context():
        public = {r.endpoint for r in app.url_map.iter_rules() if is_public(r.endpoint)}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(f"{API}/") or rule.endpoint in public:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (method, rule.rule) not in listed:
                missing.append((method, rule.rule))
    assert not missing, f"add these to the permission matrix: {missing}"


@pytest.mark.parametrize("role", sorted(ROLE_SCOPES))
def test_role_gets_exactly_the_expected_answers(
    client: FlaskClient, world: World, role: str
) -> None:
    tenant = world.a
    wrong = []
    for case in CASES + EXTRA_CASES:
        url, body = case.prepare(client, tenant, role)
        sent = body.kwargs() if isinstance(body, Upload | Raw) else {"json": body}
        r = call(client, case.method, url, tenant[role], **sent)
        expected = "2xx" if role in case.allowed else 403
        got = "2xx" if 200 <= r.status_code < 300 else r.status_code
        if got != expected:
            wrong.append(
                (
                    case.method,
                    case.rule,
                    f"expected {expected}",
                    f"got {r.status_code}",
                    r.json if r.status_code >= 400 else None,
                )
            )
    assert not wrong, wrong


def test_forbidden_body_is_json_with_message(client: FlaskClient, world: World) -> None:
    r = call(
        client,
        "POST",
        f"{API}/branches",
        world.a["technician"],
        json={"name": "X", "timezone": "Asia/Almaty"},
    )
    assert r.status_code == 403
    assert r.json["code"] == 403 and r.json["message"] and r.json["errors"] == {}
