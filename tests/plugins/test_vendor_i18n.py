"""The vendor example's own translation domain: complete catalogues, used on its page and
in core's pages (menu, module catalogue), without taking over core's translations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests.plugins.test_vendor_host import _switch
from tests.support.portal import csrf, sign_in
from tests.support.world import World, call

VENDOR = Path(__file__).resolve().parents[2] / "examples" / "vendor_plugin"
CATALOGUES = VENDOR / "acme_warranty" / "translations"


def _extracted(tmp_path: Path) -> set[str]:
    pot = tmp_path / "acme_warranty.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=VENDOR,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_vendor_catalogues_are_complete(lang: str, tmp_path: Path) -> None:
    with (CATALOGUES / lang / "LC_MESSAGES" / "acme_warranty.po").open("rb") as f:
        catalogue = read_po(f, locale=lang)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else (m.string,))
    }
    missing = _extracted(tmp_path) - translated
    assert not missing, f"translate in acme_warranty/translations/{lang}: {sorted(missing)}"


def test_kazakh_menu_page_and_catalogue_use_the_vendor_domain(
    client: FlaskClient, world: World
) -> None:
    t = world.b
    assert _switch(client, t, t.main, True).status_code == 200
    try:
        portal = client.application.test_client()
        sign_in(portal, t, "owner")
        portal.post("/language", data={"locale": "kk", "csrf_token": csrf(portal, "/")})
        home = portal.get("/").text
        assert "Кепілдіктер" in home  # the vendor's menu item, from its own catalogue
        assert "Шығу" in home  # core's "Sign out", still from core's catalogue
        page = portal.get("/acme-warranty/").text
        assert "Әр орындалған тапсырыс өз кепілдік мерзімімен тіркеледі." in page
        modules = call(
            client,
            "GET",
            "/api/v1/modules/acme_warranty",
            t["owner"],
            headers={"Accept-Language": "kk"},
        ).json
        assert modules["label"] == "Кепілдік есебі"  # noqa: RUF001
        assert modules["settings_schema"][0]["label"] == "Кепілдік мерзімі (ай)"
    finally:
        _switch(client, t, t.main, False)
