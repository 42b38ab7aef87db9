"""Operators sign in and out of the console (rate-limited like the company sign-in)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded

from admin_portal.operator.blueprint import OPERATOR_SESSION_KEY, bp
from admin_portal.operator.forms import OperatorLoginForm
from dala.db import get_session
from dala.errors import Unauthenticated
from dala.extensions import sign_in_limits
from dala.operators.services import authenticate_operator, end_sessions, session_id
from dala.web.views import safe_next


def _next_page() -> str:
    """Where to go after signing in: a console page asked for, else the company list."""
    home = url_for("operator.tenants")
    target = safe_next(request.args.get("next"), home)
    return target if target.startswith(f"{bp.url_prefix}/") else home


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits("LOGIN_RATE_LIMIT", methods=["POST"])
def login() -> ResponseReturnValue:
    if g.get("operator") is not None:
        return redirect(_next_page())
    form = OperatorLoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        db = get_session()
        try:
            operator = authenticate_operator(db, form.email.data, form.password.data)
        except Unauthenticated as exc:
            db.rollback()
            error, status = exc.message, 401
        else:
            db.commit()
            session[OPERATOR_SESSION_KEY] = session_id(operator)
            return redirect(_next_page())
    elif form.is_submitted():
        status = 422
    return render_template("operator/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    operator = g.get("operator")
    session.pop(OPERATOR_SESSION_KEY, None)
    if operator is not None:
        # Ends the operator's other console sessions too: a copied cookie dies with this one.
        end_sessions(operator)
        get_session().commit()
        flash(_("You have signed out."), "success")
    return redirect(url_for("operator.login"))


@bp.errorhandler(RateLimitExceeded)
def _too_many(_exc: RateLimitExceeded) -> ResponseReturnValue:
    get_session().rollback()
    message = _("Too many attempts. Wait a minute, then try again.")
    form = OperatorLoginForm(formdata=request.form)
    return render_template("operator/login.html", form=form, error=message), 429
