"""API tokens: the user's own (and, with token:manage, everyone's), creating one, revoking one.

A new token's secret appears once, in the answer to the form that created it; it is
not put in the session, a flashed message or a log, and a reload does not show it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from admin_portal.blueprint import bp
from dala.auth import tokens as service
from dala.auth.guard import authorize, current_principal, require
from dala.auth.models import User
from dala.db import get_session, utcnow
from dala.errors import DalaError
from dala.web.forms import show_errors, storable, strip
from dala.web.pages import paged

#: Lifetimes offered for a new token, in days (those within TOKEN_MAX_TTL_DAYS).
LIFETIMES = (7, 30, 90, 180, 365)
#: The list's status filter: ?status= -> the service's ``active``.
STATUSES: dict[str, bool | None] = {"all": None, "active": True, "inactive": False}


def _lifetime_label(days: int) -> str:
    if days == 365:
        return _("1 year")
    return ngettext("%(num)d day", "%(num)d days", days)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Give the token a name.")),
            storable,
            Length(max=120, message=_l("At most 120 characters.")),
        ],
        filters=[strip],
        description=_l("What will use it, e.g. Accounting sync or Warehouse scanner."),
    )
    # Named as the service's field, so its messages land here.
    expires_at = SelectField(
        _l("Expires in"),
        coerce=int,
        default=lambda: current_app.config["TOKEN_TTL_DAYS"],
        validators=[InputRequired(message=_l("Choose when the token expires."))],
        description=_l("After that, requests with it are refused; create a new one in time."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        longest = current_app.config["TOKEN_MAX_TTL_DAYS"]
        self.expires_at.choices = [
            (days, _lifetime_label(days)) for days in LIFETIMES if days <= longest
        ]


class RevokeForm(FlaskForm):
    pass


def _scope() -> str:
    """``mine``, or ``all`` (everyone's tokens) for holders of token:manage."""
    scope = request.args.get("scope", "mine")
    if scope == "all":
        authorize("token:manage")
        return scope
    return "mine"


@bp.route("/tokens")
@require("token:read")
def tokens() -> ResponseReturnValue:
    """The user's tokens, newest first; everyone's (with their owners) under ``?scope=all``."""
    principal = current_principal()
    scope = _scope()
    status = request.args.get("status", "all")
    if status not in STATUSES:
        status = "all"
    query = service.visible_tokens(principal, everyone=scope == "all", active=STATUSES[status])
    listing = paged(query)
    owner_ids = {t.user_id for t in listing["items"]}
    owners = (
        {u.id: u for u in get_session().scalars(select(User).where(User.id.in_(owner_ids)))}
        if owner_ids
        else {}
    )
    return render_template(
        "admin/tokens.html",
        listing=listing,
        owners=owners,
        scope=scope,
        status=status,
        now=utcnow(),
        me=principal.user.id,
    )


@bp.route("/tokens/new", methods=["GET", "POST"])
@require("token:create")
def tokens_new() -> ResponseReturnValue:
    """A token for the signed-in user; the answer shows its secret, this once."""
    principal = current_principal()
    form = TokenForm()
    error, status = None, 200
    if form.validate_on_submit():
        db = get_session()
        expires_at = utcnow() + timedelta(days=form.expires_at.data or 0)
        try:
            issued = service.issue_token(
                db, principal.user, name=form.name.data or "", expires_at=expires_at
            )
        except DalaError as exc:
            db.rollback()
            error, status = show_errors(form, exc), exc.status
        else:
            db.commit()
            response = current_app.make_response(
                (
                    render_template(
                        "admin/tokens_created.html", token=issued.token, secret=issued.secret
                    ),
                    201,
                )
            )
            # The page holds the secret: no cache (nor back/forward cache) may keep it.
            response.headers["Cache-Control"] = "no-store"
            return response
    elif form.is_submitted():
        status = 422
    return render_template("admin/tokens_form.html", form=form, error=error), status


@bp.route("/tokens/<uuid:token_id>/revoke", methods=["GET", "POST"])
@require("token:revoke")
def tokens_revoke(token_id: uuid.UUID) -> ResponseReturnValue:
    """Asks, then revokes a token at once (own tokens; others' with token:manage)."""
    principal = current_principal()
    db = get_session()
    token = service.visible_token(db, principal, token_id)  # 404 unless own or token:manage
    owner = db.get(User, (token.tenant_id, token.user_id))
    form = RevokeForm()
    if request.method == "POST" and form.validate_on_submit():
        service.revoke_token(token)
        db.commit()
        flash(
            _("Token %(name)s revoked; requests with it are refused.", name=token.name), "success"
        )
        others = token.user_id != principal.user.id
        return redirect(url_for("admin.tokens", scope="all" if others else None))
    return render_template(
        "admin/tokens_revoke.html", token=token, owner=owner, form=form, now=utcnow()
    )
