"""The technician app's files as the server hands them out: the shell in each language,
the manifest, the service worker (its scope, its content type, what it keeps offline and
what it never keeps), the icons and the modules. The browser test drives the app itself
(tests/browser/test_technician_app.py)."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dala.web.app.strings import TEXTS, catalogue
from tests.browser.conftest import translator

APP_JS = Path(__file__).resolve().parents[2] / "dala" / "web" / "app" / "static" / "js"


def embedded(page: TestResponse, element_id: str) -> Any:
    pattern = rf'<script type="application/json" id="{element_id}">(.*?)</script>'
    found = re.search(pattern, page.text)
    assert found, f"#{element_id} is missing"
    return json.loads(found.group(1))


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_shell_speaks_the_browsers_language_and_carries_every_language(
    client: FlaskClient, lang: str
) -> None:
    page = client.get("/app", headers={"Accept-Language": f"{lang},en;q=0.5"})

    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert f'<html lang="{lang}">' in page.text
    config = embedded(page, "app-config")
    assert config["locale"] == lang
    assert [code for code, _name in config["languages"]] == ["en", "ru", "kk"]
    strings = embedded(page, "app-strings")
    assert set(strings) == {"en", "ru", "kk"}  # switching language needs no network
    t = translator(lang)
    for key, english in [("company_id", "Company ID"), ("password", "Password")]:
        assert strings[lang]["strings"][key] == t(english)


def test_shell_links_the_manifest_and_loads_the_app_as_a_module(client: FlaskClient) -> None:
    page = client.get("/app")

    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in page.text
    assert '<script type="module" src="/app/static/js/main.js">' in page.text
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in page.text
    assert page.headers["Cache-Control"] == "no-cache"


def test_placeholders_and_plurals_reach_the_app_in_its_own_form(client: FlaskClient) -> None:
    with client.application.test_request_context():
        english, russian = catalogue("en"), catalogue("ru")

    assert english["strings"]["all_synced"] == "All synced · {time}"
    assert english["plurals"]["changes_waiting"] == {
        "one": "{n} change waiting",
        "other": "{n} changes waiting",
    }
    # Russian counts in three forms (1 изменение, 2 изменения, 5 изменений), plus fractions.
    assert {"one", "few", "many"} <= set(russian["plurals"]["changes_waiting"])


def _keys_the_app_asks_for() -> set[str]:
    keys: set[str] = set()
    for path in APP_JS.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"\btn?\(\"([a-z_]+)\"", source))
        keys |= set(re.findall(r"label: \"([a-z_]+)\"", source))
        keys |= set(re.findall(r"\[\"(problem_[a-z]+)\"", source))
        keys |= {d for d in re.findall(r"\[-?\d, \"([a-z]+)\"\]", source)}
    # Keys the app builds: t(`status_${status}`), t(`time_${kind}`), t(`priority_${p}`).
    statuses = ("draft", "scheduled", "dispatched", "en_route", "on_site", "completed")
    keys |= {f"status_{s}" for s in (*statuses, "on_hold", "cancelled")}
    keys |= {f"time_{k}" for k in ("work", "travel", "break")}
    keys |= {"priority_high", "priority_emergency"}
    return keys


def test_every_text_the_app_asks_for_is_marked_for_translation(client: FlaskClient) -> None:
    with client.application.test_request_context():
        english = catalogue("en")
    known = set(english["strings"]) | set(english["plurals"])

    wanted = _keys_the_app_asks_for()
    assert {"step_en_route", "changes_waiting", "yesterday", "problem_upload"} <= wanted
    assert not wanted - known, f"add these to dala/web/app/strings.py: {sorted(wanted - known)}"
    assert not set(TEXTS) - wanted, f"texts no module uses: {sorted(set(TEXTS) - wanted)}"


def test_manifest_makes_the_app_installable(client: FlaskClient) -> None:
    answer = client.get("/app/manifest.webmanifest", headers={"Accept-Language": "en"})

    assert answer.status_code == 200
    assert answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.data)
    assert manifest["name"] == "Dala for technicians"
    assert manifest["short_name"] == "Dala"
    assert manifest["start_url"] == "/app"
    assert manifest["scope"] == "/app"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0d6efd"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {(s, p) for s in ("192x192", "512x512") for p in ("any", "maskable")}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


@pytest.mark.parametrize("size", [192, 512])
def test_icons_are_png_of_their_size(client: FlaskClient, size: int) -> None:
    answer = client.get(f"/app/icon-{size}.png")

    assert answer.mimetype == "image/png"
    assert answer.data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", answer.data[16:24])
    assert (width, height) == (size, size)


def _precached(script: str) -> list[str]:
    found = re.search(r"const FILES = (\[.*?\]);", script)
    assert found
    return list(json.loads(found.group(1)))


def test_service_worker_controls_the_app_and_is_always_checked_for_updates(
    client: FlaskClient,
) -> None:
    answer = client.get("/app/sw.js")

    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    # /app/sw.js may control /app itself (its folder alone would be /app/).
    assert answer.headers["Service-Worker-Allowed"] == "/app"
    # A cached worker would hide a new version; the browser must ask each time.
    assert answer.headers["Cache-Control"] == "no-cache"
    assert re.search(r'const VERSION = "[0-9a-f]{16}";', answer.text)


def test_service_worker_keeps_everything_the_app_starts_with_and_no_api(
    client: FlaskClient,
) -> None:
    files = _precached(client.get("/app/sw.js").text)

    for needed in (
        "/app",
        "/app/manifest.webmanifest",
        "/app/static/js/main.js",
        "/app/static/js/sync.js",
        "/app/static/css/app.css",
        "/static/vendor/bootstrap/css/bootstrap.min.css",
        "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "/static/vendor/bootstrap-icons/bootstrap-icons.min.css",
        "/static/vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
        "/static/vendor/idb/index.js",
        "/static/vendor/signature_pad/signature_pad.js",
    ):
        assert needed in files
    assert not [url for url in files if url.startswith("/api")]
    # Every module the app imports is kept, or the app would not start offline.
    for path in APP_JS.rglob("*.js"):
        assert f"/app/static/js/{path.relative_to(APP_JS).as_posix()}" in files
    for url in files:
        answer = client.get(url)
        assert answer.status_code == 200, url
        answer.close()


def test_service_worker_answers_only_for_the_files_it_keeps(client: FlaskClient) -> None:
    script = client.get("/app/sw.js").text

    # The fetch handler steps aside (no respondWith) for anything not precached: the
    # API's answers always come from the network, never from a cache.
    assert "if (!KEPT.has(url.pathname)) return;" in script
    assert 'event.request.method !== "GET"' in script
    assert script.count("cache.put") == 0


def test_the_apps_modules_are_javascript(client: FlaskClient) -> None:
    answer = client.get("/app/static/js/main.js")

    assert answer.status_code == 200
    assert answer.mimetype in {"text/javascript", "application/javascript"}
    assert client.get("/app/static/js/nothing-here.js").status_code == 404
    assert client.get("/static/vendor/idb/index.js").status_code == 200
