"""The technician app hears the office at once, in real Chromium at phone size: with the
app open, the office gives the technician a new job and takes another away through the
API; within seconds the list shows both without a reload, with a notice naming the jobs.
Hidden or offline, the app closes its live stream.

Photographed under tests/artifacts/screenshots/app/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

from tests.browser.conftest import PHONE, shoot
from tests.support import work
from tests.support.day import move, technicians_day, today_at
from tests.support.world import PASSWORD, World, call

API = "/api/v1"
SYNC_TIMEOUT = 20_000
HEARD_TIMEOUT = 5_000  # "within a second or two"; generous for a loaded machine
# The page hidden (the phone locked, another app in front) or shown again.
SEEN = """state => {
    Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=live_server, viewport=PHONE, locale="en-US", timezone_id="Asia/Almaty"
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def streams(page: Page) -> list[Request]:
    """The live streams the page opened (kept on the page as they start)."""
    opened: list[Request] = []
    page.on("request", lambda r: opened.append(r) if "/api/v1/live" in r.url else None)
    return opened


def test_the_office_giving_and_taking_jobs_reaches_the_open_app_at_once(
    phone: BrowserContext,
    client: FlaskClient,
    world: World,
    screenshots: Path,
) -> None:
    t = world.a
    *_, third = technicians_day(client, t)
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    opened = streams(page)
    answered: list[int] = []
    page.on("response", lambda r: answered.append(r.status) if "/api/v1/live" in r.url else None)

    page.goto("/app")
    page.get_by_label("Company ID").fill(t.slug)
    page.get_by_label("E-mail").fill(t["technician"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("sync-indicator")).to_contain_text(
        "All synced", timeout=SYNC_TIMEOUT
    )
    cards = page.get_by_test_id("job-card")
    expect(cards).to_have_count(3)
    # The stream is open before the office acts: what it sends then is heard. The server
    # subscribes before it answers, so the answer's headers mean the app is listening.
    # (Counting the broker's subscribers would not do: earlier tests' streams leave it
    # only at their next keep-alive.)
    deadline = time.monotonic() + 10
    while 200 not in answered:
        assert time.monotonic() < deadline, "waited 10 s for the app's live stream"
        page.wait_for_timeout(50)  # lets Playwright deliver the page's events
    assert opened[0].url.endswith("/api/v1/live?mine=true")
    assert opened[0].headers["authorization"].startswith("Bearer ")

    # The office gives the technician a new job this evening.
    given_at = time.monotonic()
    extra = work.job(
        client,
        t,
        title="Gas meter check",
        scheduled_start=today_at(18).isoformat(),
        duration_minutes=45,
        technician_ids=[work.technician(client, t)["id"]],
    )
    if extra["status"] == "draft":
        move(client, t, extra["id"], "scheduled")
    move(client, t, extra["id"], "dispatched")
    expect(cards.filter(has_text="Gas meter check")).to_be_visible(timeout=HEARD_TIMEOUT)
    heard = time.monotonic() - given_at
    notice = page.get_by_test_id("office-notice")
    expect(notice).to_contain_text("Your day was changed by the office.")
    expect(page.get_by_test_id("office-added")).to_have_text(f"New job: #{extra['number']}")
    expect(cards).to_have_count(4)
    shoot(page, screenshots / "app", "30-office-gave-a-job")
    print(f"\nthe office's new job on the phone after {heard:.2f} s (made through the API)")

    # ... and gives another to a colleague: it leaves the list, the notice says which.
    colleague = work.technician(client, t, "dispatcher")["id"]
    url = f"{API}/jobs/{third['id']}"
    taken = call(client, "PATCH", url, t["owner"], json={"technician_ids": [colleague]})
    assert taken.status_code == 200, taken.json
    expect(cards.filter(has_text="Leak under the sink")).to_have_count(0, timeout=HEARD_TIMEOUT)
    expect(page.get_by_test_id("office-removed")).to_have_text(
        f"Taken off your list: job #{third['number']}"
    )
    shoot(page, screenshots / "app", "31-office-took-a-job")
    page.get_by_test_id("office-notice").click()
    expect(notice).to_have_count(0)

    # A phone in a pocket keeps no connection: hidden, the stream is closed; shown again,
    # it opens where it left off. Offline, it is closed too.
    def is_stream(request: Request) -> bool:
        return "/api/v1/live" in request.url

    with page.expect_event("requestfailed", is_stream, timeout=HEARD_TIMEOUT):
        page.evaluate(SEEN, "hidden")
    with page.expect_request(is_stream, timeout=HEARD_TIMEOUT) as reopened:
        page.evaluate(SEEN, "visible")
    assert reopened.value.headers.get("last-event-id"), "reconnects where it left off"
    with page.expect_event("requestfailed", is_stream, timeout=HEARD_TIMEOUT):
        phone.set_offline(True)
    assert not errors, errors
