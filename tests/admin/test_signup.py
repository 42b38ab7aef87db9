"""The public sign-up page: a new company in trial, its owner signed in, errors by the field."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dala.auth.models import RoleAssignment, User
from dala.db import get_session
from dala.tenancy import context
from dala.tenancy.models import Branch, Tenant, TenantStatus
from tests.support.portal import csrf

PASSWORD = "a good long pass phrase"


def _form(**changes: Any) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    data = {
        "company_name": f"Steppe Cooling {suffix}",
        "slug": "",
        "owner_name": "Aigerim Sadykova",
        "email": f"Aigerim@{suffix}.Example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "branch_name": "Astana",
        "timezone": "Asia/Almaty",
        "locale": "en",
    }
    data.update(changes)
    return data


def _send(client: FlaskClient, data: dict[str, Any]) -> Any:
    return client.post("/signup", data={"csrf_token": csrf(client, "/signup"), **data})


def _tenant_count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Tenant)) or 0


def _selected(page: str, field: str) -> str | None:
    select_html = re.search(rf'<select[^>]*name="{field}".*?</select>', page, re.S)
    assert select_html, field
    chosen = re.search(r'<option selected value="([^"]*)"', select_html.group(0))
    chosen = chosen or re.search(r'<option value="([^"]*)" selected', select_html.group(0))
    return chosen.group(1) if chosen else None


def test_the_form_offers_every_field_with_sensible_defaults(client: FlaskClient) -> None:
    page = client.get("/signup")
    assert page.status_code == 200
    for label in (
        "Company name",
        "Your name",
        "E-mail",
        "Password",
        "Repeat the password",
        "First branch",
        "Time zone",
        "Language",
    ):
        assert f">{label}</label>" in page.text, label
    assert _selected(page.text, "timezone") == "Asia/Almaty"
    assert _selected(page.text, "locale") == "en"
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in page.text
    assert 'href="/login"' in page.text
    russian = client.get("/signup", headers={"Accept-Language": "ru"})
    assert _selected(russian.text, "locale") == "ru"
    # ...and the sign-in page points here.
    login = client.get("/login")
    assert 'href="/signup"' in login.text and "Create a company account" in login.text


def test_sign_up_signs_the_owner_in_and_home_shows_the_trial(
    app: Flask, client: FlaskClient
) -> None:
    data = _form()
    sent = _send(client, data)
    assert sent.status_code == 302 and sent.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Aigerim Sadykova" in home.text
    assert 'data-testid="status">Free trial<' in home.text
    assert "days left in your free trial" in home.text
    assert data["company_name"] in home.text

    email = data["email"].lower()
    with app.app_context():
        session = get_session()
        tenant = session.scalars(select(Tenant).where(Tenant.name == data["company_name"])).one()
        slug = tenant.slug
        assert tenant.status == TenantStatus.TRIALING and tenant.plan == "usage"
        assert tenant.slug == f"steppe-cooling-{data['company_name'].split()[-1]}"
        assert f"Your company ID is {tenant.slug}" in home.text
        with context.tenant_scope(tenant.id):
            branch = session.scalars(select(Branch)).one()
            assert (branch.name, branch.timezone, branch.currency) == (
                "Astana",
                "Asia/Almaty",
                "KZT",
            )
            assert branch.locale == "en"
            owner = session.scalars(select(User)).one()
            assert (owner.email, owner.name, owner.locale) == (email, "Aigerim Sadykova", "en")
            assert owner.password_hash and PASSWORD not in owner.password_hash
            roles = session.scalars(select(RoleAssignment.role)).all()
            assert roles == ["owner"]
        session.rollback()

    # The new owner signs in again later with the company ID, as everyone does.
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    again = client.post(
        "/login",
        data={
            "csrf_token": csrf(client, "/login"),
            "tenant": slug,
            "email": email,
            "password": PASSWORD,
        },
    )
    assert again.status_code == 302


def test_field_errors_show_next_to_their_fields_and_create_nothing(
    app: Flask, client: FlaskClient
) -> None:
    before = _tenant_count(app)
    bad = _send(
        client,
        _form(
            company_name="",
            owner_name="",
            email="not-an-email",
            password="short",
            confirm="different",
            branch_name="  ",
            timezone="Mars/Olympus",
            locale="xx",
        ),
    )
    assert bad.status_code == 422
    for field in (
        "company_name",
        "owner_name",
        "email",
        "password",
        "confirm",
        "branch_name",
        "timezone",
        "locale",
    ):
        assert f'id="{field}-error"' in bad.text, field
    assert "Use 10 to 128 characters." in bad.text
    assert "The two passwords do not match." in bad.text
    assert 'value="not-an-email"' in bad.text  # what was typed stays
    assert PASSWORD not in bad.text
    spaces = _send(client, _form(password=" " * 12, confirm=" " * 12))
    assert spaces.status_code == 422 and 'id="password-error"' in spaces.text
    bad_id = _send(client, _form(slug="no spaces here"))
    assert bad_id.status_code == 422 and 'id="slug-error"' in bad_id.text
    no_token = client.post("/signup", data=_form())
    assert no_token.status_code == 400
    assert _tenant_count(app) == before
    assert client.get("/").status_code == 302  # nobody signed in


def test_a_taken_company_id_is_a_field_error_and_the_same_email_may_start_another(
    app: Flask, client: FlaskClient
) -> None:
    wanted = f"steppe-{uuid.uuid4().hex[:8]}"
    first = _send(client, _form(slug=wanted.upper()))
    assert first.status_code == 302
    client.post("/logout", data={"csrf_token": csrf(client, "/")})

    before = _tenant_count(app)
    taken = _send(client, _form(slug=wanted))
    assert taken.status_code == 409
    assert 'id="slug-error"' in taken.text and "This company address is taken." in taken.text
    assert _tenant_count(app) == before

    # An e-mail address is unique within a company: the same person may start another one
    # (as with POST /api/v1/signup), under a company ID of its own.
    same = _form(
        company_name="Steppe Cooling",
        email=f"someone@{wanted}.example.com",
        locale="ru",
        timezone="Europe/Moscow",
    )
    assert _send(client, same).status_code == 302
    assert '<html lang="ru">' in client.get("/").text  # the owner's chosen language
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert _send(client, same).status_code == 302
    with app.app_context():
        slugs = (
            get_session().scalars(select(Tenant.slug).where(Tenant.name == "Steppe Cooling")).all()
        )
    assert len(slugs) >= 2 and len(set(slugs)) == len(slugs)
