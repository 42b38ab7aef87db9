# ruff: noqa: RUF001 - Russian names and addresses, and the multiplication sign of "1 x part"
"""The technician app in real Chromium at phone size (390x844): sign in once, load the
day, lose the network, work a whole job and more, reload with no network (the service
worker starts the app, IndexedDB still holds the work), get the network back and find
every change on the server exactly once.

Every screen is photographed under tests/artifacts/screenshots/app/.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import PHONE, shoot, translator
from tests.support import work
from tests.support.day import move, phone_view, technicians_day
from tests.support.world import PASSWORD, TenantWorld, World, call

# Where the phone is: about 1.4 km from the first job's site.
HERE = {"latitude": 43.2470, "longitude": 76.8990}
SYNC_TIMEOUT = 20_000


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    """A phone in Almaty that lets the app know where it is."""
    ctx = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        locale="en-US",
        timezone_id="Asia/Almaty",
        has_touch=True,
        geolocation=HERE,
        permissions=["geolocation"],
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def shots(screenshots: Path) -> Path:
    folder = screenshots / "app"
    folder.mkdir(exist_ok=True)
    return folder


class Taps:
    """Counts the technician's taps (typing and drawing the signature are not taps)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, target: Locator) -> None:
        target.click()
        self.count += 1


def sign_in(page: Page, t: TenantWorld) -> None:
    page.goto("/app")
    page.get_by_label("Company ID").fill(t.slug)
    page.get_by_label("E-mail").fill(t["technician"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def indicator(page: Page) -> Locator:
    return page.get_by_test_id("sync-indicator")


def wait_for_worker(page: Page) -> None:
    """The service worker holds the app's files and controls the page.

    It claims the page it was installed from; should Chromium leave that first page
    to the network, the next load is the worker's anyway (what offline starts need).
    """
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    controlled = "navigator.serviceWorker.controller !== null"
    try:
        page.wait_for_function(controlled, polling=100, timeout=3_000)
    except PlaywrightTimeout:
        page.reload()
        page.wait_for_function(controlled, polling=100)


def idb_count(page: Page, store: str) -> int:
    return int(
        page.evaluate(
            """store => new Promise((ok, ko) => {
                const open = indexedDB.open("dala-technician");
                open.onsuccess = () => {
                    const req = open.result.transaction(store).objectStore(store).count();
                    req.onsuccess = () => { ok(req.result); open.result.close(); };
                    req.onerror = ko;
                };
                open.onerror = ko;
            })""",
            store,
        )
    )


def camera_photo(page: Page) -> bytes:
    """A 4000x3000 JPEG like a phone camera's, drawn by the browser itself."""
    data = page.evaluate(
        """() => {
            const c = document.createElement("canvas");
            c.width = 4000; c.height = 3000;
            const x = c.getContext("2d");
            const g = x.createLinearGradient(0, 0, 4000, 3000);
            g.addColorStop(0, "#5b7fa6"); g.addColorStop(1, "#d9c9a3");
            x.fillStyle = g; x.fillRect(0, 0, 4000, 3000);
            x.fillStyle = "#eee"; x.fillRect(900, 700, 2200, 1500);
            x.fillStyle = "#555";
            for (let i = 0; i < 40; i++) x.fillRect(1000 + i * 50, 900, 20, 1100);
            // Detail JPEG cannot squeeze, so the photo stays large enough to go up in parts.
            const noise = x.getImageData(0, 1800, 4000, 1200);
            for (let i = 0; i < noise.data.length; i++) noise.data[i] = (i * 7919) % 251;
            x.putImageData(noise, 0, 1800);
            return c.toDataURL("image/jpeg", 0.92).split(",")[1];
        }"""
    )
    return base64.b64decode(data)


def sign_on_pad(page: Page) -> None:
    pad = page.get_by_test_id("signature-pad")
    box = pad.bounding_box()
    assert box
    x, y = box["x"], box["y"]
    page.mouse.move(x + 40, y + 140)
    page.mouse.down()
    for px, py in ((90, 60), (130, 150), (170, 70), (220, 140), (300, 90)):
        page.mouse.move(x + px, y + py, steps=6)
    page.mouse.up()


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame segment."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        i += 2 + length
    raise AssertionError("no start-of-frame in the JPEG")


def open_job(page: Page, title: str) -> None:
    page.get_by_test_id("job-card").filter(has_text=title).get_by_role("link").click()
    expect(page.get_by_test_id("job-title")).to_have_text(title)


def back_to_list(page: Page) -> None:
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("job-list")).to_be_visible()


def add_note(page: Page, text: str) -> None:
    page.locator("#note-text").fill(text)
    page.get_by_test_id("add-note").click()
    expect(page.get_by_test_id("note").filter(has_text=text)).to_be_visible()


def add_part(page: Page, name: str, quantity: str = "1", sku: str = "") -> None:
    page.get_by_test_id("add-part").click()
    page.locator("#part-name").fill(name)
    page.locator("#part-sku").fill(sku)
    page.locator("#part-qty").fill(quantity)
    page.get_by_test_id("save-part").click()
    expect(page.get_by_test_id("part").filter(has_text=name)).to_be_visible()


def server_texts(records: list[dict[str, Any]], field: str) -> list[str]:
    return sorted(str(r[field]) for r in records)


def test_a_whole_day_offline_reaches_the_office_exactly_once(
    phone: BrowserContext, client: FlaskClient, world: World, shots: Path
) -> None:
    t = world.a
    first, second, third = technicians_day(client, t)
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto("/app")
    expect(page.get_by_role("heading", name="Technician sign-in")).to_be_visible()
    shoot(page, shots, "01-sign-in")
    sign_in(page, t)

    # The day: in start order, with time, customer, address, status and distance.
    cards = page.get_by_test_id("job-card")
    expect(cards).to_have_count(3)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    expect(cards.nth(0)).to_contain_text("Айгерим Нурланова")
    expect(cards.nth(0)).to_contain_text("10:00")
    expect(cards.nth(1)).to_contain_text("ТОО «Самал Строй»")
    expect(cards.nth(2)).to_contain_text("Ерлан Садыков")
    expect(cards.nth(0).get_by_test_id("status")).to_have_text("Dispatched")
    expect(cards.nth(0).get_by_test_id("distance")).to_have_text(re.compile(r"^1\.\d km$"))
    expect(page.get_by_test_id("day-count")).to_have_text("3 jobs to do")
    wait_for_worker(page)
    version = re.search(r'const VERSION = "(\w+)"', client.get("/app/sw.js").text)
    assert version
    assert page.evaluate("caches.keys()") == [f"dala-app-{version.group(1)}"]
    shoot(page, shots, "02-day")
    page.get_by_test_id("day-tomorrow").click()
    expect(page.get_by_test_id("no-jobs")).to_be_visible()
    page.get_by_test_id("day-today").click()
    expect(cards).to_have_count(3)

    # --- no network from here -----------------------------------------------------------
    phone.set_offline(True)
    expect(indicator(page)).to_have_text("Offline")
    photo = camera_photo(page)

    tap = Taps()
    tap(cards.nth(0).get_by_role("button", name="On my way"))  # and the job opens
    expect(page.get_by_test_id("job-title")).to_have_text("AC not cooling")
    expect(page.get_by_test_id("job-detail").get_by_test_id("status").first).to_have_text(
        "On the way"
    )
    expect(indicator(page)).to_have_text("Offline · 1 change waiting")
    expect(page.get_by_test_id("access-notes")).to_have_text("Домофон 12, 3 этаж")
    expect(page.get_by_test_id("navigate")).to_have_attribute(
        "href", re.compile(r"^geo:43\.2389,76\.8897")
    )
    expect(page.get_by_test_id("call")).to_have_attribute("href", "tel:+77015550101")
    shoot(page, shots, "03-job-on-the-way")
    tap(page.get_by_test_id("next-step"))  # Arrived
    expect(page.get_by_test_id("next-step")).to_have_text("Complete")
    items = page.get_by_test_id("checklist-item")
    for i in range(3):
        tap(items.nth(i))
        expect(items.nth(i)).to_have_attribute("aria-pressed", "true")
    with page.expect_file_chooser() as chooser:
        tap(page.get_by_test_id("take-photo"))
    chooser.value.set_files({"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo})
    expect(page.get_by_test_id("photo")).to_have_count(1)
    expect(page.get_by_test_id("photo").locator("img")).to_be_visible()
    tap(page.get_by_test_id("add-part"))
    page.locator("#part-name").fill("Filter F-200")
    tap(page.get_by_test_id("save-part"))
    expect(page.get_by_test_id("part")).to_have_text(re.compile(r"1 ×\s*Filter F-200"))
    shoot(page, shots, "04-job-on-site")
    tap(page.get_by_test_id("next-step"))  # Complete: the finishing sheet
    sheet = page.get_by_test_id("finish-sheet")
    expect(sheet).to_be_visible()
    expect(page.locator("#signer-name")).to_have_value("Айгерим Нурланова")
    tap(page.locator("#finish-note"))
    page.locator("#finish-note").fill("Refrigerant topped up, filters cleaned.")
    sign_on_pad(page)
    page.wait_for_timeout(300)  # the sheet's fade-in has ended: a still picture
    page.screenshot(path=str(shots / "05-finish-sheet-phone.png"))
    tap(page.get_by_test_id("finish-submit"))
    expect(sheet).to_be_hidden()
    expect(page.get_by_test_id("job-detail").get_by_test_id("status").first).to_have_text(
        "Completed"
    )
    expect(page.get_by_test_id("signature")).to_contain_text("Айгерим Нурланова")
    assert tap.count <= 12, f"the whole job took {tap.count} taps"
    assert tap.count == 11
    waiting_after_job = 1 + 1 + 3 + 1 + 1 + 1 + 1 + 1  # steps, ticks, photo, part, note, sign, done
    expect(indicator(page)).to_have_text(f"Offline · {waiting_after_job} changes waiting")
    shoot(page, shots, "06-job-completed")

    # --- more work across the other jobs, still offline ------------------------------
    back_to_list(page)
    open_job(page, "Boiler service")
    page.get_by_test_id("next-step").click()  # on my way
    page.get_by_test_id("next-step").click()  # arrived
    boiler_items = page.get_by_test_id("checklist-item")
    boiler_items.nth(0).click()
    boiler_items.nth(1).click()
    add_note(page, "Burner nozzle worn, replaced.")
    add_note(page, "Customer asks for a quote on a new expansion tank.")
    add_part(page, "Burner nozzle 0.6 gal", "1", "BN-06")
    add_part(page, "Copper pipe 15 mm", "1.5")
    add_note(page, "Pressure after service: 1.5 bar.")
    page.get_by_role("button", name="Put on hold").click()
    page.locator("#reason-text").fill("Waiting for the expansion tank")
    page.wait_for_timeout(300)  # the sheet's fade-in has ended
    page.screenshot(path=str(shots / "07-hold-sheet-phone.png"))
    page.get_by_test_id("reason-submit").click()
    expect(page.get_by_test_id("job-detail").get_by_test_id("status").first).to_have_text("On hold")
    back_to_list(page)
    open_job(page, "Leak under the sink")
    page.get_by_test_id("next-step").click()  # on my way
    leak_items = page.get_by_test_id("checklist-item")
    leak_items.nth(0).click()
    expect(leak_items.nth(0)).to_have_attribute("aria-pressed", "true")
    leak_items.nth(0).click()  # untick
    expect(leak_items.nth(0)).to_have_attribute("aria-pressed", "false")
    leak_items.nth(0).click()  # and tick again
    add_note(page, "Stuck in traffic on Tole bi, 15 minutes late.")
    add_note(page, 'Bring a 1/2" seal kit.')
    add_note(page, "Neighbour below reports a damp ceiling.")
    add_note(page, "The customer is home until 18:00.")
    add_part(page, 'Seal kit 1/2"', "2")
    add_part(page, "PTFE tape", "1")
    # Boiler: 2 steps, 2 ticks, 3 notes, 2 parts, hold; leak: a step, 3 ticks, 4 notes, 2 parts.
    more_edits = 10 + 10
    pending = waiting_after_job + more_edits
    expect(indicator(page)).to_have_text(f"Offline · {pending} changes waiting")
    back_to_list(page)
    expect(cards.nth(0).get_by_test_id("status")).to_have_text("Completed")
    expect(cards.nth(1).get_by_test_id("status")).to_have_text("On hold")
    expect(cards.nth(2).get_by_test_id("status")).to_have_text("On the way")
    shoot(page, shots, "08-day-offline-waiting")

    # --- the phone reloads the app with no network: nothing is lost -------------------
    page.reload()
    expect(cards).to_have_count(3)
    expect(indicator(page)).to_have_text(f"Offline · {pending} changes waiting")
    expect(cards.nth(0).get_by_test_id("status")).to_have_text("Completed")
    assert idb_count(page, "outbox") == pending
    assert page.evaluate("fetch('/api/v1/me').then(() => 'answered', () => 'failed')") == (
        "failed"  # the service worker never answers for the API
    )
    open_job(page, "AC not cooling")
    expect(page.get_by_test_id("photo").locator("img")).to_be_visible()  # kept in IndexedDB
    back_to_list(page)

    # --- the network is back -----------------------------------------------------------
    phone.set_offline(False)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    assert idb_count(page, "outbox") == 0
    assert idb_count(page, "problems") == 0
    shoot(page, shots, "09-day-synced")

    office = phone_view(client, t)
    ac, boiler, leak = office[first["id"]], office[second["id"]], office[third["id"]]
    steps = [(s["from_status"], s["to_status"], s["source"]) for s in ac["status_history"]]
    assert steps[-3:] == [
        ("dispatched", "en_route", "app"),
        ("en_route", "on_site", "app"),
        ("on_site", "completed", "app"),
    ]
    assert ac["status"] == "completed"
    assert all(item["done"] for item in ac["checklist"])
    assert server_texts(ac["notes"], "text") == ["Refrigerant topped up, filters cleaned."]
    assert [(p["name"], p["quantity"]) for p in ac["parts"]] == [("Filter F-200", 1)]
    kinds = sorted(a["kind"] for a in ac["attachments"])
    assert kinds == ["photo", "signature"]
    signature = next(a for a in ac["attachments"] if a["kind"] == "signature")
    assert signature["signer_name"] == "Айгерим Нурланова"
    picture = next(a for a in ac["attachments"] if a["kind"] == "photo")
    stored = call(client, "GET", picture["url"], t["owner"])
    assert stored.status_code == 200
    assert max(jpeg_size(stored.data)) == 1600  # downscaled on the phone from 4000 px
    assert picture["size"] > 256 * 1024  # so it went up in parts (Content-Range)

    assert boiler["status"] == "on_hold"
    assert [s["to_status"] for s in boiler["status_history"]][-3:] == [
        "en_route",
        "on_site",
        "on_hold",
    ]
    assert boiler["status_history"][-1]["reason"] == "Waiting for the expansion tank"
    assert all(item["done"] for item in boiler["checklist"])
    assert server_texts(boiler["notes"], "text") == [
        "Burner nozzle worn, replaced.",
        "Customer asks for a quote on a new expansion tank.",
        "Pressure after service: 1.5 bar.",
    ]
    assert sorted((p["name"], p["sku"], p["quantity"]) for p in boiler["parts"]) == [
        ("Burner nozzle 0.6 gal", "BN-06", 1),
        ("Copper pipe 15 mm", None, 1.5),
    ]

    assert leak["status"] == "en_route"
    assert [item["done"] for item in leak["checklist"]] == [True, False]
    assert len(leak["notes"]) == 4
    assert sorted((p["name"], p["quantity"]) for p in leak["parts"]) == [
        ("PTFE tape", 1),
        ('Seal kit 1/2"', 2),
    ]

    # Synced again (the minute's round, a reload): nothing arrives twice.
    page.reload()
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    again = phone_view(client, t)
    assert again[first["id"]]["status_history"] == ac["status_history"]
    assert len(again[second["id"]]["notes"]) == 3
    assert len(again[first["id"]]["attachments"]) == 2
    assert not errors, errors


def test_work_the_office_refused_is_listed_with_its_reason_and_kept(
    phone: BrowserContext, client: FlaskClient, world: World, shots: Path
) -> None:
    t = world.a
    first, second, _third = technicians_day(client, t)
    page = phone.new_page()
    sign_in(page, t)
    expect(page.get_by_test_id("job-card")).to_have_count(3)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)

    phone.set_offline(True)
    # Meanwhile the office takes the boiler job back into planning.
    move(client, t, second["id"], "scheduled")
    open_job(page, "Boiler service")
    page.get_by_test_id("next-step").click()  # On my way: the office no longer agrees
    add_note(page, "Called the customer, on the way.")
    back_to_list(page)
    phone.set_offline(False)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)

    # The server's word stands on the job, the refusal is shown there and in the list.
    open_job(page, "Boiler service")
    expect(page.get_by_test_id("job-detail").get_by_test_id("status").first).to_have_text(
        "Scheduled"
    )
    expect(page.get_by_test_id("job-problem")).to_contain_text("Not accepted")
    expect(page.get_by_test_id("note")).to_contain_text("Called the customer, on the way.")
    page.get_by_test_id("menu").click()
    expect(page.get_by_test_id("problem-count")).to_have_text("1")
    shoot(page, shots, "10-account")
    page.get_by_test_id("problems-link").click()
    problem = page.get_by_test_id("problem")
    expect(problem).to_have_count(1)
    expect(problem.get_by_test_id("problem-data")).to_have_text("On my way")
    expect(problem.get_by_test_id("problem-reason")).not_to_be_empty()
    shoot(page, shots, "11-sync-problems")
    assert phone_view(client, t)[first["id"]]["status"] == "dispatched"


def test_a_revoked_sign_in_wipes_the_phone_and_asks_to_sign_in_again(
    phone: BrowserContext, client: FlaskClient, world: World, shots: Path
) -> None:
    t = world.a
    technicians_day(client, t)
    page = phone.new_page()
    sign_in(page, t)
    expect(page.get_by_test_id("job-card")).to_have_count(3)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)

    tokens = call(client, "GET", "/api/v1/tokens", t["technician"]).json["items"]
    app_token = next(tok for tok in tokens if tok["name"] == "Technician app")
    revoked = call(client, "DELETE", f"/api/v1/tokens/{app_token['id']}", t["technician"])
    assert revoked.status_code == 204
    indicator(page).click()  # sync now

    expect(page.get_by_test_id("signin-message")).to_contain_text("ended by your company")
    assert idb_count(page, "jobs") == 0
    assert idb_count(page, "outbox") == 0
    shoot(page, shots, "12-signed-out")


def test_the_app_speaks_the_technicians_language_and_switches_offline(
    phone: BrowserContext, client: FlaskClient, world: World, shots: Path
) -> None:
    t = world.a
    technicians_day(client, t)
    page = phone.new_page()
    sign_in(page, t)
    expect(page.get_by_test_id("job-card")).to_have_count(3)
    wait_for_worker(page)
    phone.set_offline(True)

    page.get_by_test_id("menu").click()
    page.get_by_test_id("language-switch").get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_test_id("sign-out")).to_have_text(translator("ru")("Sign out"))
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("job-card")).to_have_count(3)
    shoot(page, shots, "13-day-russian")
    page.reload()  # the choice is kept on the phone, and the app starts with no network
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_test_id("menu").click()
    page.get_by_test_id("language-switch").get_by_role("button", name="Қазақша").click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_test_id("sign-out")).to_have_text(translator("kk")("Sign out"))
    shoot(page, shots, "14-account-kazakh")


def test_pull_to_refresh_brings_the_offices_new_job(
    phone: BrowserContext, client: FlaskClient, world: World
) -> None:
    t = world.a
    first, *_rest = technicians_day(client, t)
    page = phone.new_page()
    sign_in(page, t)
    expect(page.get_by_test_id("job-card")).to_have_count(3)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)

    move(client, t, first["id"], "cancelled")
    cdp = phone.new_cdp_session(page)
    for kind, y in (("touchStart", 150), ("touchMove", 220), ("touchMove", 320), ("touchEnd", 0)):
        points = [] if kind == "touchEnd" else [{"x": 195, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
    expect(page.get_by_test_id("job-card").nth(0).get_by_test_id("status")).to_have_text(
        "Cancelled", timeout=SYNC_TIMEOUT
    )


def test_office_changes_made_while_offline_show_as_conflicts_and_reassigned_jobs_leave(
    phone: BrowserContext, client: FlaskClient, world: World, shots: Path
) -> None:
    t = world.a
    first, _second, third = technicians_day(client, t)
    page = phone.new_page()
    sign_in(page, t)
    cards = page.get_by_test_id("job-card")
    expect(cards).to_have_count(3)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)

    phone.set_offline(True)
    # Meanwhile the office cancels the first job and gives the third to someone else.
    move(client, t, first["id"], "cancelled")
    colleague = work.technician(client, t, "viewer")
    moved = call(
        client,
        "PATCH",
        f"/api/v1/jobs/{third['id']}",
        t["owner"],
        json={"technician_ids": [colleague["id"]]},
    )
    assert moved.status_code == 200, moved.json
    cards.nth(0).get_by_role("button", name="On my way").click()
    page.get_by_test_id("next-step").click()  # arrived
    add_note(page, "Customer not home, left a card.")
    back_to_list(page)
    open_job(page, "Leak under the sink")
    add_note(page, "Bring the long ladder.")
    back_to_list(page)
    phone.set_offline(False)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)

    # The reassigned job has left the phone; the cancelled one shows the conflict.
    expect(cards).to_have_count(2)
    expect(page.get_by_test_id("job-list")).not_to_contain_text("Leak under the sink")
    open_job(page, "AC not cooling")
    expect(page.get_by_test_id("job-detail").get_by_test_id("status").first).to_have_text(
        "Cancelled"
    )
    expect(page.get_by_test_id("job-problem").first).to_contain_text("Conflict")
    shoot(page, shots, "15-job-conflict")
    page.get_by_test_id("menu").click()
    page.get_by_test_id("problems-link").click()
    expect(page.get_by_test_id("problem")).to_have_count(2)
    elsewhere = page.get_by_test_id("problem").filter(has_text="someone else")
    expect(elsewhere).to_contain_text(f"#{third['number']}")
    listed = page.locator("#view").inner_text()
    assert "Customer not home, left a card." in listed  # the work is kept and shown
    assert "Bring the long ladder." in listed
    shoot(page, shots, "16-sync-problems-conflicts")
