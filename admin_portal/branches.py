"""Branches: the list, adding one, editing its name, address, time zone, currency, language."""

from __future__ import annotations

import uuid
from typing import Any

from babel.numbers import get_currency_name
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from admin_portal.blueprint import bp
from dala.auth.guard import authorize, current_principal, in_permitted_branches, require
from dala.db import get_session
from dala.errors import DalaError, PreconditionFailed
from dala.tenancy import services
from dala.tenancy.models import Branch
from dala.tenancy.regions import SUPPORTED_LOCALES, known_currencies, known_timezones
from dala.web.forms import show_errors, storable, strip
from dala.web.pages import paged
from dala.web.shell import LANGUAGE_NAMES


class BranchForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(message=_l("Give the branch a name.")),
            storable,
            Length(max=120, message=_l("At most 120 characters.")),
        ],
        filters=[strip],
        description=_l("As your staff call it, e.g. Almaty or Downtown."),
    )
    address = TextAreaField(
        _l("Address"),
        validators=[storable, Length(max=500, message=_l("At most 500 characters."))],
        filters=[strip],
    )
    timezone = SelectField(
        _l("Time zone"),
        validators=[InputRequired(message=_l("Choose the branch's time zone."))],
        description=_l("Schedules, reports and dates of this branch are shown in it."),
    )
    currency = SelectField(_l("Currency"), description=_l("Prices and costs of this branch."))
    locale = SelectField(
        _l("Language"), description=_l("The default language of the branch's staff and customers.")
    )
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locale = str(get_locale() or "en")
        self.timezone.choices = [("", _("Choose…"))] + [(z, z) for z in sorted(known_timezones())]
        self.currency.choices = [("", _("From the time zone"))] + [
            (c, f"{c} · {get_currency_name(c, locale=locale)}") for c in sorted(known_currencies())
        ]
        self.locale.choices = [("", _("From the time zone"))] + [
            (code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES
        ]

    def data_for_service(self) -> dict[str, Any]:
        data = {
            "name": self.name.data,
            "address": self.address.data or "",
            "timezone": self.timezone.data,
        }
        for optional in ("currency", "locale"):
            if getattr(self, optional).data:
                data[optional] = getattr(self, optional).data
        return data


@bp.route("/")
def index() -> ResponseReturnValue:
    """The first section the user may open."""
    from admin_portal.sections import visible_sections

    sections = visible_sections()
    if not sections:
        authorize("branch:read")  # refuses with the usual message
    return redirect(sections[0].url)


@bp.route("/branches")
@require("branch:read")
def branches() -> ResponseReturnValue:
    query = select(Branch).order_by(Branch.name, Branch.id)
    listing = paged(in_permitted_branches(query, Branch.id, "branch:read"))
    return render_template("admin/branches.html", listing=listing)


@bp.route("/branches/new", methods=["GET", "POST"])
@require("branch:create")
def branches_new() -> ResponseReturnValue:
    authorize("branch:create")
    form = BranchForm()
    error, status = None, 200
    if form.validate_on_submit():
        db = get_session()
        try:
            branch = services.create_branch(db, form.data_for_service())
        except DalaError as exc:
            db.rollback()
            error, status = show_errors(form, exc), exc.status
        else:
            db.commit()
            flash(_("Branch %(name)s added.", name=branch.name), "success")
            return redirect(url_for("admin.branches"))
    elif form.is_submitted():
        status = 422
    return render_template("admin/branch_form.html", form=form, branch=None, error=error), status


@bp.route("/branches/<uuid:branch_id>", methods=["GET", "POST"])
@require("branch:read")
def branches_edit(branch_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    branch = services.get_branch(db, branch_id)
    authorize("branch:read", branch.id)
    may_edit = current_principal().can("branch:update", branch.id)
    form = BranchForm(obj=branch if request.method == "GET" else None)
    error, status = None, 200
    if request.method == "POST":
        authorize("branch:update", branch.id)
        if form.validate_on_submit():
            try:
                if form.version.data != str(branch.version):
                    raise PreconditionFailed(
                        _("Someone changed this branch meanwhile; check it and save again.")
                    )
                services.update_branch(db, branch, form.data_for_service())
                db.commit()
            except DalaError as exc:
                db.rollback()
                branch = services.get_branch(db, branch_id)
                error, status = show_errors(form, exc), exc.status
                form.version.data = str(branch.version)
            else:
                flash(_("Branch %(name)s saved.", name=branch.name), "success")
                return redirect(url_for("admin.branches"))
        else:
            status = 422
    else:
        form.version.data = str(branch.version)
    return (
        render_template(
            "admin/branch_form.html", form=form, branch=branch, error=error, may_edit=may_edit
        ),
        status,
    )
