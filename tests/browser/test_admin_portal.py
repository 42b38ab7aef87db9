"""The admin portal in real Chromium, as a new company meets it, in English and in Kazakh:
sign up, add a branch, invite a dispatcher, make a custom role, switch the vendor's module
off for one branch (its menu entry and page go there only), and the operator suspending
and reactivating the company. Every page is photographed at phone and desktop size.

The flow is written once in English; ``t`` turns each label into the page's language
(from core's catalogue), so an untranslated page fails the Kazakh run.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from dala.db import get_session
from dala.operators.services import ensure_operator
from tests.browser.conftest import english_left, shoot, translator
from tests.support.mailbox import Mailbox

PASSWORD = "a long and new password"
VENDOR_PAGE = "/acme-warranty/"


def _main_nav_links(page: Page) -> list[str]:
    return page.locator("#main-nav a.nav-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )


def _work_in(page: Page, branch: str) -> None:
    page.get_by_test_id("branch-switch").click()
    page.locator("#main-nav form[action='/branch']").get_by_role("button", name=branch).click()
    expect(page.get_by_test_id("branch-switch")).to_contain_text(branch)


def _section(page: Page, t: Callable[[str], str], name: str) -> None:
    page.get_by_test_id("admin-sections").get_by_role("link", name=t(name)).click()


@pytest.mark.parametrize("lang", ["en", "kk"])
def test_a_new_company_sets_itself_up(
    lang: str,
    browser: Browser,
    live_server: str,
    app: Flask,
    mailbox: Mailbox,
    screenshots: Path,
) -> None:
    t = translator(lang)
    shots = screenshots / f"admin-{lang}"
    shots.mkdir(exist_ok=True)
    suffix = uuid.uuid4().hex[:6]

    def look(on: Page, name: str) -> None:
        """Photograph the page; in Kazakh, none of core's English may be left on it."""
        shoot(on, shots, name)
        assert not english_left(on, lang), f"{name}: {english_left(on, lang)}"

    owner_email = f"owner-{suffix}@example.com"
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 1366, "height": 768},
        locale=f"{lang}-KZ",
        timezone_id="Asia/Almaty",  # the sign-up form takes the browser's zone
    )
    context.set_default_timeout(5_000)
    page = context.new_page()
    try:
        # --- sign up: the page speaks the browser's language --------------------------------
        page.goto("/login")
        page.get_by_test_id("signup-link").click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        look(page, "signup")
        form = page.get_by_test_id("signup-form")
        form.get_by_label(t("Company name")).fill(f"Steppe Heating {suffix}")
        form.get_by_label(t("Your name")).fill("Aigerim Sadykova")
        form.get_by_label(t("E-mail")).fill(owner_email)
        form.get_by_label(t("Password"), exact=True).fill(PASSWORD)
        form.get_by_label(t("Repeat the password")).fill("not the same password")
        form.get_by_label(t("First branch")).fill("Almaty")
        expect(form.get_by_label(t("Time zone"))).to_have_value("Asia/Almaty")
        form.get_by_label(t("Language")).select_option(lang)
        page.get_by_test_id("signup-submit").click()
        expect(page.locator("#confirm-error")).to_have_text(t("The two passwords do not match."))
        look(page, "signup-error")
        form.get_by_label(t("Password"), exact=True).fill(PASSWORD)
        form.get_by_label(t("Repeat the password")).fill(PASSWORD)
        page.get_by_test_id("signup-submit").click()
        expect(page.get_by_test_id("welcome")).to_be_visible()
        expect(page.get_by_test_id("status")).to_have_text(t("Free trial"))
        look(page, "home")

        # --- a second branch: Administration is one click from home ---------------------------
        page.locator("#main-nav").get_by_role("link", name=t("Administration")).click()
        expect(page.get_by_test_id("page-title")).to_have_text(t("Branches"))
        look(page, "branches")
        page.get_by_test_id("add-branch").click()
        branch_form = page.get_by_test_id("branch-form")
        branch_form.get_by_role("button", name=t("Add branch")).click()
        expect(page.locator("#name-error")).to_have_text(t("Give the branch a name."))
        branch_form.get_by_label(t("Name")).fill("Astana")
        branch_form.get_by_label(t("Time zone")).select_option("Asia/Almaty")
        look(page, "branch-form")
        branch_form.get_by_role("button", name=t("Add branch")).click()
        expect(page.get_by_test_id("branch-row")).to_have_count(2)

        # --- invite a dispatcher for Almaty ------------------------------------------------------
        _section(page, t, "Users")
        look(page, "users")
        page.get_by_test_id("invite-user").click()
        invite = page.get_by_test_id("invite-form")
        dispatcher_email = f"dispatch-{suffix}@example.com"
        invite.get_by_label(t("Name")).fill("Dana Dispatcher")
        invite.get_by_label(t("E-mail")).fill(dispatcher_email)
        page.get_by_test_id("invite-role").select_option("dispatcher")
        page.get_by_test_id("invite-branch").select_option(label="Almaty")
        look(page, "users-invite")
        page.get_by_test_id("send-invitation").click()
        expect(page.get_by_test_id("user-profile")).to_contain_text(dispatcher_email)
        expect(page.get_by_test_id("user-roles")).to_contain_text("Almaty")
        look(page, "users-detail")
        assert mailbox.to(dispatcher_email), "the invitation was not sent"

        # --- a custom role from the permission catalogue ----------------------------------------
        _section(page, t, "Roles")
        expect(page.get_by_test_id("permission-grid")).to_be_visible()
        look(page, "roles")
        page.get_by_test_id("new-role").click()
        role_form = page.get_by_test_id("role-form")
        role_form.get_by_label(t("Name")).fill("Senior dispatcher")
        for key in ("job:read", "job:create", "job:update", "technician:read", "customer:read"):
            page.locator(f"input[data-testid='permission-checkbox'][value='{key}']").check()
        look(page, "roles-form")
        page.get_by_test_id("save-role").click()
        expect(page.get_by_test_id("role-form").get_by_label(t("Name"))).to_have_value(
            "Senior dispatcher"
        )
        _section(page, t, "Roles")
        expect(
            page.get_by_test_id("grid-role").filter(has_text="Senior dispatcher")
        ).to_be_visible()

        # --- the vendor's module (switched per branch): on in both, then off in Astana -----------
        _section(page, t, "Modules")

        def switch(branch: str, on: bool) -> None:
            page.get_by_test_id("scope-picker").get_by_role("button").click()
            page.get_by_test_id("scope-branch").filter(has_text=branch).click()
            expect(page.get_by_test_id("scope-name")).to_have_text(branch)
            toggle = page.get_by_test_id("module-acme_warranty").get_by_test_id(
                "switch-acme_warranty"
            )
            if on:
                toggle.check()
                expect(toggle).to_be_checked()
            else:
                page.once("dialog", lambda dialog: dialog.accept())  # "all its data is kept"
                toggle.uncheck()
                expect(toggle).not_to_be_checked()

        switch("Almaty", on=True)
        look(page, "modules")
        switch("Astana", on=True)
        switch("Astana", on=False)
        look(page, "modules-off")
        page.get_by_test_id("settings-acme_warranty").click()
        look(page, "modules-settings")

        # Almaty keeps the menu entry and the page; Astana has neither.
        _work_in(page, "Almaty")
        assert VENDOR_PAGE in _main_nav_links(page)
        page.locator(f"#main-nav a[href='{VENDOR_PAGE}']").click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.get_by_test_id("warranty-registrations")).to_be_visible()
        look(page, "vendor-page")
        _work_in(page, "Astana")
        assert VENDOR_PAGE not in _main_nav_links(page)
        assert page.goto(VENDOR_PAGE).status == 404  # type: ignore[union-attr]
        page.goto("/admin/")
        _work_in(page, "Almaty")
        assert VENDOR_PAGE in _main_nav_links(page)

        # --- API tokens and the audit log of all of the above ---------------------------------
        _section(page, t, "API tokens")
        look(page, "tokens")
        _section(page, t, "Audit log")
        expect(page.get_by_test_id("audit-row").first).to_be_visible()
        look(page, "audit")

        # --- the platform operator suspends the company, then takes it back ---------------------
        operator_email = f"operator-{suffix}@dala.example"
        with app.app_context():
            db = get_session()
            ensure_operator(db, email=operator_email, name="Nurlan Operator", password=PASSWORD)
            db.commit()
        console = context.new_page()
        console.goto("/operator/login")
        look(console, "operator-login")
        login = console.get_by_test_id("operator-login-form")
        login.get_by_label(t("E-mail")).fill(operator_email)
        login.get_by_label(t("Password")).fill(PASSWORD)
        login.get_by_role("button").click()
        console.get_by_role("searchbox").fill(suffix)
        console.get_by_role("searchbox").press("Enter")
        row = console.get_by_test_id("tenant-row")
        expect(row).to_have_count(1)
        look(console, "operator-tenants")
        row.click()
        look(console, "operator-tenant")
        console.get_by_test_id("suspend").click()
        console.get_by_label(re.compile(t("Reason"))).fill("Unpaid invoice")
        console.get_by_test_id("confirm").click()

        page.reload()
        expect(page.get_by_test_id("suspended")).to_be_visible()
        look(page, "suspended")

        console.get_by_test_id("reactivate").click()
        console.get_by_label(re.compile(t("Reason"))).fill("Paid")
        console.get_by_test_id("confirm").click()
        page.goto("/")
        expect(page.get_by_test_id("welcome")).to_be_visible()
    finally:
        context.close()
