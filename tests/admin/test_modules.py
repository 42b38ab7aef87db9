"""Admin portal, modules: the catalogue per scope, switching with dependency checks, settings
forms made from manifests, who may do what, and a vendor module off in one branch only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dala import create_app
from dala.modules.hookspecs import hookimpl
from dala.modules.manifest import Layer, Level, Manifest
from tests.conftest import TestDatabase, app_config
from tests.support.mailbox import Mailbox
from tests.support.portal import csrf, sign_in
from tests.support.world import TenantWorld, World, build_world, call

FIRST_PARTY = ("dala_scheduling", "dala_tracking", "dala_messaging", "dala_crm", "dala_reporting")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def w(app: Flask) -> World:
    """Companies of this test's own: their module states concern nobody else."""
    return build_world(app)


def card(page: TestResponse | str, name: str) -> str:
    """The HTML of one module's card on a page."""
    text = page if isinstance(page, str) else page.text
    match = re.search(rf'<article[^>]*data-testid="module-{name}".*?</article>', text, re.S)
    assert match, f"no card for {name}"
    return match.group(0)


def switch(
    client: FlaskClient,
    scope: Any,
    name: str,
    on: bool,
    *,
    htmx: bool = False,
    follow: bool = False,
) -> TestResponse:
    data: dict[str, str] = {"csrf_token": csrf(client, "/admin/modules")}
    if on:
        data["enabled"] = "y"
    if follow:
        data["follow"] = "1"
    return client.post(
        f"/admin/modules/{scope}/{name}/switch", data=data, headers=HTMX if htmx else {}
    )


def settings_url(scope: Any, name: str) -> str:
    return f"/admin/modules/{scope}/{name}/settings"


def save_settings(client: FlaskClient, scope: Any, name: str, values: dict[str, Any]) -> Any:
    url = settings_url(scope, name)
    page = client.get(url)
    version = re.search(r'name="version"[^>]*value="([^"]*)"', page.text)
    assert version, page.text
    token = csrf(client, url)
    return client.post(url, data={"csrf_token": token, "version": version.group(1), **values})


def state(client: FlaskClient, t: TenantWorld, name: str, branch: Any = None) -> Any:
    query = f"?branch_id={branch}" if branch else ""
    r = call(client, "GET", f"/api/v1/modules/{name}{query}", t["owner"])
    assert r.status_code == 200, r.json
    return r.json


def test_the_page_lists_first_party_and_vendor_modules_with_their_states(
    client: FlaskClient, w: World
) -> None:
    sign_in(client, w.a, "owner")
    page = client.get("/admin/modules")
    assert page.status_code == 200
    assert 'data-testid="scope-name">Main<' in page.text  # the branch the portal works in
    for name in (*FIRST_PARTY, "acme_warranty"):
        assert f'data-testid="module-{name}"' in page.text
    vendor = card(page, "acme_warranty")
    assert "Warranty tracker" in vendor and "Acme · version 0.1.0" in vendor
    assert 'data-enabled="false"' in vendor and "Optional" in vendor and "Per branch" in vendor
    assert "View warranty registrations" in vendor  # the permissions it adds
    assert "Warranty registrations" in vendor and "per registration" in vendor  # its meter
    assert "Off until switched on" in vendor
    reports = card(page, "dala_reporting")
    assert 'data-enabled="true"' in reports and "On by default" in reports
    assert "Needs:" in card(page, "dala_tracking") and "Scheduling" in card(page, "dala_tracking")
    assert "Needed by:" in card(page, "dala_scheduling")
    # A company-wide module shows as the company has it, without a switch here.
    crm = card(page, "dala_crm")
    assert "Switched for the whole company." in crm and "switch-form-dala_crm" not in crm
    # The scope picker: the whole company and both branches.
    assert 'href="/admin/modules/company"' in page.text
    assert f'href="/admin/modules/{w.a.other}"' in page.text

    company = client.get("/admin/modules/company")
    assert company.status_code == 200 and 'data-testid="scope-name">Whole company<' in company.text
    assert 'data-testid="switch-form-dala_crm"' in card(company, "dala_crm")
    assert "Switched per branch" in card(company, "acme_warranty")
    assert "switch-form-acme_warranty" not in card(company, "acme_warranty")
    assert client.get(f"/admin/modules/{w.a.other}").status_code == 200
    assert client.get("/admin/modules/not-a-branch").status_code == 404


def test_a_dependency_that_is_off_is_named_on_the_card_and_nothing_changes(
    client: FlaskClient, w: World
) -> None:
    t = w.a
    sign_in(client, t, "owner")
    off = switch(client, t.main, "dala_scheduling", False)
    assert off.status_code == 302 and off.headers["Location"].endswith("#module-dala_scheduling")
    page = client.get(off.headers["Location"])
    assert "Scheduling is off in Main. Its data is kept" in page.text

    refused = switch(client, t.main, "dala_tracking", True)
    assert refused.status_code == 409
    assert "Switch on Scheduling first." in card(refused, "dala_tracking")
    assert "Switch on Scheduling first." not in card(refused, "dala_scheduling")
    assert state(client, t, "dala_tracking", t.main)["enabled"] is False

    # With htmx the answer is the card alone, with the same message.
    fragment = switch(client, t.main, "dala_tracking", True, htmx=True)
    assert fragment.status_code == 409 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith("<article") or "<article" in fragment.text
    assert "Switch on Scheduling first." in fragment.text
    assert state(client, t, "dala_tracking", t.main)["enabled"] is False

    # The other way round: a module that is on needs the one being switched off.
    assert switch(client, t.main, "dala_scheduling", True).status_code == 302
    assert switch(client, t.main, "dala_tracking", True).status_code == 302
    needed = switch(client, t.main, "dala_scheduling", False, htmx=True)
    assert needed.status_code == 409
    assert "Switch off Live tracking first; they need this module." in needed.text
    assert state(client, t, "dala_scheduling", t.main)["enabled"] is True


def test_switching_per_branch_and_for_the_whole_company(client: FlaskClient, w: World) -> None:
    t = w.a
    sign_in(client, t, "owner")
    on = switch(client, t.main, "acme_warranty", True, htmx=True)
    assert on.status_code == 200 and "<html" not in on.text
    assert 'data-enabled="true"' in on.text and "Warranty tracker is on in Main." in on.text
    # Switching off asks first, and says that the data stays.
    assert "all its data is kept" in card(on.text, "acme_warranty")
    assert state(client, t, "acme_warranty", t.main)["source"] == "branch"
    assert state(client, t, "acme_warranty", t.other)["enabled"] is False
    # A branch-level module is not switched company-wide.
    refused = switch(client, "company", "acme_warranty", True)
    assert refused.status_code == 422
    assert "switched on per branch" in card(refused, "acme_warranty")

    # Messaging: company-wide on reaches every branch; a branch may still say no.
    assert switch(client, "company", "dala_messaging", True).status_code == 302
    assert state(client, t, "dala_messaging", t.other)["source"] == "company"
    main_page = client.get(f"/admin/modules/{t.main}")
    assert 'data-testid="source-dala_messaging"' in card(main_page, "dala_messaging")
    assert "Company" in card(main_page, "dala_messaging")
    assert switch(client, t.main, "dala_messaging", False).status_code == 302
    assert state(client, t, "dala_messaging", t.main)["enabled"] is False
    assert state(client, t, "dala_messaging", t.other)["enabled"] is True
    page = client.get(f"/admin/modules/{t.main}")
    assert "Follow the company (on)" in card(page, "dala_messaging")
    back = switch(client, t.main, "dala_messaging", False, follow=True)
    assert back.status_code == 302
    assert "Customer messaging in Main follows the company: on." in client.get(back.location).text
    main = state(client, t, "dala_messaging", t.main)
    assert (main["enabled"], main["source"]) == (True, "company")
    # Another company's modules did not move.
    b = call(client, "GET", "/api/v1/modules/dala_messaging", w.b["owner"]).json
    assert b["enabled"] is False


def test_settings_form_from_the_manifest(client: FlaskClient, w: World) -> None:
    t = w.a
    sign_in(client, t, "owner")
    url = settings_url(t.main, "dala_scheduling")
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="value_travel_speed_kmh"' in page.text and 'min="5"' in page.text
    assert '<option selected value="propose">Propose a new plan</option>' in page.text
    assert "Apply the new plan at once" in page.text  # a choice's label, not its value
    assert 'data-testid="source-travel_speed_kmh"' in page.text
    assert "inherit-travel_speed_kmh" not in page.text  # nothing set here to go back from

    low = save_settings(client, t.main, "dala_scheduling", {"value_travel_speed_kmh": "2"})
    assert low.status_code == 422
    error = re.search(r'id="value_travel_speed_kmh-error">([^<]*)<', low.text)
    assert error and error.group(1) == "Enter a number from 5 to 120."
    word = save_settings(client, t.main, "dala_scheduling", {"value_travel_speed_kmh": "fast"})
    assert word.status_code == 422 and "Enter a whole number." in word.text
    assert state(client, t, "dala_scheduling", t.main)["settings"]["travel_speed_kmh"] == 30

    saved = save_settings(
        client,
        t.main,
        "dala_scheduling",
        {
            "value_travel_speed_kmh": "45",
            "value_replan_policy": "apply",
            "value_day_start": "08:00",
        },
    )
    assert saved.status_code == 302
    page = client.get(url)
    assert "Settings of Scheduling saved for Main." in page.text
    assert 'value="45"' in page.text
    source = re.search(r'data-testid="source-travel_speed_kmh">(.*?)</span>', page.text, re.S)
    assert source and "This branch" in source.group(1)
    assert "Use the inherited value:" in page.text and "<strong>30</strong>" in page.text
    main = state(client, t, "dala_scheduling", t.main)
    assert main["settings"]["travel_speed_kmh"] == 45
    assert main["settings_sources"] == {
        "travel_speed_kmh": "branch",
        "replan_policy": "branch",
        "day_start": "default",  # unchanged: still follows the default
    }
    assert state(client, t, "dala_scheduling", t.other)["settings"]["travel_speed_kmh"] == 30

    reset = save_settings(
        client,
        t.main,
        "dala_scheduling",
        {"value_travel_speed_kmh": "45", "inherit_travel_speed_kmh": "y"},
    )
    assert reset.status_code == 302
    main = state(client, t, "dala_scheduling", t.main)
    assert main["settings"]["travel_speed_kmh"] == 30
    assert main["settings_sources"]["travel_speed_kmh"] == "default"
    assert main["settings_sources"]["replan_policy"] == "branch"  # the other value stays


def test_branch_values_inherit_from_the_company(client: FlaskClient, w: World) -> None:
    t = w.a
    sign_in(client, t, "owner")
    # A browser sends a ticked box ("y") and leaves an unticked one out.
    company = save_settings(
        client,
        "company",
        "dala_messaging",
        {"value_reminder_hours_before": "12", "value_send_on_my_way": "y"},
    )
    assert company.status_code == 302
    page = client.get(settings_url(t.main, "dala_messaging"))
    assert 'value="12"' in page.text
    source = re.search(r'data-testid="source-reminder_hours_before">(.*?)</span>', page.text, re.S)
    assert source and "Company" in source.group(1)
    six = {"value_reminder_hours_before": "6", "value_send_on_my_way": "y"}
    assert save_settings(client, t.main, "dala_messaging", six).status_code == 302
    page = client.get(settings_url(t.main, "dala_messaging"))
    assert "<strong>12</strong>" in page.text and "(Company)" in page.text  # what reset gives
    assert state(client, t, "dala_messaging", t.main)["settings"]["send_on_my_way"] is True
    # A boolean setting is a switch; unticked means off.
    off = save_settings(
        client,
        t.main,
        "dala_messaging",
        {"value_reminder_hours_before": "6", "value_sender_name": ""},
    )
    assert off.status_code == 302
    main = state(client, t, "dala_messaging", t.main)
    assert main["settings"]["send_on_my_way"] is False
    assert main["settings"]["reminder_hours_before"] == 6
    back = save_settings(
        client,
        t.main,
        "dala_messaging",
        {"value_reminder_hours_before": "6", "inherit_reminder_hours_before": "y"},
    )
    assert back.status_code == 302
    main = state(client, t, "dala_messaging", t.main)
    assert main["settings"]["reminder_hours_before"] == 12
    assert main["settings_sources"]["reminder_hours_before"] == "company"
    assert state(client, t, "dala_messaging", t.other)["settings"]["send_on_my_way"] is True


def test_a_stale_settings_form_is_refused(client: FlaskClient, w: World) -> None:
    t = w.a
    sign_in(client, t, "owner")
    url = settings_url(t.main, "dala_reporting")
    page = client.get(url)
    assert "Monday" in page.text and "Sunday" in page.text
    version = re.search(r'name="version"[^>]*value="([^"]*)"', page.text)
    assert version
    token = csrf(client, url)
    r = call(
        client,
        "PATCH",
        "/api/v1/modules/dala_reporting",
        t["owner"],
        json={"branch_id": str(t.main), "settings": {"week_starts_on": "sunday"}},
    )
    assert r.status_code == 200
    stale = client.post(
        url,
        data={"csrf_token": token, "version": version.group(1), "value_week_starts_on": "monday"},
    )
    assert stale.status_code == 412 and "changed this module meanwhile" in stale.text
    assert state(client, t, "dala_reporting", t.main)["settings"]["week_starts_on"] == "sunday"


def test_a_company_wide_module_is_set_for_the_company_only(client: FlaskClient, w: World) -> None:
    t = w.a
    sign_in(client, t, "owner")
    here = client.get(settings_url(t.main, "dala_crm"))
    assert here.status_code == 200 and 'data-testid="scope-note"' in here.text
    assert "<fieldset disabled>" in here.text
    refused = save_settings(client, t.main, "dala_crm", {"value_quote_valid_days": "14"})
    assert refused.status_code == 422 and "for the whole company, not per branch" in refused.text
    saved = save_settings(client, "company", "dala_crm", {"value_quote_valid_days": "14"})
    assert saved.status_code == 302
    assert state(client, t, "dala_crm")["settings"]["quote_valid_days"] == 14


def test_a_viewer_reads_but_changes_nothing(client: FlaskClient, w: World) -> None:
    t = w.a
    sign_in(client, t, "viewer")
    page = client.get("/admin/modules")
    assert page.status_code == 200
    switches = re.findall(r'<input class="form-check-input[^>]*role="switch"[^>]*>', page.text)
    assert switches and all(" disabled" in s for s in switches)
    assert "<noscript>" not in page.text  # no Apply button either
    settings = client.get(settings_url(t.main, "dala_scheduling"))
    assert settings.status_code == 200 and 'data-testid="read-only"' in settings.text
    assert 'data-testid="save-settings"' not in settings.text
    assert switch(client, t.main, "acme_warranty", True).status_code == 403
    denied = save_settings(client, t.main, "dala_scheduling", {"value_travel_speed_kmh": "40"})
    assert denied.status_code == 403
    assert state(client, t, "acme_warranty", t.main)["enabled"] is False
    assert state(client, t, "dala_scheduling", t.main)["settings"]["travel_speed_kmh"] == 30


def test_who_may_open_and_change_which_scope(client: FlaskClient, w: World) -> None:
    t = w.a
    sign_in(client, t, "branch_admin")
    assert switch(client, t.main, "acme_warranty", True).status_code == 302
    # Another branch of the company: refused, as the API refuses it.
    assert switch(client, t.other, "acme_warranty", True).status_code == 403
    api = call(
        client,
        "PATCH",
        "/api/v1/modules/acme_warranty",
        t["branch_admin"],
        json={"branch_id": str(t.other), "enabled": True},
    )
    assert api.status_code == 403
    assert client.get(f"/admin/modules/{t.other}").status_code == 403
    assert client.get(settings_url(t.other, "dala_scheduling")).status_code == 403
    # The company-wide state is readable (what the branch inherits), not changeable.
    company = client.get("/admin/modules/company")
    assert company.status_code == 200
    assert switch(client, "company", "dala_messaging", True).status_code == 403
    # Another company's branch does not exist here.
    assert switch(client, w.b.main, "acme_warranty", True).status_code == 404
    assert client.get(f"/admin/modules/{w.b.main}").status_code == 404
    assert state(client, t, "acme_warranty", t.other)["enabled"] is False
    assert state(client, t, "dala_messaging")["enabled"] is False

    other = client.application.test_client()
    sign_in(other, t, "dispatcher")
    assert other.get("/admin/modules").status_code == 403
    assert switch(other, t.main, "acme_warranty", False).status_code == 403

    foreign = client.application.test_client()
    sign_in(foreign, w.b, "owner")
    assert foreign.get(settings_url(t.main, "dala_scheduling")).status_code == 404
    assert state(client, t, "acme_warranty", t.main)["enabled"] is True


def _work_in(client: FlaskClient, branch: Any) -> None:
    token = csrf(client, "/admin/modules")
    r = client.post("/branch", data={"csrf_token": token, "branch": str(branch), "next": "/"})
    assert r.status_code == 302


def test_a_vendor_module_off_in_one_branch_leaves_its_menu_and_pages_there(
    client: FlaskClient, w: World
) -> None:
    t = w.a
    sign_in(client, t, "owner")
    for branch in (t.main, t.other):
        assert switch(client, branch, "acme_warranty", True).status_code == 302
    assert switch(client, t.other, "acme_warranty", False).status_code == 302
    page = client.get(f"/admin/modules/{t.other}")
    assert 'data-enabled="false"' in card(page, "acme_warranty")
    assert 'data-enabled="true"' in card(client.get(f"/admin/modules/{t.main}"), "acme_warranty")

    _work_in(client, t.other)
    home = client.get("/")
    assert "Warranties" not in home.text and 'href="/acme-warranty/"' not in home.text
    assert client.get("/acme-warranty/").status_code == 404

    _work_in(client, t.main)
    home = client.get("/")
    assert "Warranties" in home.text and 'href="/acme-warranty/"' in home.text
    assert client.get("/acme-warranty/").status_code == 200


class Essentials:
    """An essential module, for the lock (no first-party plug-in is essential)."""

    @hookimpl
    def dala_manifest(self) -> Manifest:
        return Manifest(
            name="test_essentials",
            label="Essentials",
            version="1.0.0",
            level=Level.BOTH,
            layer=Layer.ESSENTIAL,
        )


@pytest.fixture(scope="module")
def with_essentials(database: TestDatabase, mailbox: Mailbox) -> Iterator[Flask]:
    other = create_app(app_config(database, mailbox, PLUGINS=[Essentials()]))
    yield other
    other.extensions["dala.db"].engine.dispose()


def test_an_essential_module_is_locked_on(with_essentials: Flask) -> None:
    world = build_world(with_essentials)
    client = with_essentials.test_client()
    sign_in(client, world.a, "owner")
    page = client.get("/admin/modules")
    essentials = card(page, "test_essentials")
    assert 'data-testid="locked-test_essentials"' in essentials and "Always on" in essentials
    assert "switch-form-test_essentials" not in essentials
    refused = switch(client, world.a.main, "test_essentials", False)
    assert refused.status_code == 409
    assert "essential and cannot be switched off" in card(refused, "test_essentials")
