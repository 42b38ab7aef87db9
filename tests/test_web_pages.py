"""The portal's sign-in pages through the Flask test client (the browser tests cover the rest)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.test import TestResponse

from dala import create_app
from dala.auth.models import ActionToken, RoleAssignment, User
from dala.db import get_session, utcnow
from dala.extensions import login_manager
from dala.tenancy import context
from dala.tenancy.models import Tenant
from tests.conftest import TestDatabase, app_config
from tests.support.mailbox import Mailbox
from tests.support.portal import csrf, sign_in
from tests.support.world import PASSWORD, TenantWorld, World

NEW_PASSWORD = "another long enough password"


def session_cookie(response: TestResponse) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def user_row(app: Flask, tw: TenantWorld, role: str) -> User:
    with app.app_context(), context.tenant_scope(tw.tenant_id):
        user = get_session().get(User, (tw.tenant_id, tw[role].user_id))
        assert user is not None
        return user


def signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


# --- signing in ---------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"

    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    for name in ("csrf_token", "tenant", "email", "password"):
        assert f'name="{name}"' in page.text


def test_sign_in_lands_on_home(client: FlaskClient, world: World, app: Flask) -> None:
    response = sign_in(client, world.a, "dispatcher")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert user_row(app, world.a, "dispatcher").last_login_at is not None

    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Dispatcher" in home.text
    assert world.a.slug in home.text
    assert "Free trial" in home.text
    # A signed-in user going to the sign-in page is sent home.
    assert client.get("/login").headers["Location"] == "/"


def test_session_cookie_flags_in_tests(client: FlaskClient, world: World) -> None:
    assert login_manager.session_protection == "strong"
    cookie = session_cookie(sign_in(client, world.a, "viewer"))
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie
    assert "; Secure" not in cookie  # testing: plain http


def test_session_cookie_is_secure_outside_debug_and_testing(
    database: TestDatabase, mailbox: Mailbox, world: World
) -> None:
    production = create_app(app_config(database, mailbox, TESTING=False))
    try:
        assert production.config["SESSION_COOKIE_SECURE"] is True
        client = production.test_client()
        response = client.get("/login", base_url="https://dala.example")
        cookie = session_cookie(response)
        assert "; Secure" in cookie
        assert "; HttpOnly" in cookie
        assert "; SameSite=Lax" in cookie
    finally:
        production.extensions["dala.db"].engine.dispose()


def test_wrong_password_is_refused_with_one_message(
    client: FlaskClient, world: World, app: Flask
) -> None:
    response = sign_in(client, world.a, "technician", password="wrong password!")
    assert response.status_code == 401
    assert "Invalid company, e-mail or password." in response.text
    assert f'value="{world.a.tenant_id}"' not in response.text
    assert f'value="{world.a.slug}"' in response.text  # the form keeps what was typed
    assert not signed_in(client)

    other_company = client.post(
        "/login",
        data={
            "csrf_token": csrf(client),
            "tenant": world.b.slug,  # right e-mail and password, wrong company
            "email": world.a["technician"].email,
            "password": PASSWORD,
        },
    )
    assert other_company.status_code == 401
    assert "Invalid company, e-mail or password." in other_company.text


def test_empty_form_shows_a_message_next_to_each_field(client: FlaskClient) -> None:
    response = client.post("/login", data={"csrf_token": csrf(client)})
    assert response.status_code == 422
    assert (
        '<div class="invalid-feedback" id="tenant-error">Enter your company ID.</div>'
        in response.text
    )
    assert 'id="email-error">Enter your e-mail address.</div>' in response.text
    assert 'id="password-error">Enter your password.</div>' in response.text
    assert 'aria-invalid="true"' in response.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/api/docs", "/api/docs"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_sign_in_returns_only_to_pages_of_this_site(
    client: FlaskClient, world: World, target: str, expected: str
) -> None:
    url = f"/login?next={target}"
    response = sign_in(client, world.a, "viewer", url=url)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_post_without_csrf_token_is_refused_and_changes_nothing(
    client: FlaskClient, world: World, app: Flask
) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"tenant": world.a.slug, "email": world.a["admin"].email, "password": PASSWORD},
    )
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "The form has expired" in response.text
    assert not signed_in(client)
    assert user_row(app, world.a, "admin").last_login_at is None

    forged = client.post(
        "/login",
        data={
            "csrf_token": "forged",
            "tenant": world.a.slug,
            "email": world.a["admin"].email,
            "password": PASSWORD,
        },
    )
    assert forged.status_code == 400
    assert user_row(app, world.a, "admin").last_login_at is None


def test_sign_out_needs_a_post_with_token(client: FlaskClient, world: World) -> None:
    sign_in(client, world.a, "owner")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert signed_in(client)

    token = csrf(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "You have signed out." in client.get("/login").text
    assert not signed_in(client)


def test_changed_browser_loses_the_session(client: FlaskClient, world: World) -> None:
    """Session protection "strong": another user agent with the same cookie is signed out."""
    token = csrf(client, headers={"User-Agent": "Browser A"})
    client.post(
        "/login",
        data={
            "csrf_token": token,
            "tenant": world.a.slug,
            "email": world.a["viewer"].email,
            "password": PASSWORD,
        },
        headers={"User-Agent": "Browser A"},
    )
    assert client.get("/", headers={"User-Agent": "Browser A"}).status_code == 200
    assert client.get("/", headers={"User-Agent": "Browser B"}).status_code == 302


# --- home ---------------------------------------------------------------------------------------


def test_home_shows_roles_per_branch_and_trial_end_in_branch_time(
    client: FlaskClient, world: World, app: Flask
) -> None:
    # 20:30 UTC on 1 January is already 2 January in Almaty (the Main branch).
    trial_end = datetime(2030, 1, 1, 20, 30, tzinfo=UTC)
    with app.app_context():
        db = get_session()
        tenant = db.get(Tenant, world.a.tenant_id)
        assert tenant is not None
        tenant.trial_ends_at = trial_end
        with context.tenant_scope(world.a.tenant_id):
            db.add(
                RoleAssignment(
                    id=uuid.uuid4(),
                    user_id=world.a["dispatcher"].user_id,
                    role="viewer",
                    branch_id=world.a.other,
                    created_at=utcnow(),
                )
            )
            db.commit()

    sign_in(client, world.a, "dispatcher")
    page = client.get("/").text
    rows = re.findall(r'<tr data-testid="role-row">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    assert "Main" in rows[0] and "Dispatcher" in rows[0] and "Asia/Almaty" in rows[0]
    assert "Other" in rows[1] and "Viewer" in rows[1] and "Europe/Moscow" in rows[1]
    local_day = format_date(trial_end.astimezone(ZoneInfo("Asia/Almaty")), "long", locale="en")
    assert local_day == "January 2, 2030"
    assert f'data-testid="trial-end">{local_day}, ' in page
    assert "Times are shown in Asia/Almaty." in page


def test_home_of_an_owner_shows_company_wide_role(client: FlaskClient, world: World) -> None:
    sign_in(client, world.b, "owner")
    page = client.get("/").text
    rows = re.findall(r'<tr data-testid="role-row">(.*?)</tr>', page, re.S)
    assert len(rows) == 1
    assert "All branches" in rows[0] and "Owner" in rows[0]
    assert world.a.slug not in page
    assert 'href="/api/docs"' in page


# --- password reset -----------------------------------------------------------------------------


def _reset_token(client: FlaskClient, mailbox: Mailbox, tw: TenantWorld, role: str) -> str:
    response = client.post(
        "/forgot-password",
        data={
            "csrf_token": csrf(client, "/forgot-password"),
            "tenant": tw.slug,
            "email": tw[role].email,
        },
    )
    assert response.status_code == 200
    return mailbox.last_token(tw[role].email)


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    answers = []
    for tenant, email in [
        (world.a.slug, world.a["technician"].email),
        (world.a.slug, "nobody@nowhere.example.com"),
        ("no-such-company-" + uuid.uuid4().hex[:6], world.a["technician"].email),
    ]:
        response = client.post(
            "/forgot-password",
            data={"csrf_token": csrf(client, "/forgot-password"), "tenant": tenant, "email": email},
        )
        assert response.status_code == 200
        answers.append(re.search(r'data-testid="reset-sent">(.*?)</p>', response.text, re.S))
    assert all(answers)
    assert len({a.group(1).strip() for a in answers if a}) == 1
    assert len(mailbox.to(world.a["technician"].email)) == 1
    assert mailbox.to("nobody@nowhere.example.com", timeout=0.2) == []


def test_forgot_password_checks_the_fields(client: FlaskClient) -> None:
    response = client.post(
        "/forgot-password",
        data={"csrf_token": csrf(client, "/forgot-password"), "tenant": "x", "email": "not-mail"},
    )
    assert response.status_code == 422
    assert 'id="email-error">Not a valid e-mail address.</div>' in response.text


def test_reset_password_with_the_mailed_link(
    client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    token = _reset_token(client, mailbox, world.a, "viewer")
    url = f"/reset-password?token={token}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Choose a new password" in page.text

    mismatch = client.post(
        url, data={"csrf_token": csrf(client, url), "password": NEW_PASSWORD, "confirm": "other"}
    )
    assert mismatch.status_code == 422
    assert 'id="confirm-error">The two passwords do not match.</div>' in mismatch.text
    short = client.post(
        url, data={"csrf_token": csrf(client, url), "password": "short", "confirm": "short"}
    )
    assert short.status_code == 422
    assert 'id="password-error">Use 10 to 128 characters.</div>' in short.text

    done = client.post(
        url,
        data={"csrf_token": csrf(client, url), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert done.headers["Location"] == f"/login?tenant={world.a.slug}"
    login_page = client.get(done.headers["Location"])
    assert "Your password is set. Sign in with it now." in login_page.text
    assert f'value="{world.a.slug}"' in login_page.text

    assert sign_in(client, world.a, "viewer").status_code == 401  # the old password
    assert sign_in(client, world.a, "viewer", password=NEW_PASSWORD).status_code == 302

    again = client.get(url)
    assert again.status_code == 404
    assert "This link is invalid or has expired." in again.text
    reused = client.post(
        url,
        data={"csrf_token": csrf(client, url), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert reused.status_code == 400
    assert "This link is invalid or has expired." in reused.text


@pytest.mark.parametrize(
    "token", ["", "garbage", "dala_AAAA.short", "dala_" + "A" * 43 + "." + "b" * 43]
)
def test_reset_page_explains_a_bad_link(client: FlaskClient, token: str) -> None:
    page = client.get(f"/reset-password?token={token}")
    assert page.status_code == 404
    assert "This link is invalid or has expired." in page.text
    assert 'name="password"' not in page.text


def test_reset_page_explains_an_expired_link(
    client: FlaskClient, world: World, mailbox: Mailbox, app: Flask
) -> None:
    token = _reset_token(client, mailbox, world.a, "technician")
    with app.app_context(), context.tenant_scope(world.a.tenant_id):
        db = get_session()
        db.execute(
            update(ActionToken)
            .where(ActionToken.user_id == world.a["technician"].user_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.commit()
    url = f"/reset-password?token={token}"
    page = client.get(url)
    assert page.status_code == 404
    assert "This link is invalid or has expired." in page.text
    posted = client.post(
        url,
        data={"csrf_token": csrf(client, url), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert posted.status_code == 400
    assert sign_in(client, world.a, "technician", password=NEW_PASSWORD).status_code == 401


def test_new_password_ends_other_sessions(app: Flask, world: World, mailbox: Mailbox) -> None:
    elsewhere = app.test_client()
    sign_in(elsewhere, world.b, "dispatcher")
    assert signed_in(elsewhere)

    here = app.test_client()
    token = _reset_token(here, mailbox, world.b, "dispatcher")
    url = f"/reset-password?token={token}"
    here.post(
        url, data={"csrf_token": csrf(here, url), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert not signed_in(elsewhere)


# --- rate limit ---------------------------------------------------------------------------------


@pytest.fixture
def strict_app(database: TestDatabase, mailbox: Mailbox, app: Flask) -> Iterator[Flask]:
    strict = create_app(app_config(database, mailbox, LOGIN_RATE_LIMIT="3 per minute"))
    yield strict
    strict.extensions["dala.db"].engine.dispose()


def test_too_many_wrong_sign_ins_are_stopped(strict_app: Flask, world: World) -> None:
    client = strict_app.test_client()
    for _ in range(3):
        assert sign_in(client, world.a, "technician", password="wrong password").status_code == 401
    blocked = sign_in(client, world.a, "technician")  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many attempts. Wait a minute, then try again." in blocked.text
    assert f'value="{world.a.slug}"' in blocked.text
    assert not signed_in(client)
    assert client.get("/login").status_code == 200  # looking at the page is not an attempt

    # Another account from the same address is counted apart.
    assert sign_in(client, world.a, "viewer").status_code == 302


# --- language -----------------------------------------------------------------------------------


def test_language_choice_wins_over_the_browser(client: FlaskClient) -> None:
    assert '<html lang="kk">' in client.get("/login", headers={"Accept-Language": "kk"}).text
    response = client.post(
        "/language", data={"csrf_token": csrf(client), "locale": "ru", "next": "/forgot-password"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/forgot-password"
    page = client.get("/login", headers={"Accept-Language": "kk, en;q=0.5"})
    assert '<html lang="ru">' in page.text


def test_language_switch_ignores_unknown_languages_and_foreign_targets(
    client: FlaskClient,
) -> None:
    response = client.post(
        "/language",
        data={"csrf_token": csrf(client), "locale": "xx", "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/login"
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "en"}).text
    assert client.post("/language", data={"locale": "ru"}).status_code == 400  # no token


@pytest.mark.parametrize("url", ["/login", "/forgot-password"])
def test_unstorable_text_in_forms_is_a_field_error_not_a_crash(
    client: FlaskClient, url: str
) -> None:
    token = csrf(client, url)
    r = client.post(
        url,
        data={
            "csrf_token": token,
            "tenant": "a\x00b",
            "email": "x@example.com",
            "password": "whatever123",
        },
    )
    assert r.status_code == 422
    assert "NUL" in r.text
