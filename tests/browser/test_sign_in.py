"""The sign-in pages in real Chromium: sign in, errors, password reset by e-mail, CSRF, sign out."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from dala.auth.models import User
from dala.db import get_session
from dala.tenancy import context
from tests.browser.conftest import DESKTOP, PHONE
from tests.support.mailbox import Mailbox
from tests.support.world import PASSWORD, World

NEW_PASSWORD = "a brand new long password"


def sign_in(page: Page, tenant: str, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Company ID").fill(tenant)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_test_id("login-form").get_by_role("button", name="Sign in").click()


def last_login(app: Flask, tenant_id: object, user_id: object) -> object:
    with app.app_context(), context.tenant_scope(tenant_id):  # type: ignore[arg-type]
        user = get_session().get(User, (tenant_id, user_id))
        assert user is not None
        return user.last_login_at


def test_sign_in_shows_home_with_roles(page: Page, world: World) -> None:
    person = world.a["dispatcher"]
    sign_in(page, world.a.slug, person.email, PASSWORD)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("welcome")).to_have_text("Welcome, Dispatcher")
    expect(page.get_by_test_id("company")).to_contain_text("Alpha Service")
    rows = page.get_by_test_id("role-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Main")
    expect(rows.first).to_contain_text("Dispatcher")
    expect(page.get_by_test_id("status")).to_have_text("Free trial")
    expect(page.get_by_test_id("plan")).to_contain_text("Asia/Almaty")
    expect(page.get_by_test_id("api-docs")).to_have_attribute("href", "/api/docs")


def test_wrong_password_shows_the_error_and_keeps_the_form(page: Page, world: World) -> None:
    person = world.a["technician"]
    sign_in(page, world.a.slug, person.email, "not the password at all")

    expect(page.get_by_role("alert")).to_have_text("Invalid company, e-mail or password.")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_label("Company ID")).to_have_value(world.a.slug)
    expect(page.get_by_label("E-mail")).to_have_value(person.email)
    expect(page.get_by_label("Password")).to_have_value("")


def test_empty_form_shows_messages_next_to_the_fields(page: Page, screenshots: Path) -> None:
    page.goto("/login")
    page.get_by_test_id("login-form").get_by_role("button", name="Sign in").click()

    expect(page.locator("#tenant-error")).to_have_text("Enter your company ID.")
    expect(page.locator("#email-error")).to_have_text("Enter your e-mail address.")
    expect(page.locator("#password-error")).to_have_text("Enter your password.")
    expect(page.get_by_label("E-mail")).to_have_class(re.compile(r"\bis-invalid\b"))
    page.set_viewport_size(PHONE)
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(screenshots / "login-invalid-phone.png"), full_page=True)


def test_forgot_password_then_mail_link_then_new_password(
    page: Page, world: World, mailbox: Mailbox, app: Flask, live_server: str
) -> None:
    person = world.b["viewer"]
    sign_in(page, world.b.slug, person.email, "I forgot it")
    page.get_by_role("link", name="Forgot password?").click()  # carries the company over
    expect(page.get_by_label("Company ID")).to_have_value(world.b.slug)
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_test_id("reset-sent")).to_contain_text("If an account with this e-mail")

    messages = mailbox.to(person.email)
    assert len(messages) == 1
    body = messages[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"(\S+/reset-password\?token=\S+)", body)
    assert link, body
    public = app.config["PUBLIC_URL"].rstrip("/")
    assert link.group(1).startswith(public + "/reset-password?token=")
    page.goto(live_server + link.group(1)[len(public) :])

    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the password").click()

    expect(page).to_have_url(re.compile(r"/login\?tenant="))
    expect(page.get_by_role("alert")).to_have_text("Your password is set. Sign in with it now.")
    expect(page.get_by_label("Company ID")).to_have_value(world.b.slug)
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_test_id("login-form").get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("welcome")).to_have_text("Welcome, Viewer")

    # The link worked once.
    page.goto(live_server + link.group(1)[len(public) :])
    expect(page.get_by_test_id("link-invalid")).to_contain_text("invalid or has expired")


def test_login_post_without_csrf_token_is_refused(page: Page, world: World, app: Flask) -> None:
    person = world.a["admin"]
    page.goto("/login")  # the browser holds a session cookie, but the post carries no token
    response = page.request.post(
        "/login", form={"tenant": world.a.slug, "email": person.email, "password": PASSWORD}
    )
    assert response.status == 400
    assert "The form has expired" in response.text()

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    assert last_login(app, world.a.tenant_id, person.user_id) is None


def test_sign_out(page: Page, world: World) -> None:
    person = world.a["owner"]
    sign_in(page, world.a.slug, person.email, PASSWORD)
    expect(page.get_by_test_id("role-row").first).to_contain_text("All branches")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("sign-out").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_have_text("You have signed out.")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_language_switch_is_remembered(page: Page) -> None:
    page.goto("/login")
    page.get_by_test_id("language-switch").click()
    page.get_by_role("button", name="Қазақша").click()

    expect(page.locator("html")).to_have_attribute("lang", "kk")
    page.goto("/forgot-password")
    expect(page.locator("html")).to_have_attribute("lang", "kk")


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def test_screenshots_phone_and_desktop(
    page: Page, world: World, app: Flask, mailbox: Mailbox, screenshots: Path
) -> None:
    """Each page at phone and desktop size, saved for people to look at."""
    person = world.a["branch_admin"]
    app.test_client().post(
        "/api/v1/auth/password-reset", json={"tenant": world.a.slug, "email": person.email}
    )
    token = mailbox.last_token(person.email)

    def shoot(name: str) -> None:
        for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            _no_sideways_scroll(page)
            page.evaluate("document.fonts.ready.then(() => true)")  # icons drawn, not boxes
            page.screenshot(path=str(screenshots / f"{name}-{size_name}.png"), full_page=True)

    page.goto("/login")
    shoot("login")
    sign_in(page, world.a.slug, person.email, "wrong password")
    expect(page.get_by_role("alert")).to_be_visible()
    shoot("login-error")
    page.goto("/forgot-password")
    shoot("forgot-password")
    page.goto(f"/reset-password?token={token}")
    shoot("reset-password")
    page.goto("/reset-password?token=dala_expired.link")
    shoot("reset-password-invalid")

    page.set_viewport_size(DESKTOP)
    sign_in(page, world.a.slug, person.email, PASSWORD)
    expect(page.get_by_test_id("welcome")).to_be_visible()
    shoot("home")
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bcollapse show\b"))
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(screenshots / "home-menu-phone.png"))
