"""Sites, technicians (skills, hours, time off) and job types through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.support import work
from tests.support.world import World, call

API = "/api/v1"


def _fields(r: Any) -> set[str]:
    errors = dict(r.json["errors"])
    return set(errors) | set(errors.pop("json", {})) | set(errors.pop("query", {}))


def test_sites_keep_the_branch_time_zone_and_change_with_etags(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    site = work.site(client, t)
    assert site["timezone"] == "Asia/Almaty" and site["address"].startswith("пр. Абая")
    url = f"{API}/sites/{site['id']}"
    moved = call(
        client,
        "PATCH",
        url,
        t["owner"],
        json={"branch_id": str(t.other)},
        headers={"If-Match": f'"{site["version"]}"'},
    )
    assert moved.status_code == 200 and moved.json["timezone"] == "Europe/Moscow"
    stale = call(
        client,
        "PATCH",
        url,
        t["owner"],
        json={"label": "x"},
        headers={"If-Match": f'"{site["version"]}"'},
    )
    assert stale.status_code == 412
    listed = call(client, "GET", f"{API}/sites?customer_id={site['customer_id']}", t["viewer"])
    assert [s["id"] for s in listed.json["items"]] == [site["id"]]
    for bad, field in (({"latitude": 91}, "latitude"), ({"address": "  "}, "address")):
        r = call(client, "PATCH", url, t["owner"], json=bad)
        assert r.status_code == 422 and field in _fields(r), r.json
    job = work.job(client, t, customer_id=site["customer_id"], site_id=site["id"])
    assert call(client, "DELETE", url, t["owner"]).status_code == 409
    call(client, "DELETE", f"{API}/jobs/{job['id']}", t["owner"])
    assert call(client, "DELETE", url, t["owner"]).status_code == 204


def test_technicians_have_skills_hours_cost_and_time_off(client: FlaskClient, world: World) -> None:
    t = world.a
    hvac = work.skill(client, t, "HVAC")
    power = work.skill(client, t, "Electrical")
    tech = work.technician(
        client, t, skills=[{"skill_id": hvac["id"], "level": 4}, {"skill_id": power["id"]}]
    )
    assert tech["name"] and tech["currency"] == "KZT" and tech["hourly_cost_minor"] == 450000
    assert {(s["skill_id"], s["level"]) for s in tech["skills"]} == {
        (hvac["id"], 4),
        (power["id"], 3),
    }
    assert len(tech["working_hours"]) == 10
    url = f"{API}/technicians/{tech['id']}"

    def skilled(query: str) -> list[str]:
        r = call(client, "GET", f"{API}/technicians?{query}", t["dispatcher"])
        return [x["id"] for x in r.json["items"]]

    assert skilled(f"skill_id={hvac['id']}&min_level=4") == [tech["id"]]
    assert skilled(f"skill_id={power['id']}&min_level=4") == []
    r = call(
        client, "PATCH", url, t["owner"], json={"skills": [{"skill_id": power["id"], "level": 5}]}
    )
    assert r.status_code == 200 and r.json["version"] > tech["version"]
    assert skilled(f"skill_id={hvac['id']}") == []
    again = call(
        client,
        "POST",
        f"{API}/technicians",
        t["owner"],
        json={"user_id": str(t["technician"].user_id), "branch_id": str(t.main)},
    )
    assert again.status_code == 409 and "user_id" in _fields(again)
    bad_hours = [
        [{"weekday": 7, "start": "09:00", "end": "18:00"}],
        [{"weekday": 0, "start": "18:00", "end": "09:00"}],
        [{"weekday": 0, "start": "9:00", "end": "18:00"}],
        [
            {"weekday": 0, "start": "09:00", "end": "13:00"},
            {"weekday": 0, "start": "12:00", "end": "18:00"},
        ],
    ]
    for hours in bad_hours:
        r = call(client, "PATCH", url, t["owner"], json={"working_hours": hours})
        assert r.status_code == 422 and "working_hours" in _fields(r), (hours, r.json)
    assert call(client, "PATCH", url, t["owner"], json={"hourly_cost_minor": -1}).status_code == 422
    assert call(client, "PATCH", url, t["owner"], json={"currency": "XYZ"}).status_code == 422
    start = work.tomorrow()
    off = call(
        client,
        "POST",
        f"{url}/time-off",
        t["branch_admin"],
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(days=2)).isoformat(),
            "reason": "sick",
            "note": "Грипп",
        },
    )
    assert off.status_code == 201 and off.json["reason"] == "sick"
    backwards = call(
        client,
        "POST",
        f"{url}/time-off",
        t["owner"],
        json={"starts_at": start.isoformat(), "ends_at": (start - timedelta(hours=1)).isoformat()},
    )
    assert backwards.status_code == 422 and "ends_at" in _fields(backwards)
    naive = call(
        client,
        "POST",
        f"{url}/time-off",
        t["owner"],
        json={"starts_at": "2026-12-01T09:00:00", "ends_at": "2026-12-02T09:00:00"},
    )
    assert naive.status_code == 422
    listed = call(client, "GET", f"{url}/time-off", t["viewer"]).json
    assert [x["note"] for x in listed["items"]] == ["Грипп"]
    assert call(client, "DELETE", f"{url}/time-off/{off.json['id']}", t["owner"]).status_code == 204
    assert call(client, "GET", f"{url}/time-off", t["viewer"]).json["total"] == 0


def test_job_types_have_unique_names_skills_and_checklists(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    hvac = work.skill(client, t, "HVAC")
    kind = work.made(
        client,
        t,
        "/job-types",
        {
            "name": "AC installation",
            "default_duration_minutes": 180,
            "required_skills": [{"skill_id": hvac["id"], "min_level": 3}],
            "checklist_template": ["Mount the unit", "Vacuum the lines"],
        },
    )
    assert kind["required_skills"] == [{"skill_id": hvac["id"], "min_level": 3}]
    dup = call(client, "POST", f"{API}/job-types", t["owner"], json={"name": "ac INSTALLATION"})
    assert dup.status_code == 409 and "name" in _fields(dup)
    unknown = call(
        client,
        "POST",
        f"{API}/job-types",
        t["owner"],
        json={
            "name": "Other",
            "required_skills": [{"skill_id": "8f3c1b5e-0000-4000-8000-000000000000"}],
        },
    )
    assert unknown.status_code == 404
    job = work.job(client, t, job_type_id=kind["id"])
    assert job["required_skills"] == kind["required_skills"] and job["duration_minutes"] == 180
    found = call(client, "GET", f"{API}/job-types?q=install", t["technician"]).json["items"]
    assert [k["id"] for k in found] == [kind["id"]]
    assert call(client, "DELETE", f"{API}/job-types/{kind['id']}", t["owner"]).status_code == 204
    after = call(client, "GET", f"{API}/jobs/{job['id']}", t["owner"]).json
    assert after["job_type_id"] is None and after["required_skills"] == kind["required_skills"]
    assert after["version"] > job["version"]


def test_technicians_and_sites_are_managed_per_branch(client: FlaskClient, world: World) -> None:
    t = world.a
    elsewhere = work.technician(
        client, t, role="viewer", branch_id=str(t.other), home_address="Secret home 5"
    )
    url = f"{API}/technicians/{elsewhere['id']}"
    for role, method, body in (
        ("branch_admin", "PATCH", {"hourly_cost_minor": 1}),
        ("branch_admin", "DELETE", None),
        ("dispatcher", "GET", None),
    ):
        assert call(client, method, url, t[role], json=body).status_code == 403, (role, method)
    r = call(
        client,
        "POST",
        f"{url}/time-off",
        t["branch_admin"],
        json={"starts_at": work.tomorrow().isoformat(), "ends_at": work.tomorrow(17).isoformat()},
    )
    assert r.status_code == 403
    listed = call(client, "GET", f"{API}/technicians?page_size=100", t["dispatcher"]).get_data(True)
    assert elsewhere["id"] not in listed and "Secret home" not in listed
    own = work.technician(client, t)
    moved = call(
        client,
        "PATCH",
        f"{API}/technicians/{own['id']}",
        t["branch_admin"],
        json={"branch_id": str(t.other)},
    )
    assert moved.status_code == 403
    made = call(
        client,
        "POST",
        f"{API}/technicians",
        t["branch_admin"],
        json={"user_id": str(t["dispatcher"].user_id), "branch_id": str(t.other)},
    )
    assert made.status_code == 403
    # A site served by the other branch is changed there, not from the main branch.
    site = work.made(
        client,
        t,
        "/sites",
        {
            "customer_id": work.customer(client, t)["id"],
            "branch_id": str(t.other),
            "address": "Kunaev 2",
        },
    )
    r = call(client, "PATCH", f"{API}/sites/{site['id']}", t["dispatcher"], json={"label": "x"})
    assert r.status_code == 403
    assert call(client, "GET", f"{API}/sites/{site['id']}", t["dispatcher"]).status_code == 200


def test_assignments_need_active_technicians_of_a_branch_you_plan(
    client: FlaskClient, world: World
) -> None:
    t = world.a
    elsewhere = work.technician(client, t, role="viewer", branch_id=str(t.other))
    job = work.job(client, t)
    url = f"{API}/jobs/{job['id']}"
    r = call(client, "PATCH", url, t["dispatcher"], json={"technician_ids": [elsewhere["id"]]})
    assert r.status_code == 403
    assert (
        call(
            client, "PATCH", url, t["owner"], json={"technician_ids": [elsewhere["id"]]}
        ).status_code
        == 200
    )
    own = work.technician(client, t)
    call(client, "PATCH", f"{API}/technicians/{own['id']}", t["owner"], json={"active": False})
    r = call(client, "PATCH", url, t["owner"], json={"technician_ids": [own["id"]]})
    assert r.status_code == 422 and "technician_ids" in _fields(r)


def test_a_technician_with_work_under_way_is_not_deleted(client: FlaskClient, world: World) -> None:
    t = world.a
    busy = work.scheduled_job(client, t)
    tech_id = busy["technician_ids"][0]
    planned = work.job(client, t, technician_ids=[tech_id])
    for to in ("dispatched", "en_route"):
        call(client, "POST", f"{API}/jobs/{busy['id']}/transitions", t["owner"], json={"to": to})
    r = call(client, "DELETE", f"{API}/technicians/{tech_id}", t["owner"])
    assert r.status_code == 409 and f"#{busy['number']}" in r.json["message"]
    call(
        client, "POST", f"{API}/jobs/{busy['id']}/transitions", t["owner"], json={"to": "cancelled"}
    )
    assert call(client, "DELETE", f"{API}/technicians/{tech_id}", t["owner"]).status_code == 204
    after = call(client, "GET", f"{API}/jobs/{planned['id']}", t["owner"]).json
    assert after["technician_ids"] == [] and after["version"] > planned["version"]


def test_deleting_what_jobs_depend_on(client: FlaskClient, world: World) -> None:
    t = world.a
    job = work.job(client, t)
    r = call(client, "DELETE", f"{API}/customers/{job['customer_id']}", t["owner"])
    assert r.status_code == 409 and "jobs" in r.json["message"]
    hvac = work.skill(client, t, "HVAC")
    kind = work.made(
        client,
        t,
        "/job-types",
        {"name": "Service", "required_skills": [{"skill_id": hvac["id"], "min_level": 2}]},
    )
    tech = work.technician(client, t, skills=[{"skill_id": hvac["id"], "level": 4}])
    assert call(client, "DELETE", f"{API}/skills/{hvac['id']}", t["owner"]).status_code == 204
    assert (
        call(client, "GET", f"{API}/job-types/{kind['id']}", t["owner"]).json["required_skills"]
        == []
    )
    assert call(client, "GET", f"{API}/technicians/{tech['id']}", t["owner"]).json["skills"] == []


def test_files_sweep_command(app: Any, world: World) -> None:
    result = app.test_cli_runner().invoke(args=["files", "sweep", "--tenant", world.a.slug])
    assert result.exit_code == 0, result.output
    assert f"{world.a.slug}: 0 unused file(s) removed" in result.output
    missing = app.test_cli_runner().invoke(args=["files", "sweep", "--tenant", "no-such-co"])
    assert missing.exit_code != 0 and "no-such-co" in missing.output
