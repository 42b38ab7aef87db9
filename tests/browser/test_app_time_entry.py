"""The technician app's time form against the server, in real Chromium at phone size: a
travel entry logged offline on yesterday's job reaches the server once, with the span
the technician typed on the job's day (before the job was even created: kept as sent).

Yesterday's job, so the span is in the past whatever the hour the test runs at (the
server refuses a span that starts in the future, and "the last half hour" may cross
midnight).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.conftest import PHONE, shoot
from tests.support import work
from tests.support.day import move
from tests.support.world import PASSWORD, World, call

ZONE = ZoneInfo("Asia/Almaty")
SYNC_TIMEOUT = 20_000


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=live_server, viewport=PHONE, locale="en-US", timezone_id="Asia/Almaty"
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def test_a_time_entry_logged_offline_reaches_the_server_once_as_typed(
    phone: BrowserContext, client: FlaskClient, world: World, screenshots: Path
) -> None:
    t = world.a
    yesterday = datetime.now(ZONE).date() - timedelta(days=1)
    start = datetime.combine(yesterday, datetime.min.time(), ZONE).replace(hour=10)
    job = work.job(
        client,
        t,
        title="Fridge not cold",
        scheduled_start=start.isoformat(),
        duration_minutes=60,
        technician_ids=[work.technician(client, t)["id"]],
    )
    if job["status"] == "draft":
        move(client, t, job["id"], "scheduled")
    move(client, t, job["id"], "dispatched")

    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/app")
    page.get_by_label("Company ID").fill(t.slug)
    page.get_by_label("E-mail").fill(t["technician"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    indicator = page.get_by_test_id("sync-indicator")
    expect(indicator).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    page.get_by_test_id("day-yesterday").click()
    card = page.get_by_test_id("job-card").filter(has_text="Fridge not cold")
    card.get_by_role("link").click()
    expect(page.get_by_test_id("job-title")).to_have_text("Fridge not cold")

    phone.set_offline(True)
    section = page.get_by_test_id("time-section")
    section.get_by_role("button", name="Log time").click()
    page.locator("#time-kind").select_option("travel")
    page.locator("#time-from").fill("09:10")
    page.locator("#time-to").fill("09:55")
    section.screenshot(path=str(screenshots / "app" / "18-time-form-phone.png"))
    section.get_by_role("button", name="Save the time").click()
    entry = page.get_by_test_id("time-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Travel")
    expect(entry).to_contain_text("09:10 AM\u201309:55 AM")  # en-US: 12 hours, an en dash
    expect(indicator).to_have_text("Offline · 1 change waiting")

    phone.set_offline(False)
    expect(indicator).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    shoot(page, screenshots / "app", "19-job-time-logged")
    pulled = call(client, "GET", "/api/v1/sync/pull", t["technician"]).json["jobs"]
    entries = next(j for j in pulled if j["id"] == job["id"])["time_entries"]
    assert len(entries) == 1, entries
    assert entries[0]["kind"] == "travel"
    began = datetime.fromisoformat(entries[0]["started_at"])
    ended = datetime.fromisoformat(entries[0]["ended_at"])
    assert began == datetime.combine(yesterday, datetime.min.time(), ZONE).replace(
        hour=9, minute=10
    )
    assert ended - began == timedelta(minutes=45)
    assert began < datetime.fromisoformat(job["created_at"])  # kept, though before the job

    page.reload()  # another round sends nothing again
    expect(indicator).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    again = call(client, "GET", "/api/v1/sync/pull", t["technician"]).json["jobs"]
    assert next(j for j in again if j["id"] == job["id"])["time_entries"] == entries
    assert not errors, errors
