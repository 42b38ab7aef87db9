"""The technician app when its sign-in merely expires (30 days) while changes wait on the
phone: nothing is lost. The app asks the same person to sign in again and then sends
the waiting changes, each exactly once; someone else signing in on the phone gets none
of them (a revoked sign-in wiping the phone is in test_technician_app.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from sqlalchemy import update

from dala.auth.models import ApiToken
from dala.db import get_session, utcnow
from dala.tenancy import context
from tests.browser.conftest import PHONE, shoot
from tests.support.day import phone_view, technicians_day
from tests.support.world import PASSWORD, Person, TenantWorld, World

SYNC_TIMEOUT = 20_000
APP_TOKEN = "Technician app"  # the name the app gives its token (views/account.js)


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=live_server, viewport=PHONE, locale="en-US", timezone_id="Asia/Almaty"
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def shots(screenshots: Path) -> Path:
    folder = screenshots / "app"
    folder.mkdir(exist_ok=True)
    return folder


def sign_in(page: Page, t: TenantWorld, person: Person) -> None:
    page.get_by_label("Company ID").fill(t.slug)
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def indicator(page: Page) -> Locator:
    return page.get_by_test_id("sync-indicator")


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


def expire_app_token(app: Flask, t: TenantWorld) -> int:
    """The phone's token reaches its expiry, as after 30 days: set in the database."""
    with app.app_context(), context.tenant_scope(t.tenant_id):
        session = get_session()
        expired = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == t["technician"].user_id, ApiToken.name == APP_TOKEN)
            .where(ApiToken.revoked_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
        return int(expired.rowcount)  # type: ignore[attr-defined]


def work_offline(page: Page, phone: BrowserContext) -> None:
    """On my way to the first job, a note and a part, with no network: 3 changes wait."""
    cards = page.get_by_test_id("job-card")
    expect(cards).to_have_count(3)
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    phone.set_offline(True)
    cards.nth(0).get_by_role("button", name="On my way").click()
    expect(page.get_by_test_id("job-title")).to_have_text("AC not cooling")
    page.locator("#note-text").fill("Gate code changed to 7788.")
    page.get_by_test_id("add-note").click()
    page.get_by_test_id("add-part").click()
    page.locator("#part-name").fill("Filter F-200")
    page.get_by_test_id("save-part").click()
    expect(indicator(page)).to_have_text("Offline · 3 changes waiting")


def test_an_expired_sign_in_keeps_the_waiting_changes_and_sends_them_once_after_signing_in(
    app: Flask, phone: BrowserContext, client: FlaskClient, world: World, shots: Path
) -> None:
    t = world.a
    first, *_rest = technicians_day(client, t)
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/app")
    sign_in(page, t, t["technician"])
    work_offline(page, phone)
    assert expire_app_token(app, t) == 1

    phone.set_offline(False)  # the app syncs at once: the server says the token expired
    message = page.get_by_test_id("signin-message")
    expect(message).to_contain_text(
        "Your sign-in has expired; sign in again to send your 3 waiting changes."
    )
    expect(message).to_contain_text("Signing in as someone else removes them")
    # Nothing went: the work, the jobs and who was signed in are still on the phone.
    assert idb_count(page, "outbox") == 3
    assert idb_count(page, "jobs") == 3
    expect(page.get_by_label("Company ID")).to_have_value(t.slug)
    expect(page.get_by_label("E-mail")).to_have_value(t["technician"].email)
    shoot(page, shots, "17-sign-in-expired")
    office = phone_view(client, t)[first["id"]]
    assert office["status"] == "dispatched" and not office["notes"] and not office["parts"]

    page.reload()  # still asks, still keeps (the app may have been closed meanwhile)
    expect(message).to_contain_text("3 waiting changes")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Back where the technician was, with the work shown as theirs, and then sent.
    expect(page.get_by_test_id("job-title")).to_have_text("AC not cooling")
    expect(page.get_by_test_id("note")).to_contain_text("Gate code changed to 7788.")
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    assert idb_count(page, "outbox") == 0
    assert idb_count(page, "problems") == 0
    ac = phone_view(client, t)[first["id"]]
    assert ac["status"] == "en_route"
    assert [s["to_status"] for s in ac["status_history"]].count("en_route") == 1
    assert [n["text"] for n in ac["notes"]] == ["Gate code changed to 7788."]
    assert [(p["name"], p["quantity"]) for p in ac["parts"]] == [("Filter F-200", 1)]

    # Another round (a reload syncs at start) sends nothing again.
    page.reload()
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    again = phone_view(client, t)[first["id"]]
    assert again["notes"] == ac["notes"] and again["parts"] == ac["parts"]
    assert again["status_history"] == ac["status_history"]
    assert not errors, errors


def test_someone_else_signing_in_after_an_expiry_gets_none_of_the_waiting_work(
    app: Flask, phone: BrowserContext, client: FlaskClient, world: World
) -> None:
    t = world.a
    first, *_rest = technicians_day(client, t)
    page = phone.new_page()
    page.goto("/app")
    sign_in(page, t, t["technician"])
    work_offline(page, phone)
    assert expire_app_token(app, t) == 1
    phone.set_offline(False)
    expect(page.get_by_test_id("signin-message")).to_contain_text("3 waiting changes")

    # The owner may work jobs too (job:work), so the app lets them in: on a clean phone.
    sign_in(page, t, t["owner"])
    expect(page.get_by_test_id("no-jobs")).to_be_visible()
    expect(indicator(page)).to_contain_text("All synced", timeout=SYNC_TIMEOUT)
    assert idb_count(page, "outbox") == 0
    assert idb_count(page, "jobs") == 0
    office = phone_view(client, t)[first["id"]]
    assert office["status"] == "dispatched" and not office["notes"] and not office["parts"]
