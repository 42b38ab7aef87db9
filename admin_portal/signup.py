"""The public sign-up page (/signup): a company starts its free trial, its owner is signed in.

It calls the same service as ``POST /api/v1/signup`` (``dala.tenancy.services.signup``)
with the same rules: the fields, the password rule, the rate limit, and a taken
company ID answered 409 next to its field. An e-mail address is unique within a
company, so the same person may start another company, as through the API.
"""

from __future__ import annotations

from typing import Any

from email_validator import validate_email
from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import login_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
)

from dala.auth.sessions import SessionUser
from dala.db import get_session
from dala.errors import DalaError
from dala.extensions import config_limit, limiter
from dala.tenancy.regions import SUPPORTED_LOCALES, known_timezones
from dala.tenancy.services import signup as signup_company
from dala.web.branch import BRANCH_SESSION_KEY
from dala.web.forms import (
    email_field,
    new_password_field,
    repeat_password_field,
    show_errors,
    storable,
    strip,
)
from dala.web.pages import page_blueprint
from dala.web.shell import LANGUAGE_NAMES

bp = page_blueprint("signup_page", __name__, public=True, template_folder="templates")

#: The time zone offered before the browser's is known (the page works without JS).
DEFAULT_TIMEZONE = "Asia/Almaty"


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class SignupForm(FlaskForm):
    # Field names are the API's (SignupArgs), so a service's field errors land next to them.
    company_name = StringField(
        _l("Company name"),
        validators=[
            DataRequired(message=_l("Enter your company's name.")),
            storable,
            Length(max=200, message=_l("At most 200 characters.")),
        ],
        filters=[strip],
    )
    slug = StringField(
        _l("Company ID (optional)"),
        validators=[Optional(), storable, Length(max=63, message=_l("At most 63 characters."))],
        filters=[strip, _lower],
        description=_l(
            "You and your colleagues sign in with it. Leave it empty to make one "
            "from the company name."
        ),
    )
    owner_name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            storable,
            Length(max=120, message=_l("At most 120 characters.")),
        ],
        filters=[strip],
    )
    email = email_field(check_syntax=True)
    password = new_password_field(_l("Password"))
    confirm = repeat_password_field(_l("Repeat the password"))
    branch_name = StringField(
        _l("First branch"),
        validators=[
            DataRequired(message=_l("Give your first branch a name.")),
            storable,
            Length(max=120, message=_l("At most 120 characters.")),
        ],
        filters=[strip],
        description=_l("Where you work from, e.g. Almaty or Head office. You can add more later."),
    )
    timezone = SelectField(
        _l("Time zone"),
        validators=[InputRequired(message=_l("Choose your time zone."))],
        description=_l("Schedules and dates of the branch are shown in it."),
    )
    locale = SelectField(_l("Language"), validators=[InputRequired()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = [(z, z) for z in sorted(known_timezones())]
        self.locale.choices = [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES]

    def data_for_service(self) -> dict[str, Any]:
        return {
            "company_name": self.company_name.data,
            "slug": self.slug.data or None,
            "owner_name": self.owner_name.data,
            # Normalised as the API's Email field does.
            "email": validate_email(self.email.data, check_deliverability=False).normalized.lower(),
            "password": self.password.data,
            "branch_name": self.branch_name.data,
            "timezone": self.timezone.data,
            "locale": self.locale.data,
        }


def _page_locale() -> str:
    current = str(get_locale() or "en")
    return current if current in SUPPORTED_LOCALES else "en"


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(config_limit("SIGNUP_RATE_LIMIT"), methods=["POST"])
def signup() -> ResponseReturnValue:
    form = SignupForm()
    if request.method == "GET":
        form.timezone.data = DEFAULT_TIMEZONE
        form.locale.data = _page_locale()
    error, status = None, 200
    if form.validate_on_submit():
        db = get_session()
        try:
            result = signup_company(db, **form.data_for_service())
            db.commit()
        except DalaError as exc:
            db.rollback()
            error, status = show_errors(form, exc), exc.status
        except IntegrityError:
            # Another sign-up took the same company ID a moment ago.
            db.rollback()
            form.slug.errors = [_("Taken.")]
            error, status = _("This company address is taken."), 409
        else:
            session.pop(BRANCH_SESSION_KEY, None)
            login_user(SessionUser(result.owner, result.tenant))
            flash(
                _(
                    "Welcome to Dala! Your company ID is %(slug)s: you and your colleagues "
                    "sign in with it.",
                    slug=result.tenant.slug,
                ),
                "success",
            )
            return redirect(url_for("web.home"))
    elif form.is_submitted():
        status = 422
    return render_template("admin/signup.html", form=form, error=error), status


@bp.errorhandler(RateLimitExceeded)
def _too_many(_exc: RateLimitExceeded) -> ResponseReturnValue:
    get_session().rollback()
    form = SignupForm(formdata=request.form)
    message = _("Too many sign-ups from here. Wait a while, then try again.")
    return render_template("admin/signup.html", form=form, error=message), 429
