"""The operator console: operators from the CLI, their own sign-in, the company list with
its usage, a company's page, suspending and reactivating (API, portal sessions, sign-in).

Suspensions use companies each test makes (the sign-up service), never the shared
``world``; ``world`` serves as the other companies that must stay unaffected.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from admin_portal.operator import tenants as tenants_view
from dala.audit.models import AuditEvent
from dala.auth.tokens import issue_token
from dala.auth.users import invite_user, set_password
from dala.db import get_session, utcnow
from dala.demo import DEMO_OPERATOR_EMAIL, DEMO_PASSWORD, seed_demo_operator
from dala.operators.models import Operator, OperatorAction
from dala.tenancy import context
from dala.tenancy.models import Tenant, TenantStatus
from dala.tenancy.services import signup
from dala.work.job_models import Job
from dala.work.technicians import create_technician
from tests.support.portal import csrf, send_form
from tests.support.work import job
from tests.support.world import PASSWORD, Person, TenantWorld, World, call

API = "/api/v1"
OPERATOR_PASSWORD = "operator pass phrase 1"


# --- helpers --------------------------------------------------------------------------------------


@dataclass
class Company:
    """A company made by the test: its owner signs in to the portal and holds an API token."""

    tenant_id: uuid.UUID
    slug: str
    name: str
    branch_id: uuid.UUID
    owner: Person

    @property
    def world(self) -> TenantWorld:
        """As the work helpers (tests.support.work) take it."""
        return TenantWorld(
            self.tenant_id, self.slug, self.branch_id, self.branch_id, {"owner": self.owner}
        )


def make_company(app: Flask, label: str = "Operator Test") -> Company:
    suffix = uuid.uuid4().hex[:8]
    with app.app_context():
        session = get_session()
        made = signup(
            session,
            company_name=f"{label} {suffix}",
            email=f"owner@{suffix}.example.com",
            password=PASSWORD,
            branch_name="Main",
            timezone="Asia/Almaty",
            locale="en",
        )
        session.commit()
        with context.tenant_scope(made.tenant.id):
            token = issue_token(session, made.owner, name="test").secret
            session.commit()
        company = Company(
            made.tenant.id,
            made.tenant.slug,
            made.tenant.name,
            made.branch.id,
            Person(made.owner.id, made.owner.email, token),
        )
    context.clear()
    return company


def cli(app: Flask, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["operator", *args], input=stdin)
    return result.exit_code, result.output


def make_operator(app: Flask, name: str = "Ann Operator") -> str:
    email = f"op-{uuid.uuid4().hex[:8]}@dala.example"
    code, output = cli(
        app,
        "create",
        "--email",
        email,
        "--name",
        name,
        "--password-stdin",
        stdin=f"{OPERATOR_PASSWORD}\n",
    )
    assert code == 0, output
    return email


def operator_sign_in(
    client: FlaskClient, email: str, password: str = OPERATOR_PASSWORD
) -> TestResponse:
    token = csrf(client, "/operator/login")
    return client.post(
        "/operator/login", data={"csrf_token": token, "email": email, "password": password}
    )


def company_sign_in(
    client: FlaskClient, company: Company, password: str = PASSWORD
) -> TestResponse:
    token = csrf(client, "/login")
    return client.post(
        "/login",
        data={
            "csrf_token": token,
            "tenant": company.slug,
            "email": company.owner.email,
            "password": password,
        },
    )


def change_status(client: FlaskClient, url: str, reason: str) -> TestResponse:
    """Confirm a suspension or reactivation as the page offers it (its version included)."""
    page = client.get(url)
    fields = dict(re.findall(r'name="(csrf_token|version)"[^>]*value="([^"]*)"', page.text))
    assert "csrf_token" in fields, page.text
    return client.post(url, data={**fields, "reason": reason})


def shown_texts(page: TestResponse, name: str) -> list[str]:
    """The texts of the elements with ``data-testid="name"`` (no nested tags)."""
    return re.findall(rf'data-testid="{name}"[^>]*>([^<]*)<', page.text)


@pytest.fixture
def operator_client(app: Flask) -> FlaskClient:
    """A browser with an operator signed in to the console."""
    client = app.test_client()
    assert operator_sign_in(client, make_operator(app)).status_code == 302
    return client


# --- operators from the CLI -----------------------------------------------------------------------


def test_cli_creates_lists_and_deactivates_operators(app: Flask) -> None:
    email = f"op-{uuid.uuid4().hex[:8]}@dala.example"
    code, output = cli(
        app, "create", "--email", email.upper(), "--name", "Ann Lee", stdin="too short\ntoo short\n"
    )
    assert code != 0 and "10 to 128 characters" in output
    code, output = cli(
        app,
        "create",
        "--email",
        f"  {email.upper()} ",
        "--name",
        "Ann Lee",
        stdin=f"{OPERATOR_PASSWORD}\nnot the same one\n{OPERATOR_PASSWORD}\n{OPERATOR_PASSWORD}\n",
    )
    assert code == 0, output
    assert "do not match" in output  # the prompt asked again
    assert f"operator {email} created" in output

    again = cli(
        app, "create", "--email", email, "--name", "X", "--password-stdin", stdin="another pass 1\n"
    )
    assert again[0] != 0 and "already exists" in again[1]
    bad = cli(app, "create", "--email", "no-at-sign", "--name", "X", "--password-stdin", stdin="")
    assert bad[0] != 0 and "not a valid e-mail" in bad[1]

    code, listing = cli(app, "list")
    assert code == 0
    line = next(ln for ln in listing.splitlines() if ln.startswith(email))
    assert "active" in line and "never signed in" in line and "Ann Lee" in line
    assert OPERATOR_PASSWORD not in listing and "$argon2" not in listing

    with app.app_context():
        stored = get_session().scalars(select(Operator).where(Operator.email == email)).one()
        assert stored.password_hash.startswith("$argon2") and stored.is_active

    assert cli(app, "deactivate", "--email", email)[0] == 0
    line = next(ln for ln in cli(app, "list")[1].splitlines() if ln.startswith(email))
    assert "deactivated" in line
    missing = cli(app, "deactivate", "--email", "nobody@dala.example")
    assert missing[0] != 0 and "No operator" in missing[1]


# --- signing in -----------------------------------------------------------------------------------


def test_operator_signs_in_with_their_own_form(app: Flask, client: FlaskClient) -> None:
    email = make_operator(app, name="Ann Lee")
    assert client.get("/operator/").headers["Location"].startswith("/operator/login")

    empty = client.post("/operator/login", data={"csrf_token": csrf(client, "/operator/login")})
    assert empty.status_code == 422 and 'id="email-error"' in empty.text
    wrong = operator_sign_in(client, email, "not the password")
    assert wrong.status_code == 401 and "Invalid e-mail or password." in wrong.text
    unknown = operator_sign_in(client, "nobody@dala.example")
    assert unknown.status_code == 401 and "Invalid e-mail or password." in unknown.text
    no_token = client.post("/operator/login", data={"email": email, "password": OPERATOR_PASSWORD})
    assert no_token.status_code == 400

    signed_in = operator_sign_in(client, email.upper())
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/operator/"
    home = client.get("/operator/")
    assert home.status_code == 200
    assert "Dala operator" in home.text and "Ann Lee" in home.text
    with app.app_context():
        seen = get_session().scalars(select(Operator).where(Operator.email == email)).one()
        assert seen.last_login_at is not None

    # A deactivated operator's open session ends, and they cannot sign in again.
    assert cli(app, "deactivate", "--email", email)[0] == 0
    assert client.get("/operator/").headers["Location"].startswith("/operator/login")
    refused = operator_sign_in(client, email)
    assert refused.status_code == 401 and "Invalid e-mail or password." in refused.text


def test_sign_out_ends_the_console_session(app: Flask, operator_client: FlaskClient) -> None:
    copied = app.test_client()
    with operator_client.session_transaction() as session:
        stolen = dict(session)
    with copied.session_transaction() as session:
        session.update(stolen)
    assert copied.get("/operator/").status_code == 200

    token = csrf(operator_client, "/operator/")
    out = operator_client.post("/operator/logout", data={"csrf_token": token})
    assert out.status_code == 302 and out.headers["Location"] == "/operator/login"
    assert operator_client.get("/operator/").status_code == 302
    # A copy of the session cookie stops working with the sign-out.
    assert copied.get("/operator/").status_code == 302


def test_company_and_operator_sessions_open_only_their_own_pages(
    app: Flask, client: FlaskClient, operator_client: FlaskClient
) -> None:
    company = make_company(app)
    assert company_sign_in(client, company).status_code == 302
    assert client.get("/").status_code == 200
    refused = client.get("/operator/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/operator/login")

    for page in ("/", "/admin/", "/admin/branches"):
        answer = operator_client.get(page)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login"), page
    assert call(operator_client, "GET", f"{API}/branches").status_code == 401


def test_a_company_owner_reaches_no_operator_page(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """The portal isolation walk leaves the console out (platform-wide by design); here a
    company's owner opens and posts to every console page and gets sent to the
    operator sign-in (or 404)."""
    token = csrf(client, "/login")
    client.post(
        "/login",
        data={
            "csrf_token": token,
            "tenant": world.b.slug,
            "email": world.b["owner"].email,
            "password": PASSWORD,
        },
    )
    assert client.get("/").status_code == 200
    token = csrf(client, "/admin/branches/new")
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("operator.") and r.endpoint not in ("operator.login",)
    ]
    assert {r.endpoint for r in rules} >= {
        "operator.tenants",
        "operator.tenant",
        "operator.tenant_suspend",
        "operator.tenant_reactivate",
    }
    failures = []
    for rule in rules:
        url = re.sub(r"<[^>]+>", str(world.a.tenant_id), rule.rule)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            data = {"csrf_token": token, "reason": "trying my luck"} if method == "POST" else None
            answer = client.open(url, method=method, data=data)
            location = answer.headers.get("Location", "")
            if answer.status_code == 404:
                continue
            if not (answer.status_code == 302 and location.startswith("/operator/login")):
                failures.append(f"{method} {url}: {answer.status_code} {location}")
    assert not failures
    with app.app_context():
        status = get_session().get(Tenant, world.a.tenant_id)
        assert status is not None and status.status == TenantStatus.TRIALING


# --- the company list -----------------------------------------------------------------------------


def test_company_list_searches_filters_and_counts_usage(
    app: Flask, client: FlaskClient, operator_client: FlaskClient, world: World
) -> None:
    company = make_company(app, "Usage Meter")
    with app.app_context(), context.tenant_scope(company.tenant_id):
        session = get_session()
        people = []
        for i in range(3):
            user = invite_user(
                session, email=f"p{i}@{company.slug}.example.com", name=f"P {i}", locale="en"
            )
            if i < 2:
                set_password(user, PASSWORD)  # active; the third stays invited
            people.append(user)
        create_technician(session, {"user_id": people[0].id, "branch_id": company.branch_id})
        create_technician(
            session,
            {"user_id": people[1].id, "branch_id": company.branch_id, "active": False},
        )
        session.commit()
    made = [job(client, company.world)["id"] for _ in range(3)]
    with app.app_context(), context.tenant_scope(company.tenant_id):
        session = get_session()
        session.execute(
            update(Job)
            .where(Job.id == uuid.UUID(made[0]))
            .values(created_at=utcnow() - timedelta(days=31))
        )
        session.commit()

    found = operator_client.get("/operator/", query_string={"q": company.name.split()[-1]})
    assert found.status_code == 200
    assert shown_texts(found, "slug") == [company.slug]
    assert shown_texts(found, "users") == ["3"]  # the owner and two active people
    assert shown_texts(found, "technicians") == ["1"]  # the active one
    assert shown_texts(found, "jobs") == ["2"]  # the third is older than 30 days
    assert shown_texts(found, "plan") == ["Pay as you go"]
    assert shown_texts(found, "status") == ["Free trial"]
    assert "14 days left" in found.text

    by_slug = operator_client.get("/operator/", query_string={"q": company.slug.upper()})
    assert shown_texts(by_slug, "slug") == [company.slug]
    everyone = operator_client.get("/operator/")
    shown = shown_texts(everyone, "slug")
    assert company.slug in shown and world.a.slug in shown and world.b.slug in shown
    assert shown.index(company.slug) < shown.index(world.a.slug)  # newest first

    none = operator_client.get("/operator/", query_string={"q": "100%_no_such"})
    assert none.status_code == 200 and 'data-testid="no-tenants"' in none.text
    suspended = operator_client.get(
        "/operator/", query_string={"q": company.slug, "status": "suspended"}
    )
    assert shown_texts(suspended, "slug") == []
    trialing = operator_client.get(
        "/operator/", query_string={"q": company.slug, "status": "trialing"}
    )
    assert shown_texts(trialing, "slug") == [company.slug]
    bad = operator_client.get("/operator/", query_string={"status": "sleeping", "q": "x" * 101})
    assert bad.status_code == 422
    assert 'id="status-error"' in bad.text and 'id="q-error"' in bad.text

    detail = operator_client.get(f"/operator/tenants/{company.tenant_id}")
    assert detail.status_code == 200
    assert shown_texts(detail, "owner-email") == [company.owner.email]
    assert shown_texts(detail, "users") == ["3"] and shown_texts(detail, "jobs") == ["2"]
    assert "Main" in detail.text and "Asia/Almaty" in detail.text and "UTC" in detail.text
    assert operator_client.get(f"/operator/tenants/{uuid.uuid4()}").status_code == 404


def test_company_list_pages(
    app: Flask, operator_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = f"Paged {uuid.uuid4().hex[:6]}"
    slugs = {make_company(app, label).slug for _ in range(3)}
    monkeypatch.setattr(tenants_view, "PAGE_SIZE", 2)
    first = operator_client.get("/operator/", query_string={"q": label})
    second = operator_client.get("/operator/", query_string={"q": label, "page": 2})
    shown = shown_texts(first, "slug") + shown_texts(second, "slug")
    assert len(shown_texts(first, "slug")) == 2 and set(shown) == slugs
    assert "Page 1 of 2" in first.text and f"q={label.replace(' ', '+')}" in first.text


# --- suspending and reactivating ------------------------------------------------------------------


def test_suspension_stops_the_company_at_once_and_reactivation_restores_it(
    app: Flask, client: FlaskClient, operator_client: FlaskClient, world: World
) -> None:
    company = make_company(app, "Suspend Me")
    portal = app.test_client()
    assert company_sign_in(portal, company).status_code == 302
    assert portal.get("/").status_code == 200
    assert call(client, "GET", f"{API}/branches", company.owner).status_code == 200
    other = app.test_client()
    token = csrf(other, "/login")
    other.post(
        "/login",
        data={
            "csrf_token": token,
            "tenant": world.a.slug,
            "email": world.a["owner"].email,
            "password": PASSWORD,
        },
    )

    page = f"/operator/tenants/{company.tenant_id}"
    suspend = f"{page}/suspend"
    confirm = operator_client.get(suspend)
    assert confirm.status_code == 200 and 'data-testid="status-form"' in confirm.text
    assert operator_client.get(f"{page}/reactivate").text.count('data-testid="status-form"') == 0

    no_reason = send_form(operator_client, suspend, {"reason": ""})
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text
    with app.app_context():
        version = get_session().get(Tenant, company.tenant_id).version  # type: ignore[union-attr]
        assert get_session().get(Tenant, company.tenant_id).status == "trialing"  # type: ignore[union-attr]
    stale = send_form(operator_client, suspend, {"reason": "unpaid", "version": str(version - 1)})
    assert stale.status_code == 412

    done = send_form(
        operator_client, suspend, {"reason": "Card declined three times", "version": str(version)}
    )
    assert done.status_code == 302 and done.headers["Location"] == page

    # The API: the company's token is refused with 402, a fresh token too.
    refused = call(client, "GET", f"{API}/branches", company.owner)
    assert refused.status_code == 402 and "suspended" in refused.json["message"]
    token_login = {"tenant": company.slug, "email": company.owner.email}
    assert (
        client.post(f"{API}/auth/token", json={**token_login, "password": PASSWORD}).status_code
        == 402
    )
    assert (
        client.post(f"{API}/auth/token", json={**token_login, "password": "wrong pw!!"}).status_code
        == 401
    )
    # The open portal session: the suspended page on its next request, whatever the page.
    for url in ("/", "/admin/branches"):
        shown = portal.get(url)
        assert shown.status_code == 402 and 'data-testid="suspended"' in shown.text, url
        assert "account is suspended. Contact your company" in shown.text
    # Signing in: a wrong password is still just wrong; the right one hears of the suspension.
    fresh = app.test_client()
    wrong = company_sign_in(fresh, company, "not the password")
    assert wrong.status_code == 401 and "Invalid company, e-mail or password." in wrong.text
    assert 'data-testid="suspended"' not in wrong.text
    right = company_sign_in(fresh, company)
    assert right.status_code == 402 and 'data-testid="suspended"' in right.text
    assert fresh.get("/").headers["Location"].startswith("/login")  # not signed in

    # Other companies carry on.
    assert call(client, "GET", f"{API}/branches", world.a["owner"]).status_code == 200
    assert other.get("/").status_code == 200

    # On record: the status history and the company's audit log name the operator.
    detail = operator_client.get(page)
    assert shown_texts(detail, "status") == ["Suspended"]
    assert "Card declined three times" in detail.text and "Ann Operator" in detail.text
    assert 'data-testid="reactivate"' in detail.text and 'data-testid="suspend"' not in detail.text
    with app.app_context(), context.tenant_scope(company.tenant_id):
        session = get_session()
        action = session.scalars(select(OperatorAction)).one()
        assert (action.status_before, action.status_after) == ("trialing", "suspended")
        event = session.scalars(select(AuditEvent).where(AuditEvent.target_type == "tenant")).one()
        assert (event.source, event.actor, event.user_id) == ("operator", "Ann Operator", None)
        assert event.changes["after"] == {"status": "suspended"}
        session.rollback()

    again = send_form(operator_client, suspend, {"reason": "twice", "version": str(version + 1)})
    assert again.status_code == 409

    reactivate = f"{page}/reactivate"
    back = change_status(operator_client, reactivate, "Paid by bank transfer")
    assert back.status_code == 302
    with app.app_context():
        tenant = get_session().get(Tenant, company.tenant_id)
        assert tenant is not None and tenant.status == TenantStatus.TRIALING  # trial still on
    assert call(client, "GET", f"{API}/branches", company.owner).status_code == 200
    assert portal.get("/").status_code == 200  # the same session works again
    assert company_sign_in(app.test_client(), company).status_code == 302
    history = operator_client.get(page)
    assert len(re.findall('data-testid="history-row"', history.text)) == 2
    assert "Paid by bank transfer" in history.text


def test_reactivation_after_the_trial_ended_makes_the_company_active(
    app: Flask, operator_client: FlaskClient
) -> None:
    company = make_company(app, "Trial Over")
    page = f"/operator/tenants/{company.tenant_id}"
    assert change_status(operator_client, f"{page}/suspend", "fraud check").status_code == 302
    with app.app_context():
        session = get_session()
        session.execute(
            update(Tenant)
            .where(Tenant.id == company.tenant_id)
            .values(trial_ends_at=utcnow() - timedelta(days=1))
        )
        session.commit()
    assert change_status(operator_client, f"{page}/reactivate", "cleared").status_code == 302
    with app.app_context():
        tenant = get_session().get(Tenant, company.tenant_id)
        assert tenant is not None and tenant.status == TenantStatus.ACTIVE


def test_a_suspended_session_can_sign_out(app: Flask, operator_client: FlaskClient) -> None:
    company = make_company(app, "Sign Out")
    portal = app.test_client()
    company_sign_in(portal, company)
    change_status(operator_client, f"/operator/tenants/{company.tenant_id}/suspend", "x y z")
    page = portal.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 402 and token
    out = portal.post("/logout", data={"csrf_token": token.group(1)})
    assert out.status_code == 302
    change_status(operator_client, f"/operator/tenants/{company.tenant_id}/reactivate", "x y z")
    assert portal.get("/").headers["Location"].startswith("/login")  # signed out for good


def test_a_cancelled_company_gets_its_own_page(app: Flask, operator_client: FlaskClient) -> None:
    company = make_company(app, "Cancelled")
    portal = app.test_client()
    company_sign_in(portal, company)
    with app.app_context():
        session = get_session()
        session.execute(
            update(Tenant)
            .where(Tenant.id == company.tenant_id)
            .values(status=TenantStatus.CANCELLED)
        )
        session.commit()
    shown = portal.get("/")
    assert shown.status_code == 403 and 'data-testid="cancelled"' in shown.text
    right = company_sign_in(app.test_client(), company)
    assert right.status_code == 403 and "account is cancelled" in right.text
    page = f"/operator/tenants/{company.tenant_id}"
    detail = operator_client.get(page)
    assert 'data-testid="suspend"' not in detail.text
    with app.app_context():
        version = get_session().get(Tenant, company.tenant_id).version  # type: ignore[union-attr]
    refused = send_form(operator_client, f"{page}/suspend", {"reason": "x y z", "version": version})
    assert refused.status_code == 409 and "cannot be suspended" in refused.text


def test_the_demo_has_an_operator(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        first = seed_demo_operator()
        assert seed_demo_operator() == first == ("operator", DEMO_OPERATOR_EMAIL, DEMO_PASSWORD)
    assert operator_sign_in(client, DEMO_OPERATOR_EMAIL, DEMO_PASSWORD).status_code == 302
    assert client.get("/operator/").status_code == 200
