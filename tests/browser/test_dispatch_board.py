"""The dispatcher's pages in real Chromium: the board opens on a seeded day, a job dragged from
the queue onto a technician is assigned and scheduled, moved to another technician, a drop
that lost to someone else's change is refused with a notice (nothing overwritten); the
calendar and the map (no tiles, a route per technician) render. The day is planned by a real
worker and applied (pinned and under-way jobs untouched); a technician marked sick re-plans
the board live, applied at once or proposed in a banner by the branch's policy. Screenshots
at phone and desktop size; a board of 100 technicians and 1,000 jobs is timed (printed, not
asserted).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect
from sqlalchemy import select

from dala import create_app
from dala.db import get_session
from dala.tenancy import context
from dala.tenancy.services import signup
from dala.work.job_models import Job, JobStatus
from dala_scheduling.models import PlanRun, PlanStatus, PlanTrigger
from tests.browser.conftest import DESKTOP, serve, shoot
from tests.conftest import TestDatabase, app_config
from tests.support import work
from tests.support.dispatch import DispatchDay, assignment, seed_day
from tests.support.mailbox import Mailbox
from tests.support.worker import WorkerProcess
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
    app: Flask, browser: Browser, live_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Prints the time from navigation to the jobs drawn (measured, not asserted) into the
    test run's output, past pytest's capture."""
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
        with capsys.disabled():
            print(
                f"\nboard of 100 technicians / 1,000 jobs: opened in {elapsed:.2f} s "
                f"(board request {api / 1000:.2f} s; {drawn} job bars drawn for the rows in view; "
                f"data seeded in {seeded:.1f} s)"
            )
    finally:
        context.close()


# --- plans made by a real worker ---------------------------------------------------------------
#
# The session's live server runs tasks at once, inside the request that enqueues them
# (TASKS_IMMEDIATE, tests/conftest.py): a plan run would be finished before the page saw
# its progress. These tests serve an app that only enqueues, and a real `dala worker`
# process runs the plan and re-planning tasks from the shared storage; its live messages
# reach the board's stream through the shared live log, as in `make demo`.


@pytest.fixture(scope="module")
def queued_server(
    app: Flask, database: TestDatabase, mailbox: Mailbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A live server whose tasks wait for the worker process beside it."""
    folder = tmp_path_factory.mktemp("board-queue")
    settings = {
        "TASKS_URL": f"sqlite:///{folder / 'tasks.db'}",
        "TASKS_NAME": f"dala-board-{uuid.uuid4().hex[:8]}",
        "LIVE_URL": f"sqlite:///{folder / 'live.db'}",
    }
    web = create_app(app_config(database, mailbox, TASKS_IMMEDIATE=False, **settings))
    worker = WorkerProcess(database, settings, folder / "worker.log", imports=())
    try:
        with serve(web) as url:
            yield url
    finally:
        code = worker.stop()
        web.extensions["dala.db"].engine.dispose()
        assert code == 0, worker.tail()


@dataclass(frozen=True)
class Held:
    """What planning must leave alone on a job."""

    technician_ids: list[uuid.UUID]
    start: datetime | None
    end: datetime | None
    version: int
    status: str


def _held(app: Flask, world: World, job_id: uuid.UUID) -> Held:
    ids, job = assignment(app, world.a.tenant_id, job_id)
    return Held(ids, job.scheduled_start, job.scheduled_end, job.version, job.status.value)


def _plan_run(app: Flask, world: World, run_id: uuid.UUID) -> PlanRun:
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        run = session.scalars(select(PlanRun).where(PlanRun.id == run_id)).one()
        session.expunge(run)
        return run


def _sick_runs(app: Flask, world: World, day: DispatchDay) -> list[PlanRun]:
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        runs = list(
            session.scalars(
                select(PlanRun).where(
                    PlanRun.branch_id == world.a.main,
                    PlanRun.day == day.day,
                    PlanRun.trigger == PlanTrigger.SICK,
                )
            )
        )
        session.expunge_all()
        return runs


def _wait_for(check: Callable[[], bool], what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.2)


#: JS: the sorted job numbers drawn in technician row ``i`` (rows in board order).
_ROW_NUMBERS = (
    "i => [...[...document.querySelectorAll('.vis-foreground .vis-group')][i]"
    ".querySelectorAll('.vis-item.job')]"
    ".map(e => Number((e.textContent.match(/#(\\d+) /) || [])[1])).sort((a, b) => a - b)"
)


def _bars_in_row(page: Page, index: int) -> list[int]:
    numbers: list[int] = page.evaluate(_ROW_NUMBERS, index)
    return numbers


def _no_fades(page: Page) -> None:
    """Bootstrap's modals open and close without fading (it reads the CSS duration), so a
    screenshot never catches one half drawn."""
    page.add_style_tag(content=".fade { transition: none !important; }")


def _set_replan_policy(app: Flask, world: World, policy: str) -> None:
    """The branch's setting, through the modules API (core's enablement service, as the
    admin portal's settings form saves it)."""
    body = {"branch_id": str(world.a.main), "settings": {"replan_policy": policy}}
    with app.test_client() as client:
        r = call(client, "PATCH", "/api/v1/modules/dala_scheduling", world.a["owner"], json=body)
    assert r.status_code == 200, r.json
    assert r.json["settings"]["replan_policy"] == policy


def test_dispatcher_plans_the_day_and_applies_it(
    app: Flask,
    browser: Browser,
    queued_server: str,
    world: World,
    screenshots: Path,
) -> None:
    shots = screenshots / "dispatch"
    shots.mkdir(exist_ok=True)
    t = world.a
    day = seed_day(app, t.tenant_id, t.main, technicians=3, jobs_each=2, queued=3)
    # The first technician's second job is pinned (a job pinned at the shift's start is
    # covered in tests/scheduling/test_day.py).
    pinned_id, _n = day.planned[1]
    under_way_id, _n = day.planned[2]
    with app.test_client() as client:
        pin = call(client, "POST", f"/api/v1/scheduling/jobs/{pinned_id}/pin", t["dispatcher"])
        assert pin.status_code in (200, 201), pin.json
        # Nobody has this skill: the plan leaves the job out and says why.
        rare = work.skill(client, t, f"Elevator {uuid.uuid4().hex[:4]}")
        nobody = work.job(
            client,
            t,
            title="Elevator inspection",
            duration_minutes=60,
            required_skills=[{"skill_id": rare["id"], "min_level": 1}],
            window_start=day.at(10).isoformat(),
            window_end=day.at(17).isoformat(),
        )
    # The second technician is on site at their first job since it began.
    with app.app_context(), context.tenant_scope(t.tenant_id):
        session = get_session()
        job = session.get(Job, (t.tenant_id, under_way_id))
        assert job is not None and job.scheduled_start is not None
        job.status = JobStatus.ON_SITE
        job.status_changed_at = job.scheduled_start
        session.commit()
    kept = {job_id: _held(app, world, job_id) for job_id in (pinned_id, under_way_id)}

    context_ = browser.new_context(base_url=queued_server, viewport=DESKTOP, locale="en-US")
    context_.set_default_timeout(8_000)
    try:
        # Dispatchers hold schedule:view, plan and optimise (the plug-in's manifest).
        page = _sign_in(context_, t.slug, t["dispatcher"].email)
        _open_board(page, day)
        _no_fades(page)
        expect(page.get_by_test_id("queue-job")).to_have_count(4)
        before = [_bars_in_row(page, i) for i in range(3)]

        # --- plan the day: the worker's progress, then the proposal ----------------------------
        # A day this small is planned in well under the half second between the page's
        # polls: the run's first answers are held back, so the progress is seen for sure.
        held: list[Route] = []
        polls = "**/api/v1/scheduling/plans/*"
        page.route(polls, lambda route: held.append(route))
        page.get_by_test_id("plan-day").click()
        modal = page.get_by_test_id("plan-modal")
        expect(modal).to_be_visible()
        expect(page.locator("#plan-status")).to_have_text("Waiting for a worker…")
        expect(page.locator("#plan-bar")).to_be_attached()
        shoot(page, shots, "plan-progress")
        _wait_for(
            lambda: [r.status for r in _runs_of_day(app, world, day)] == [PlanStatus.PROPOSED],
            "the worker to propose a plan",
        )
        for route in held:
            route.continue_()
        page.unroute(polls)
        proposal = page.get_by_test_id("plan-proposal")
        expect(proposal).to_be_visible(timeout=15_000)
        expect(page.get_by_test_id("plan-apply")).to_be_enabled()
        runs = list(_runs_of_day(app, world, day))
        assert len(runs) == 1 and runs[0].status == PlanStatus.PROPOSED
        run = runs[0]
        assert run.proposal is not None
        # A row per technician the proposal gives work (the planner may leave one idle).
        routes = page.get_by_test_id("plan-route")
        expect(routes).to_have_count(len(run.proposal["routes"]))
        for index, route in enumerate(run.proposal["routes"]):
            name = day.technician_names[day.technician_ids.index(uuid.UUID(route["technician_id"]))]
            expect(routes.nth(index)).to_contain_text(name)
            for visit in route["jobs"]:
                expect(routes.nth(index)).to_contain_text(f"#{visit['number']} {visit['title']}")
        (left_out,) = run.proposal["unassigned"]
        assert left_out["job_id"] == nobody["id"]
        left = page.get_by_test_id("plan-unassigned")
        expect(left).to_contain_text(f"#{nobody['number']} Elevator inspection")
        expect(left).to_contain_text("Nobody working that day has the skills.")
        totals = run.proposal["totals"]
        assert totals["proposed"]["placed"] == totals["current"]["placed"] + 3
        for index, (label, key) in enumerate((("Proposed", "proposed"), ("Current", "current"))):
            row = page.get_by_test_id("plan-totals").locator("tbody tr").nth(index)
            expect(row.locator("th")).to_have_text(label)
            expect(row.locator("td").first).to_have_text(str(totals[key]["placed"]))
        shoot(page, shots, "plan-proposal")

        # --- apply: the proposal's assignments are on the jobs, the others as they were --------
        changes = run.proposal["changes"]
        assert {str(j) for j, _n in day.queued} <= {c["job_id"] for c in changes}
        assert not {str(pinned_id), str(under_way_id)} & {c["job_id"] for c in changes}
        _clear_toasts(page)
        page.get_by_test_id("plan-apply").click()
        expect(page.get_by_test_id("toast").last).to_have_text(
            f"Plan applied. Jobs changed: {len(changes)}; skipped: 0."
        )
        expect(modal).to_be_hidden()
        # The page's own run opened in the plan window: its plan.proposed is no banner.
        expect(page.get_by_test_id("plan-banner")).to_have_count(0)
        assert _plan_run(app, world, run.id).status == PlanStatus.APPLIED
        for change in changes:
            held = _held(app, world, uuid.UUID(change["job_id"]))
            assert [str(i) for i in held.technician_ids] == change["technician_ids"]
            assert held.start == datetime.fromisoformat(change["start"])
            assert held.end == datetime.fromisoformat(change["end"])
        for job_id, was in kept.items():
            assert _held(app, world, job_id) == was

        # --- the board shows the new plan: the queue placed, every bar where the plan put it ---
        everything = [*day.planned, *day.queued, (uuid.UUID(nobody["id"]), nobody["number"])]
        rows, queued = _rows_as_stored(app, world, day, everything)
        assert rows != before and queued == 1
        _board_shows(page, rows, queued)
        shoot(page, shots, "board-after-plan")
    finally:
        context_.close()


def _runs_of_day(app: Flask, world: World, day: DispatchDay) -> list[PlanRun]:
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        session = get_session()
        runs = list(
            session.scalars(
                select(PlanRun).where(PlanRun.branch_id == world.a.main, PlanRun.day == day.day)
            )
        )
        session.expunge_all()
        return runs


def _mark_sick(page: Page, day: DispatchDay, row: int, shots: Path, name: str) -> None:
    """ "Mark unavailable" on the row: sick, from the start of their day to its end."""
    page.locator('.vis-labelset [data-action="unavailable"]').nth(row).click()
    dialog = page.get_by_test_id("unavailable-modal")
    expect(dialog).to_be_visible()
    expect(page.locator("#unavailable-name")).to_have_text(day.technician_names[row])
    # The seeded day is tomorrow: "now" for it is the start of the first shift.
    expect(page.locator("#unavailable-from")).to_have_value(f"{day.day.isoformat()}T09:00")
    expect(page.locator("#unavailable-to")).to_have_value(f"{day.day.isoformat()}T18:00")
    page.get_by_label("Reason").select_option("sick")
    shoot(page, shots, name)
    _clear_toasts(page)
    page.get_by_test_id("unavailable-submit").click()
    expect(page.get_by_test_id("toast").last).to_have_text(
        f"{day.technician_names[row]} is marked unavailable; the day is being re-planned."
    )
    expect(dialog).to_be_hidden()


def _rows_as_stored(
    app: Flask, world: World, day: DispatchDay, jobs: list[tuple[uuid.UUID, int]] | None = None
) -> tuple[list[list[int]], int]:
    """Each technician's job numbers as the database has them, and how many have nobody."""
    rows: list[list[int]] = [[] for _ in day.technician_ids]
    nobody = 0
    for job_id, number in day.planned if jobs is None else jobs:
        technicians, _job = assignment(app, world.a.tenant_id, job_id)
        if not technicians:
            nobody += 1
        for technician_id in technicians:
            rows[day.technician_ids.index(technician_id)].append(number)
    return [sorted(row) for row in rows], nobody


def _board_shows(page: Page, rows: list[list[int]], queued: int) -> None:
    for index, numbers in enumerate(rows):
        page.wait_for_function(
            f"want => JSON.stringify(({_ROW_NUMBERS})({index})) === JSON.stringify(want)",
            arg=numbers,
            timeout=5_000,
        )
    expect(page.get_by_test_id("queue-job")).to_have_count(queued)


def test_a_sick_technicians_day_is_re_planned_on_the_board(
    app: Flask,
    browser: Browser,
    queued_server: str,
    world: World,
    screenshots: Path,
) -> None:
    shots = screenshots / "dispatch"
    shots.mkdir(exist_ok=True)
    t = world.a
    day = seed_day(app, t.tenant_id, t.main, technicians=3, jobs_each=2, queued=0)
    jobs_of = [[j for j, _n in day.planned[2 * i : 2 * i + 2]] for i in range(3)]

    context_ = browser.new_context(base_url=queued_server, viewport=DESKTOP, locale="en-US")
    context_.set_default_timeout(8_000)
    loads: list[str] = []
    try:
        page = _sign_in(context_, t.slug, t["dispatcher"].email)
        page.on(
            "response",
            lambda r: loads.append(r.url) if "/api/v1/scheduling/board" in r.url else None,
        )
        _open_board(page, day)
        _no_fades(page)
        expect(page.get_by_test_id("live-state").locator(".text-success")).to_be_attached()
        assert _bars_in_row(page, 0) == sorted(n for _j, n in day.planned[:2])

        # --- policy "apply": the worker re-plans and applies; the board follows live -----------
        _set_replan_policy(app, world, "apply")
        _mark_sick(page, day, 0, shots, "unavailable-dialog")
        _wait_for(
            lambda: [r.status for r in _sick_runs(app, world, day)] == [PlanStatus.APPLIED],
            "the re-planning to be applied",
        )
        for job_id in jobs_of[0]:
            technicians, _job = assignment(app, t.tenant_id, job_id)
            assert day.technician_ids[0] not in technicians
        rows, queued = _rows_as_stored(app, world, day)
        assert rows[0] == []
        # Drawn without a reload: after the page's own two board loads (opening, and after
        # marking), the stream's plan.applied (and job.changed) loaded it again.
        _board_shows(page, rows, queued)
        assert len(loads) > 2
        expect(page.locator(".vis-item.time-off")).to_have_count(1)
        shoot(page, shots, "board-after-sick-applied")

        # --- policy "propose": a banner offers the new plan; opened and applied -----------------
        _set_replan_policy(app, world, "propose")
        _mark_sick(page, day, 1, shots, "unavailable-dialog-2")
        banner = page.get_by_test_id("plan-banner")
        expect(banner).to_have_text(
            re.compile(r"A new plan was proposed \(technician unavailable\)\."), timeout=15_000
        )
        proposed = [r for r in _sick_runs(app, world, day) if r.status == PlanStatus.PROPOSED]
        assert len(proposed) == 1
        # Proposed only: nothing moved yet.
        assert _rows_as_stored(app, world, day) == (rows, queued)
        shoot(page, shots, "board-plan-banner")
        banner.get_by_role("button", name="Review").click()
        expect(page.get_by_test_id("plan-proposal")).to_be_visible(timeout=10_000)
        expect(
            page.get_by_test_id("plan-route").filter(has_text=day.technician_names[2])
        ).to_be_visible()
        shoot(page, shots, "plan-proposal-sick")
        _clear_toasts(page)
        page.get_by_test_id("plan-apply").click()
        expect(page.get_by_test_id("toast").last).to_contain_text("Plan applied.")
        expect(page.get_by_test_id("plan-modal")).to_be_hidden()
        expect(banner).to_have_count(0)
        assert _plan_run(app, world, proposed[0].id).status == PlanStatus.APPLIED
        rows, queued = _rows_as_stored(app, world, day)
        assert rows[0] == [] and rows[1] == []
        _board_shows(page, rows, queued)
        expect(page.locator(".vis-item.time-off")).to_have_count(2)
        shoot(page, shots, "board-after-sick-proposed")
    finally:
        context_.close()
