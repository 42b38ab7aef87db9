"""Real Chromium (Debian's /usr/bin/chromium) driving the session app over a live server.

One browser for the whole test session; each test gets a fresh context (own
cookies) and page. Playwright never downloads a browser here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from gettext import GNUTranslations
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """``app`` served on a free loopback port, in a thread, while the block runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The session app (tasks run at once, where they are enqueued) on a live server."""
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (scripts/apt-install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-US")
    ctx.set_default_timeout(5_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


TRANSLATIONS = Path(__file__).resolve().parents[2] / "dala" / "translations"


def translator(lang: str) -> Callable[[str], str]:
    """Core's translation of an English text into ``lang``, as the pages show it.

    Browser tests written once in English find the same buttons and labels in
    another language through it (and fail where a page is left untranslated).
    """
    if lang == "en":
        return lambda text: text
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        catalogue = GNUTranslations(f)

    def translate(text: str) -> str:
        translated = catalogue.gettext(text)
        assert translated != text, f"{text!r} has no {lang} translation"
        return translated

    return translate


def shoot(page: Page, folder: Path, name: str) -> None:
    """Screenshots of the page at desktop and phone size; neither may scroll sideways."""
    size = page.viewport_size
    for size_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {size_name} size"
        page.evaluate("document.fonts.ready.then(() => true)")  # icons drawn, not boxes
        page.evaluate("window.scrollTo(0, 0)")  # a sticky bar stays on top of the picture
        page.screenshot(path=str(folder / f"{name}-{size_name}.png"), full_page=True)
    if size:
        page.set_viewport_size(size)


def english_left(page: Page, lang: str) -> list[str]:
    """Core's English texts (of a few words or more) that a page in ``lang`` still shows."""
    if lang == "en":
        return []
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        texts = {
            m.id
            for m in read_po(f)
            if isinstance(m.id, str) and " " in m.id and "%" not in m.id and len(m.id) > 12
        }
    shown = page.inner_text("body")
    return sorted(text for text in texts if text in shown)
