"""Sync conflicts on the dispatch board, in real Chromium: a job the office gave to another
technician while its technician worked it offline (pushed through the real sync API) shows
its conflict icon and the toolbar's "Conflicts (1)"; the job panel shows the office's change
against the technician's kept work; "Keep the technician's work" applies it. A viewer sees
the conflict but no buttons.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select

from dala.sync.models import ConflictStatus, SyncConflict
from dala.work.field_models import JobNote, PartUsage, TimeEntry
from dala.work.job_models import Attachment, ChecklistItem, Job, JobStatus
from dala.work.technicians import technician_of_user
from tests.browser.conftest import DESKTOP, shoot
from tests.support import work
from tests.support.world import PASSWORD, TenantWorld, World, call
from tests.sync.push_support import API, Phone, dispatched_job, get, move, tenant_db, uploaded

PNG = b"\x89PNG\r\n\x1a\n a boiler's nameplate"


def _sign_in(browser: Browser, live_server: str, t: TenantWorld, role: str) -> Page:
    context: BrowserContext = browser.new_context(
        base_url=live_server, viewport=DESKTOP, locale="en-US"
    )
    context.set_default_timeout(8_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Company ID").fill(t.slug)
    page.get_by_label("E-mail").fill(t[role].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-form").get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("user-menu")).to_be_visible()
    return page


def _worked_offline(app: Flask, client: FlaskClient, t: TenantWorld) -> tuple[dict[str, Any], str]:
    """A dispatched job given to another technician by the office, then worked to the end
    offline by its first technician: the push meets the change; the work waits."""
    job = dispatched_job(client, t, checklist=("Replace the filter", "Check the pressure"))
    items = get(client, t, f"/jobs/{job['id']}/checklist")["items"]
    other = work.technician(client, t, "dispatcher")
    moved = call(
        client,
        "PATCH",
        f"{API}/jobs/{job['id']}",
        t["dispatcher"],
        json={"technician_ids": [other["id"]]},
    )
    assert moved.status_code == 200, moved.json
    photo = uploaded(app, t, PNG, "image/png")
    now = datetime.now(UTC)
    phone = Phone(client, t["technician"])
    job_id = job["id"]
    answer = phone.push(
        phone.batch(
            ("job.en_route", {"job_id": job_id}),
            ("job.arrive", {"job_id": job_id}),
            ("checklist.set", {"job_id": job_id, "item_id": items[0]["id"], "done": True}),
            ("note.add", {"id": str(uuid.uuid4()), "job_id": job_id, "text": "Filter clogged"}),
            (
                "photo.attach",
                {"id": str(uuid.uuid4()), "job_id": job_id, "sha256": photo, "caption": "Plate"},
            ),
            (
                "part.use",
                {"id": str(uuid.uuid4()), "job_id": job_id, "name": "Air filter", "quantity": 2},
            ),
            (
                "time.log",
                {
                    "id": str(uuid.uuid4()),
                    "job_id": job_id,
                    "kind": "work",
                    "started_at": (now - timedelta(minutes=40)).isoformat(),
                    "ended_at": now.isoformat(),
                },
            ),
            ("job.complete", {"job_id": job_id}),
        )
    )
    assert {r["status"] for r in answer["results"]} == {"conflict"}, answer
    return job, answer["results"][0]["conflict_id"]


def test_a_dispatcher_keeps_the_technicians_offline_work_from_the_board(
    app: Flask, browser: Browser, live_server: str, world: World, screenshots: Path
) -> None:
    t = world.a
    with app.test_client() as client:
        job, conflict_id = _worked_offline(app, client, t)
    number = job["number"]
    day = work.tomorrow().date().isoformat()
    shots = screenshots / "dispatch"
    shots.mkdir(exist_ok=True)

    page = _sign_in(browser, live_server, t, "dispatcher")
    try:
        page.goto(f"/scheduling/board?date={day}&days=1")
        page.wait_for_function("document.body.dataset.boardReady === '1'", timeout=15_000)
        bar = page.locator(".vis-item.job", has_text=f"#{number} ")
        expect(bar.locator(".bi-exclamation-triangle-fill")).to_be_visible()
        badge = page.get_by_test_id("conflicts-badge")
        expect(badge).to_have_text("Conflicts (1)")

        # The toolbar's list finds the job; it opens the panel.
        badge.click()
        listed = page.get_by_test_id("conflict-job")
        expect(listed).to_have_count(1)
        expect(listed).to_contain_text(f"#{number} ")
        listed.click()
        panel = page.get_by_test_id("job-panel")
        expect(panel).to_be_visible()
        conflict = panel.get_by_test_id("conflict")
        expect(conflict).to_have_count(1)
        expect(conflict).to_contain_text("Gave the job to another technician.")
        expect(conflict).to_contain_text("Technician, ")  # who worked it offline
        work_lines = conflict.get_by_test_id("conflict-work")
        expect(work_lines).to_have_count(8)
        for text in (
            "On the way",
            "Arrived on site",
            "Ticked: Replace the filter",
            "Note: Filter clogged",
            "Photo: Plate",
            "Part: Air filter \u00d7 2",
            "Work time ",
            "Completed the job",
        ):
            expect(conflict).to_contain_text(text)
        # The panel slides in: shoot it once Bootstrap's transition is over.
        expect(page.locator("#job-panel.show:not(.showing)")).to_have_count(1)
        shoot(page, shots, "board-conflict-panel")

        page.get_by_test_id("keep-technician").click()
        expect(page.get_by_test_id("toast").last).to_have_text(
            f"Job #{number}: the technician's work was applied."
        )
        expect(conflict).to_have_count(0)
        expect(page.get_by_test_id("conflicts-menu")).to_be_hidden()
        expect(bar.locator(".bi-exclamation-triangle-fill")).to_have_count(0)
    finally:
        page.context.close()

    with tenant_db(app, t) as db:
        stored = db.get(SyncConflict, (t.tenant_id, uuid.UUID(conflict_id)))
        assert stored is not None
        assert (stored.status, stored.kept) == (ConflictStatus.RESOLVED, "technician")
        assert stored.resolved_by == t["dispatcher"].user_id
        row = db.get(Job, (t.tenant_id, uuid.UUID(job["id"])))
        assert row is not None and row.status == JobStatus.COMPLETED
        technician = technician_of_user(db, t["technician"].user_id)
        assert technician is not None and technician.id in row.technician_ids
        job_id = uuid.UUID(job["id"])

        def count(model: Any) -> int:
            return db.scalar(select(func.count()).where(model.job_id == job_id)) or 0

        kept = [count(m) for m in (JobNote, PartUsage, TimeEntry, Attachment)]
        assert kept == [1, 1, 1, 1]
        done = db.scalars(
            select(ChecklistItem.label).where(
                ChecklistItem.job_id == job_id, ChecklistItem.done.is_(True)
            )
        ).all()
        assert done == ["Replace the filter"]


def test_a_viewer_sees_the_conflicts_but_cannot_decide(
    app: Flask, browser: Browser, live_server: str, world: World
) -> None:
    t = world.a
    with app.test_client() as client:
        job, _conflict_id = _worked_offline(app, client, t)
        # Cancelled work is off the board; its conflict is still listed in the toolbar.
        cancelled = dispatched_job(client, t)
        move(client, t, cancelled["id"], "cancelled", role="dispatcher")
        phone = Phone(client, t["technician"])
        note = {"id": str(uuid.uuid4()), "job_id": cancelled["id"], "text": "Done anyway"}
        assert phone.push(phone.batch(("note.add", note)))["results"][0]["status"] == "conflict"
    page = _sign_in(browser, live_server, t, "viewer")
    try:
        page.goto(f"/scheduling/board?date={work.tomorrow().date().isoformat()}&days=1")
        page.wait_for_function("document.body.dataset.boardReady === '1'", timeout=15_000)
        expect(page.locator(".vis-item.job", has_text=f"#{cancelled['number']} ")).to_have_count(0)
        badge = page.get_by_test_id("conflicts-badge")
        expect(badge).to_have_text("Conflicts (2)")
        badge.click()
        page.get_by_test_id("conflict-job").filter(has_text=f"#{cancelled['number']} ").click()
        panel = page.get_by_test_id("job-panel")
        expect(page.locator("#job-panel-title")).to_contain_text(f"#{cancelled['number']} ")
        expect(panel.get_by_test_id("job-details")).to_contain_text("Cancelled")
        expect(panel.get_by_test_id("conflict-count")).to_contain_text("Open sync conflicts: 1")
        panel.get_by_role("button", name="Close").click()
        expect(panel).to_be_hidden()
        page.locator(".vis-item.job", has_text=f"#{job['number']} ").click()
        panel = page.get_by_test_id("job-panel")
        expect(panel.get_by_test_id("conflict-count")).to_contain_text("Open sync conflicts: 1")
        expect(panel.get_by_test_id("keep-technician")).to_have_count(0)
        expect(panel.get_by_test_id("keep-office")).to_have_count(0)
    finally:
        page.context.close()
