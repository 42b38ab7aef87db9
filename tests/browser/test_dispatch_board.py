"""The dispatcher's pages in real Chromium: the board opens on a seeded day, a job dragged from
the queue onto a technician is assigned and scheduled, moved to another technician, a drop
that lost to someone else's change is refused with a notice (nothing overwritten); the
calendar and the map (no tiles, a route per technician) render. Screenshots at phone and
desktop size; a board of 100 technicians and 1,000 jobs is timed (printed, not asserted).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from dala.db import get_session
from dala.tenancy.services import signup
from tests.browser.conftest import DESKTOP, shoot
from tests.support.dispatch import DispatchDay, assignment, seed_day
from tests.support.world import PASSWORD, World, call

BOARD = "/scheduling/board"


def _sign_in(context: BrowserContext, slug: str, email: str, password: str = PASSWORD) -> Page:
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Company ID").fill(slug)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_test_id("login-form").get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("user-menu")).to_be_visible()
    return page


def _open_board(page: Page, day: DispatchDay) -> None:
    page.goto(f"{BOARD}?date={day.day.isoformat()}&days=1")
    page.wait_for_function("document.body.dataset.boardReady === '1'", timeout=15_000)


def _row(page: Page, index: int) -> Locator:
    """The timeline's drop area of the technician row ``index`` (rows in board order)."""
    return page.locator(".vis-foreground .vis-group").nth(index)


def _bar(page: Page, number: int) -> Locator:
    return page.locator(".vis-item.job", has_text=f"#{number} ").first


def _clear_toasts(page: Page) -> None:
    """Forget earlier notices, so the next one checked is the answer to the next action."""
    page.evaluate("document.getElementById('toasts').replaceChildren()")


def _drag_bar(page: Page, bar: Locator, target: Locator, dx: float = 0) -> None:
    """Drag a job's bar (vis-timeline's own pointer drag) onto ``target``'s middle, ``dx`` px
    to the side."""
    _clear_toasts(page)
    source = bar.bounding_box()
    goal = target.bounding_box()
    assert source and goal
    # From the bar's middle: its edges are the resize handles.
    x, y = source["x"] + source["width"] / 2, source["y"] + source["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 10, y, steps=4)
    page.mouse.move(x + dx, goal["y"] + goal["height"] / 2, steps=12)
    page.mouse.up()


@pytest.fixture
def day(app: Flask, world: World) -> DispatchDay:
    return seed_day(app, world.a.tenant_id, world.a.main, technicians=3, jobs_each=2, queued=2)


def test_dispatcher_drags_moves_and_loses_a_race(
    app: Flask,
    browser: Browser,
    live_server: str,
    world: World,
    day: DispatchDay,
    screenshots: Path,
) -> None:
    shots = screenshots / "dispatch"
    shots.mkdir(exist_ok=True)
    owner = world.a["owner"]
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(8_000)
    # This browser's live stream is cut, so it keeps the board it loaded while the other
    # one changes a job: the drop below must then be refused, not overwrite that change.
    context.route("**/api/v1/live**", lambda route: route.abort())
    other = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-US")
    other.set_default_timeout(8_000)
    try:
        page = _sign_in(context, world.a.slug, owner.email)
        # --- the board opens on the seeded day --------------------------------------------------
        page.locator("#main-nav").get_by_role("link", name="Dispatch").click()
        expect(page.get_by_test_id("page-title")).to_have_text("Dispatch")
        _open_board(page, day)
        expect(page.locator(".vis-labelset .vis-label")).to_have_count(3)
        expect(page.locator(".vis-item.job")).to_have_count(6)
        expect(page.get_by_test_id("queue-job")).to_have_count(2)
        expect(page.get_by_test_id("queue-count")).to_have_text("2")
        # The emergency waits first in the queue.
        emergency_id, emergency_number = day.queued[0]
        expect(page.get_by_test_id("queue-job").first).to_contain_text(f"#{emergency_number}")
        shoot(page, shots, "board")

        # --- drag the emergency from the queue onto the second technician -----------------------
        _clear_toasts(page)
        page.get_by_test_id("queue-job").first.drag_to(_row(page, 1), force=True)
        expect(page.get_by_test_id("toast").last).to_contain_text(f"Job #{emergency_number} moved.")
        expect(page.get_by_test_id("queue-job")).to_have_count(1)
        expect(page.locator(".vis-item.job")).to_have_count(7)
        technicians, job = assignment(app, world.a.tenant_id, emergency_id)
        assert technicians == [day.technician_ids[1]]
        assert job.scheduled_start is not None and job.scheduled_end is not None
        assert job.scheduled_end - job.scheduled_start == timedelta(minutes=60)
        start = job.scheduled_start.astimezone(day.zone)
        assert start.date() == day.day
        shoot(page, shots, "board-after-drop")

        # --- move it to the third technician ---------------------------------------------------
        _drag_bar(page, _bar(page, emergency_number), _row(page, 2))
        expect(page.get_by_test_id("toast").last).to_contain_text(f"Job #{emergency_number} moved.")
        page.wait_for_function(
            "n => [...document.querySelectorAll('.vis-foreground .vis-group')][2]"
            ".textContent.includes('#' + n + ' ')",
            arg=emergency_number,
        )
        technicians, moved = assignment(app, world.a.tenant_id, emergency_id)
        assert technicians == [day.technician_ids[2]]
        assert moved.scheduled_start is not None
        assert moved.version > job.version

        # --- someone else changes the first technician's first job in another browser ----------
        raced_id, raced_number = day.planned[0]
        other_page = _sign_in(other, world.a.slug, owner.email)
        _open_board(other_page, day)
        _drag_bar(other_page, _bar(other_page, raced_number), _row(other_page, 1))
        expect(other_page.get_by_test_id("toast").last).to_contain_text(
            f"Job #{raced_number} moved."
        )
        technicians, theirs = assignment(app, world.a.tenant_id, raced_id)
        assert technicians == [day.technician_ids[1]]

        # --- this board still shows the old job: its drop is refused and the board reloads --------
        _drag_bar(page, _bar(page, raced_number), _row(page, 2), dx=120)
        notice = page.get_by_test_id("toast").filter(has_text="Someone else changed")
        expect(notice).to_have_text(
            f"Someone else changed job #{raced_number}. The board was refreshed."
        )
        technicians, kept = assignment(app, world.a.tenant_id, raced_id)
        assert technicians == [day.technician_ids[1]]
        assert (kept.scheduled_start, kept.version) == (theirs.scheduled_start, theirs.version)
        # Reloaded: the job is in the second row now, as the other dispatcher left it.
        page.wait_for_function(
            "n => [...document.querySelectorAll('.vis-foreground .vis-group')][1]"
            ".textContent.includes('#' + n + ' ')",
            arg=raced_number,
        )
        shoot(page, shots, "board-conflict")

        # --- the job panel: details and suggestions ----------------------------------------------
        queued_id, queued_number = day.queued[1]
        page.get_by_test_id("queue-job").first.click()
        panel = page.get_by_test_id("job-panel")
        expect(panel).to_be_visible()
        expect(page.locator("#job-panel-title")).to_contain_text(f"#{queued_number}")
        expect(page.get_by_test_id("suggestion").first).to_be_visible()
        shoot(page, shots, "board-job-panel")
        _clear_toasts(page)
        page.get_by_test_id("assign").first.click()
        expect(page.get_by_test_id("toast").last).to_contain_text(f"Job #{queued_number} assigned")
        technicians, assigned = assignment(app, world.a.tenant_id, queued_id)
        assert len(technicians) == 1 and assigned.scheduled_start is not None
        expect(page.get_by_test_id("queue-job")).to_have_count(0)
    finally:
        other.close()
        context.close()


def test_another_dispatchers_move_shows_up_live(
    app: Flask, browser: Browser, live_server: str, world: World, day: DispatchDay
) -> None:
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(8_000)
    try:
        page = _sign_in(context, world.a.slug, world.a["owner"].email)
        _open_board(page, day)
        expect(page.get_by_test_id("live-state").locator(".text-success")).to_be_attached()
        job_id, number = day.planned[0]
        _ids, job = assignment(app, world.a.tenant_id, job_id)
        body = {"technician_ids": [str(day.technician_ids[2])]}
        with app.test_client() as client:
            changed = call(
                client,
                "PATCH",
                f"/api/v1/jobs/{job_id}",
                world.a["owner"],
                json=body,
                headers={"If-Match": f'"{job.version}"'},
            )
        assert changed.status_code == 200, changed.json
        page.wait_for_function(
            "n => [...document.querySelectorAll('.vis-foreground .vis-group')][2]"
            ".textContent.includes('#' + n + ' ')",
            arg=number,
            timeout=3_000,
        )
    finally:
        context.close()


def test_calendar_and_map_render_the_day(
    browser: Browser, live_server: str, world: World, day: DispatchDay, screenshots: Path
) -> None:
    shots = screenshots / "dispatch"
    shots.mkdir(exist_ok=True)
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(8_000)
    try:
        page = _sign_in(context, world.a.slug, world.a["owner"].email)
        page.goto(f"/scheduling/calendar?date={day.day.isoformat()}&days=1")
        page.wait_for_function("document.body.dataset.calendarReady === '1'")
        expect(page.locator(".ec-event")).to_have_count(6)
        expect(page.get_by_test_id("calendar").get_by_text("Technician 001")).to_be_visible()
        shoot(page, shots, "calendar-day")
        page.get_by_text("Week", exact=True).click()
        expect(page.get_by_test_id("calendar-range")).to_contain_text("\u2013")
        page.get_by_text("Whole branch").click()
        expect(page.locator(".ec-event")).to_have_count(6)
        shoot(page, shots, "calendar-week")

        page.get_by_test_id("dispatch-tabs").get_by_role("link", name="Map").click()
        expect(page).to_have_url(re.compile(r"/scheduling/map"))
        page.wait_for_function("document.body.dataset.mapReady === '1'")
        expect(page.get_by_test_id("map")).to_have_attribute("data-tiles", "off")
        expect(page.locator(".leaflet-tile")).to_have_count(0)
        # One route per technician (home, then the day's two jobs); a job dot per job.
        expect(page.locator("path.dala-route")).to_have_count(3)
        expect(page.locator("path.dala-job")).to_have_count(8)
        expect(page.get_by_test_id("legend-route")).to_have_count(3)
        shoot(page, shots, "map")
        page.get_by_test_id("map-technician").select_option(label="Technician 002")
        expect(page.locator("path.dala-route")).to_have_count(1)
    finally:
        context.close()


def test_a_board_of_100_technicians_and_1000_jobs_opens(
    app: Flask, browser: Browser, live_server: str
) -> None:
    """Prints the time from navigation to the jobs drawn (measured, not asserted)."""
    suffix = uuid.uuid4().hex[:6]
    email = f"owner-{suffix}@example.com"
    with app.app_context():
        session = get_session()
        made = signup(
            session,
            company_name=f"Big Dispatch {suffix}",
            email=email,
            password=PASSWORD,
            branch_name="Almaty",
            timezone="Asia/Almaty",
            locale="en",
        )
        session.commit()
        tenant_id, branch_id, slug = made.tenant.id, made.branch.id, made.tenant.slug
    began = time.perf_counter()
    big = seed_day(app, tenant_id, branch_id, technicians=100, jobs_each=10, queued=0)
    seeded = time.perf_counter() - began
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(30_000)
    try:
        page = _sign_in(context, slug, email)
        opened = time.perf_counter()

        page.goto(f"{BOARD}?date={big.day.isoformat()}&days=1")
        page.wait_for_function("document.body.dataset.boardReady === '1'", timeout=60_000)
        elapsed = time.perf_counter() - opened
        api = page.evaluate(
            "performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('/api/v1/scheduling/board'))[0].duration"
        )
        drawn = page.locator(".vis-item.job").count()
        assert drawn > 0
        expect(page.locator(".vis-labelset .vis-label")).to_have_count(100)
        print(
            f"\nboard of 100 technicians / 1,000 jobs: opened in {elapsed:.2f} s "
            f"(board request {api / 1000:.2f} s; {drawn} job bars drawn for the rows in view; "
            f"data seeded in {seeded:.1f} s)"
        )
    finally:
        context.close()
