"""The technician app in real Chromium (390x844) against the app as a real server process
(``tests.support.server``) on the session's test database, which the tests stop, kill and
start again on the same port (the same origin, so the service worker and IndexedDB stay):

- offline *and* with the server stopped, a whole job and 20 more edits, a reload with no
  network, then the server back and the network back: every change on the server once;
- the server killed by ``DALA_SYNC_CRASH_AFTER`` in the middle of the app's push keeps
  nothing of the batch; started again, the app retries by itself and lands it once;
- a push whose answer is lost (it reached the server, the phone never heard back): the
  app sends the same batch again, the server answers ``replayed`` and stores it once.

A batch with one illegal mutation and a job reassigned while the phone was offline are
covered in ``tests/browser/test_technician_app.py``
(``test_work_the_office_refused_is_listed_with_its_reason_and_kept`` and
``test_office_changes_made_while_offline_show_as_conflicts_and_reassigned_jobs_leave``):
they test how the app shows the server's answer, which does not depend on where the
server runs.

The test data is made through the in-process app (``client``), whose requests commit, so
the server process sees it; what the server stored is counted in the database itself.
Screenshots go to tests/artifacts/screenshots/app-offline/.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Geolocation,
    Page,
    Route,
    ViewportSize,
    expect,
)
from sqlalchemy import func, select

from dala.sync.models import MutationStatus, SyncMutation
from dala.work.field_models import JobNote, PartUsage
from dala.work.job_models import Attachment, ChecklistItem, JobTransition, Source
from tests.browser.conftest import PHONE, shoot
from tests.browser.test_technician_app import (
    HERE,
    add_note,
    add_part,
    back_to_list,
    camera_photo,
    idb_count,
    indicator,
    open_job,
    sign_in,
    sign_on_pad,
    wait_for_worker,
)
from tests.conftest import TestDatabase
from tests.support.day import technicians_day
from tests.support.server import ServerProcess
from tests.support.world import TenantWorld, World
from tests.sync.push_support import tenant_db

SYNC_TIMEOUT = 20_000
# After a failed round the app waits 2 s, then 4, 8, 16 (loop.js); the server takes about
# a second to start again, so the retry that lands is the first or second one.
RETRY_TIMEOUT = 30_000


@pytest.fixture
def server(app: Flask, database: TestDatabase, tmp_path: Path) -> Iterator[ServerProcess]:
    """The server's address for the test (``app`` has migrated the database); each test
    starts the process itself, with its own switches."""
    with ServerProcess(database, tmp_path / "server.log") as process:
        yield process


@pytest.fixture
def phone(browser: Browser, server: ServerProcess) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=server.url,
        viewport=ViewportSize(width=PHONE["width"], height=PHONE["height"]),
        locale="en-US",
        timezone_id="Asia/Almaty",
        has_touch=True,
        geolocation=Geolocation(latitude=HERE["latitude"], longitude=HERE["longitude"]),
        permissions=["geolocation"],
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def shots(screenshots: Path) -> Path:
    folder = screenshots / "app-offline"
    folder.mkdir(exist_ok=True)
    return folder


class Watched:
    """A page whose script errors are collected: a sync bug often only logs."""

    def __init__(self, ctx: BrowserContext) -> None:
        self.page = ctx.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        # A request to a stopped server is logged by Chromium itself; that is expected here.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)


def on_server(app: Flask, t: TenantWorld) -> dict[str, Any]:
    """What the technician's work left in the database, row by row (the world's tenants are
    this test's own). Lists, not counts, where a duplicate would hide in a count."""
    with tenant_db(app, t) as db:

        def rows(model: Any, *where: Any) -> int:
            return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        mutations = db.execute(
            select(SyncMutation.mutation_id, SyncMutation.status).order_by(SyncMutation.mutation_id)
        ).all()
        return {
            "transitions": sorted(
                str(s)
                for s in db.scalars(
                    select(JobTransition.to_status).where(JobTransition.source == Source.APP)
                )
            ),
            "notes": sorted(db.scalars(select(JobNote.text))),
            "attachments": sorted(str(k) for k in db.scalars(select(Attachment.kind))),
            "parts": sorted(db.scalars(select(PartUsage.name))),
            "ticked": rows(ChecklistItem, ChecklistItem.done.is_(True)),
            "mutation_ids": [m.mutation_id for m in mutations],
            "not_applied": [m.mutation_id for m in mutations if m.status != MutationStatus.APPLIED],
        }


NOTHING = {
    "transitions": [],
    "notes": [],
    "attachments": [],
    "parts": [],
    "ticked": 0,
    "mutation_ids": [],
    "not_applied": [],
}


def signed_in_day(ctx: BrowserContext, client: FlaskClient, t: TenantWorld) -> Watched:
    """The technician's day on the phone, synced, with the service worker in charge."""
    technicians_day(client, t)
    phone = Watched(ctx)
    sign_in(phone.page, t)
    expect(phone.page.get_by_test_id("job-card")).to_have_count(3)
    expect(indicator(phone.page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    wait_for_worker(phone.page)
    return phone


def some_work(page: Page, tag: str) -> int:
    """On the way to the first job, there, its checklist ticked, a note and a part; a note on
    the second job. The number of mutations (8)."""
    page.get_by_test_id("job-card").nth(0).get_by_role("button", name="On my way").click()
    expect(page.get_by_test_id("job-title")).to_have_text("AC not cooling")
    page.get_by_test_id("next-step").click()  # arrived
    expect(page.get_by_test_id("next-step")).to_have_text("Complete")
    items = page.get_by_test_id("checklist-item")
    for i in range(3):
        items.nth(i).click()
        expect(items.nth(i)).to_have_attribute("aria-pressed", "true")
    add_note(page, f"{tag}: filters were clogged.")
    add_part(page, f"{tag} filter F-200")
    back_to_list(page)
    open_job(page, "Boiler service")
    add_note(page, f"{tag}: gate code changed to 4411.")
    back_to_list(page)
    return 8


def some_work_on_server(tag: str) -> dict[str, Any]:
    return {
        "transitions": ["en_route", "on_site"],
        "notes": sorted([f"{tag}: filters were clogged.", f"{tag}: gate code changed to 4411."]),
        "attachments": [],
        "parts": [f"{tag} filter F-200"],
        "ticked": 3,
        "mutation_ids": list(range(1, 9)),
        "not_applied": [],
    }


def test_offline_with_the_server_stopped_every_change_lands_once(
    phone: BrowserContext,
    server: ServerProcess,
    app: Flask,
    client: FlaskClient,
    world: World,
    shots: Path,
) -> None:
    t = world.a
    server.start()
    watched = signed_in_day(phone, client, t)
    page = watched.page
    cards = page.get_by_test_id("job-card")
    before = on_server(app, t)
    assert before == NOTHING

    # --- no network, and no server either ---------------------------------------------
    phone.set_offline(True)
    assert server.stop() == -signal.SIGTERM
    expect(indicator(page)).to_have_text("Offline")
    photo = camera_photo(page)

    # A whole job: on my way, arrived, the checklist, a photo, a part, and the finishing
    # sheet's note, signature and completion.
    cards.nth(0).get_by_role("button", name="On my way").click()  # and the job opens
    expect(page.get_by_test_id("job-title")).to_have_text("AC not cooling")
    page.get_by_test_id("next-step").click()  # arrived
    expect(page.get_by_test_id("next-step")).to_have_text("Complete")
    items = page.get_by_test_id("checklist-item")
    for i in range(3):
        items.nth(i).click()
        expect(items.nth(i)).to_have_attribute("aria-pressed", "true")
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("take-photo").click()
    chooser.value.set_files({"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo})
    expect(page.get_by_test_id("photo")).to_have_count(1)
    add_part(page, "Filter F-200")
    # Complete opens the finishing sheet. Its signature pad is sized (and so cleared) once
    # the sheet has faded in: sign after that, as a customer handed the phone does.
    page.evaluate(
        "() => { window.sheetShown = false; document.addEventListener("
        "'shown.bs.modal', () => { window.sheetShown = true; }, {once: true}); }"
    )
    page.get_by_test_id("next-step").click()
    page.wait_for_function("window.sheetShown === true", polling=50)
    expect(page.locator("#signer-name")).to_have_value("Айгерим Нурланова")
    page.locator("#finish-note").fill("Refrigerant topped up, filters cleaned.")
    sign_on_pad(page)
    page.get_by_test_id("finish-submit").click()
    expect(page.get_by_test_id("finish-sheet")).to_be_hidden()
    expect(page.get_by_test_id("job-detail").get_by_test_id("status").first).to_have_text(
        "Completed"
    )
    whole_job = 10  # 2 steps, 3 ticks, photo, part, note, signature, complete
    expect(indicator(page)).to_have_text(f"Offline · {whole_job} changes waiting")

    # 20 more edits across the other two jobs.
    back_to_list(page)
    open_job(page, "Boiler service")
    page.get_by_test_id("next-step").click()  # on my way
    page.get_by_test_id("next-step").click()  # arrived
    boiler_items = page.get_by_test_id("checklist-item")
    for i in range(2):
        boiler_items.nth(i).click()
        expect(boiler_items.nth(i)).to_have_attribute("aria-pressed", "true")
    add_note(page, "Burner nozzle worn, replaced.")
    add_note(page, "Customer asks for a quote on a new expansion tank.")
    add_note(page, "Pressure after service: 1.5 bar.")
    add_part(page, "Burner nozzle 0.6 gal", "1", "BN-06")
    add_part(page, "Copper pipe 15 mm", "1.5")
    page.get_by_role("button", name="Put on hold").click()
    page.locator("#reason-text").fill("Waiting for the expansion tank")
    page.get_by_test_id("reason-submit").click()
    expect(page.get_by_test_id("job-detail").get_by_test_id("status").first).to_have_text("On hold")
    back_to_list(page)
    open_job(page, "Leak under the sink")
    page.get_by_test_id("next-step").click()  # on my way
    leak = page.get_by_test_id("checklist-item").nth(0)
    for pressed in ("true", "false", "true"):  # ticked, unticked, ticked again
        leak.click()
        expect(leak).to_have_attribute("aria-pressed", pressed)
    for text in (
        "Stuck in traffic on Tole bi, 15 minutes late.",
        'Bring a 1/2" seal kit.',
        "Neighbour below reports a damp ceiling.",
        "The customer is home until 18:00.",
    ):
        add_note(page, text)
    add_part(page, 'Seal kit 1/2"', "2")
    add_part(page, "PTFE tape")
    pending = whole_job + 10 + 10
    expect(indicator(page)).to_have_text(f"Offline · {pending} changes waiting")
    back_to_list(page)

    # --- the app reloads with no network and no server: nothing is lost ---------------
    page.reload()
    expect(cards).to_have_count(3)
    expect(indicator(page)).to_have_text(f"Offline · {pending} changes waiting")
    expect(cards.nth(0).get_by_test_id("status")).to_have_text("Completed")
    expect(cards.nth(1).get_by_test_id("status")).to_have_text("On hold")
    expect(cards.nth(2).get_by_test_id("status")).to_have_text("On the way")
    assert idb_count(page, "outbox") == pending
    shoot(page, shots, "01-offline-server-stopped")
    assert on_server(app, t) == NOTHING  # all of it is on the phone only

    # --- the server is back, then the network -------------------------------------------
    server.start()
    phone.set_offline(False)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    assert idb_count(page, "outbox") == 0
    assert idb_count(page, "problems") == 0
    shoot(page, shots, "02-synced")

    expected = {
        "transitions": sorted(
            [
                *("en_route", "on_site", "completed"),  # AC not cooling
                *("en_route", "on_site", "on_hold"),  # boiler
                "en_route",  # leak
            ]
        ),
        "notes": sorted(
            [
                "Refrigerant topped up, filters cleaned.",
                "Burner nozzle worn, replaced.",
                "Customer asks for a quote on a new expansion tank.",
                "Pressure after service: 1.5 bar.",
                "Stuck in traffic on Tole bi, 15 minutes late.",
                'Bring a 1/2" seal kit.',
                "Neighbour below reports a damp ceiling.",
                "The customer is home until 18:00.",
            ]
        ),
        "attachments": ["photo", "signature"],
        "parts": sorted(
            [
                "Filter F-200",
                "Burner nozzle 0.6 gal",
                "Copper pipe 15 mm",
                'Seal kit 1/2"',
                "PTFE tape",
            ]
        ),
        "ticked": 3 + 2 + 1,
        "mutation_ids": list(range(1, pending + 1)),  # one outcome per mutation, each once
        "not_applied": [],
    }
    assert on_server(app, t) == expected

    # Another round (a reload syncs at start) sends nothing twice.
    page.reload()
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    assert on_server(app, t) == expected
    assert not watched.errors, watched.errors


def test_a_server_killed_mid_push_keeps_nothing_and_the_app_retries_by_itself(
    phone: BrowserContext,
    server: ServerProcess,
    app: Flask,
    client: FlaskClient,
    world: World,
    shots: Path,
) -> None:
    t = world.a
    server.start(SYNC_CRASH_AFTER="3")  # dies after 3 mutations of a batch, before commit
    watched = signed_in_day(phone, client, t)
    page = watched.page

    phone.set_offline(True)
    made = some_work(page, "Crash")
    expect(indicator(page)).to_have_text(f"Offline · {made} changes waiting")
    assert on_server(app, t) == NOTHING

    phone.set_offline(False)  # the push of all 8 starts, and kills the server
    assert server.wait() == -signal.SIGKILL
    assert on_server(app, t) == NOTHING  # not one mutation of the batch
    expect(indicator(page)).to_have_text(f"{made} changes waiting")  # kept, to send again
    assert idb_count(page, "outbox") == made
    shoot(page, shots, "03-server-down-changes-waiting")

    server.start()  # without the switch; the app is not told, it retries on its own
    expect(indicator(page)).to_contain_text("All synced", timeout=RETRY_TIMEOUT)
    assert idb_count(page, "outbox") == 0
    assert idb_count(page, "problems") == 0
    assert on_server(app, t) == some_work_on_server("Crash")
    shoot(page, shots, "04-synced-after-crash")
    assert not watched.errors, watched.errors


def test_a_push_whose_answer_is_lost_is_sent_again_and_replayed(
    phone: BrowserContext,
    server: ServerProcess,
    app: Flask,
    client: FlaskClient,
    world: World,
) -> None:
    t = world.a
    server.start()
    watched = signed_in_day(phone, client, t)
    page = watched.page

    pushes: list[dict[str, Any]] = []

    def lose_the_first_answer(route: Route) -> None:
        # The request reaches the server (route.fetch), which commits the batch; the first
        # time the phone gets a dropped connection instead of the answer.
        answer = route.fetch()
        pushes.append({"sent": route.request.post_data_json, "answer": answer.json()})
        if len(pushes) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=answer)

    # On the context, so a push from the service worker (Background Sync) is caught too.
    phone.route("**/api/v1/sync/push", lose_the_first_answer)
    phone.set_offline(True)
    made = some_work(page, "Lost")
    expect(indicator(page)).to_have_text(f"Offline · {made} changes waiting")
    phone.set_offline(False)
    expect(indicator(page)).to_contain_text("All synced", timeout=RETRY_TIMEOUT)

    assert len(pushes) == 2, [p["answer"] for p in pushes]
    first, second = pushes
    assert len(first["sent"]["mutations"]) == made
    assert second["sent"] == first["sent"]  # the same batch: same client, ids, args, times
    assert [r["status"] for r in first["answer"]["results"]] == ["applied"] * made
    assert "replayed" not in str(first["answer"])
    assert second["answer"]["results"] == [
        r | {"replayed": True} for r in first["answer"]["results"]
    ]
    assert idb_count(page, "outbox") == 0
    assert idb_count(page, "problems") == 0
    assert on_server(app, t) == some_work_on_server("Lost")
    assert not watched.errors, watched.errors
