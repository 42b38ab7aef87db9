"""The way into the technician app from the portal: a main-menu entry for whoever works jobs
(``job:work``: technicians and admins, not dispatchers), and a word on the home page for
field staff (``job:work`` and a technician profile)."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from dala.auth.catalogue import BUILTIN_ROLES
from tests.support import work
from tests.support.portal import sign_in
from tests.support.world import World


def _menu_entry(page: str) -> str | None:
    """The main menu's link to the app, if the page has one."""
    menu = re.search(r'<ul class="navbar-nav[^"]*">(.*?)</ul>', page, re.S)
    assert menu, "the portal's main menu is missing"
    entry = re.search(r'<a [^>]*href="/app"[^>]*>(.*?)</a>', menu.group(1), re.S)
    return entry.group(1) if entry else None


@pytest.mark.parametrize("role", ["technician", "admin", "owner"])
def test_people_who_work_jobs_find_the_app_in_the_menu(
    client: FlaskClient, world: World, role: str
) -> None:
    sign_in(client, world.a, role)
    page = client.get("/")
    assert page.status_code == 200

    entry = _menu_entry(page.text)
    assert entry is not None, f"{role} sees no menu entry for the technician app"
    assert "Technician app" in entry and 'class="bi bi-phone"' in entry
    assert client.get("/app").status_code == 200


def test_a_technician_is_told_on_home_how_to_get_the_app(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "technician")
    assert 'data-testid="technician-app"' not in client.get("/").text  # no profile: no day

    work.technician(client, world.a)  # the office adds them as field staff
    page = client.get("/").text
    assert 'data-testid="technician-app"' in page
    assert "http://localhost/app" in page  # the address to open on the phone
    assert 'href="/app" data-testid="open-technician-app"' in page


def test_an_admin_without_a_technician_profile_is_not_told_to_work_jobs(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.a, "admin")
    page = client.get("/").text
    assert _menu_entry(page) is not None
    assert 'data-testid="technician-app"' not in page


@pytest.mark.parametrize("role", ["dispatcher", "viewer"])
def test_people_who_work_no_jobs_see_no_app(client: FlaskClient, world: World, role: str) -> None:
    assert "job:work" not in BUILTIN_ROLES[role]  # the premise: the role works no jobs
    sign_in(client, world.a, role)
    page = client.get("/")
    assert page.status_code == 200

    assert _menu_entry(page.text) is None
    assert 'data-testid="technician-app"' not in page.text
    assert "Home" in page.text  # the menu is there, only without the app
