"""Portal pages: sign-in, sign-out, password reset, language and the signed-in home page.

Views are thin: they validate the form, call a service (``dala.auth``,
``dala.web.services``) and render. Every POST carries a CSRF token
(CSRFProtect is on app-wide); sign-in and reset requests are rate-limited
like their API counterparts.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user

from dala.auth.models import TokenPurpose
from dala.auth.reset import confirm_password, link_purpose, request_password_reset
from dala.auth.sessions import INACTIVE_TENANT, SessionUser
from dala.auth.users import authenticate
from dala.db import get_session
from dala.errors import TenantCancelled, TenantInactive, Unauthenticated, ValidationFailed
from dala.extensions import config_limit, limiter, sign_in_limits
from dala.i18n import LOCALE_SESSION_KEY
from dala.modules.host import module_page_open
from dala.tenancy.models import Tenant, TenantStatus
from dala.tenancy.regions import SUPPORTED_LOCALES
from dala.web import services
from dala.web.branch import BRANCH_SESSION_KEY, choose_branch
from dala.web.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm
from dala.web.inactive import company_inactive_page
from dala.web.pages import error_page, page_blueprint
from dala.web.shell import works_jobs
from dala.work.technicians import technician_of_user

bp = page_blueprint("web", __name__, public=True, template_folder="templates")


def safe_next(target: str | None, default: str | None = None) -> str:
    """``target`` if it is a path on this site, else ``default`` (the home page)."""
    fallback = default or url_for("web.home")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return fallback
    return target


# --- signing in and out -------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits("LOGIN_RATE_LIMIT", methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET" and not form.tenant.data:
        form.tenant.data = (request.args.get("tenant") or "")[:63]
    error, status = None, 200
    if form.validate_on_submit():
        db = get_session()
        try:
            user = authenticate(db, form.tenant.data, form.email.data, form.password.data)
        except Unauthenticated as exc:
            db.rollback()
            error, status = exc.message, 401
        except TenantInactive as exc:
            # Right credentials, but the company may not use Dala now: say so plainly.
            cancelled = isinstance(exc, TenantCancelled)
            return company_inactive_page(
                TenantStatus.CANCELLED if cancelled else TenantStatus.SUSPENDED, signed_in=False
            )
        else:
            tenant = db.get(Tenant, user.tenant_id)
            db.commit()
            assert tenant is not None
            session.pop(BRANCH_SESSION_KEY, None)
            login_user(SessionUser(user, tenant))
            return redirect(safe_next(request.args.get("next")))
    elif form.is_submitted():
        status = 422
    return render_template("web/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    # A session of a suspended company is not signed in (dala.auth.sessions) but still open.
    if current_user.is_authenticated or g.get(INACTIVE_TENANT) is not None:
        logout_user()
        flash(_("You have signed out."), "success")
    return redirect(url_for("web.login"))


# --- password reset -----------------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@sign_in_limits("RESET_RATE_LIMIT", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if request.method == "GET" and not form.tenant.data:
        form.tenant.data = (request.args.get("tenant") or "")[:63]
    if form.validate_on_submit():
        db = get_session()
        request_password_reset(db, form.tenant.data, form.email.data)
        db.commit()
        # The same answer whether or not the account exists.
        return render_template("web/forgot_password.html", form=form, sent=True)
    status = 422 if form.is_submitted() else 200
    return render_template("web/forgot_password.html", form=form, sent=False), status


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(config_limit("RESET_RATE_LIMIT"), methods=["POST"])
def reset_password() -> ResponseReturnValue:
    token = request.args.get("token", "")[:200]
    db = get_session()
    purpose = link_purpose(db, token) if token else None
    form = ResetPasswordForm()
    status = 200
    if purpose is not None and form.validate_on_submit():
        try:
            user = confirm_password(db, token, form.password.data)
        except ValidationFailed:
            db.rollback()
            purpose = None
        else:
            tenant = db.get(Tenant, user.tenant_id)
            db.commit()
            logout_user()
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("web.login", tenant=tenant.slug if tenant else None))
    elif form.is_submitted():
        status = 422
    if purpose is None:
        status = 400 if request.method == "POST" else 404
    response = Response(
        render_template(
            "web/reset_password.html",
            form=form,
            token=token,
            valid=purpose is not None,
            invitation=purpose == TokenPurpose.INVITE,
        ),
        status=status,
    )
    # The address holds the token: never send it on to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- language and home --------------------------------------------------------------------------


@bp.route("/language", methods=["POST"])
def set_language() -> ResponseReturnValue:
    """Remember the chosen language in the session; it wins over the browser's."""
    choice = request.form.get("locale", "")
    if choice in SUPPORTED_LOCALES:
        session[LOCALE_SESSION_KEY] = choice
    return redirect(safe_next(request.form.get("next"), url_for("web.login")))


@bp.route("/branch", methods=["POST"])
@login_required
def set_branch() -> ResponseReturnValue:
    """Work in another branch: its modules, permissions and language apply from now on."""
    raw = request.form.get("branch", "")[:36]
    try:
        branch_id = uuid.UUID(raw)
    except ValueError:
        branch_id = None
    chosen = choose_branch(get_session(), current_user.user.id, branch_id) if branch_id else None
    if chosen is None:
        flash(_("That branch is not one you work in."), "danger")
    target = safe_next(request.form.get("next"))
    if chosen is not None and not module_page_open(target, chosen.id):
        return redirect(url_for("web.home"))  # that module is off in the new branch
    return redirect(target)


@bp.route("/")
@login_required
def home() -> ResponseReturnValue:
    session = get_session()
    summary = services.home_summary(session, current_user.user, current_user.tenant)
    # The word about the phone app is for field staff: who may work jobs (job:work, which
    # admins hold too) and has a technician profile, so the app has a day to show them.
    field_worker = works_jobs() and technician_of_user(session, current_user.user.id) is not None
    return render_template("web/home.html", summary=summary, field_worker=field_worker)


# --- errors as pages ----------------------------------------------------------------------------


@bp.errorhandler(RateLimitExceeded)
def _too_many(_exc: RateLimitExceeded) -> ResponseReturnValue:
    get_session().rollback()
    message = _("Too many attempts. Wait a minute, then try again.")
    forms: dict[str, tuple[str, Any]] = {
        "web.login": ("web/login.html", LoginForm),
        "web.forgot_password": ("web/forgot_password.html", ForgotPasswordForm),
    }
    if request.endpoint in forms:
        template, form_class = forms[request.endpoint]
        form = form_class(formdata=request.form)
        return render_template(template, form=form, error=message, sent=False), 429
    return error_page(429, _("Too many attempts"), message)
