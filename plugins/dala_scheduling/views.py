"""The dispatcher's portal pages: /scheduling/board, /scheduling/calendar and /scheduling/map.

Each page is a frame: the branch, the day, what the user may do and the texts
in the page's language, rendered as JSON for the page's ES module, which reads
the scheduling API (``/api/v1/scheduling/board``) with the session cookie and
draws the board, calendar or map in the browser.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from dala.auth.guard import require
from dala.web.branch import portal_branch
from dala.web.pages import page_blueprint
from dala.web.shell import can
from dala_scheduling.strings import texts

STATIC = Path(__file__).parent / "static"

bp = page_blueprint(
    "dala_scheduling", __name__, url_prefix="/scheduling", template_folder="templates"
)

#: The pages, in the order of their tabs: endpoint, label, icon.
TABS = (
    ("dala_scheduling.board", _l("Board"), "bi-kanban"),
    ("dala_scheduling.calendar", _l("Calendar"), "bi-calendar-week"),
    ("dala_scheduling.map_view", _l("Map"), "bi-geo-alt"),
)


class DayArgs(FlaskForm):
    """The day a page opens on (``?date=YYYY-MM-DD``) and how many days it shows."""

    class Meta:
        csrf = False  # a GET address, bookmarkable

    date = DateField(_l("Day"), validators=[Optional()])
    days = SelectField(_l("Days"), choices=["1", "3", "7"], validators=[Optional()])


def _day_args() -> tuple[date | None, int | None]:
    form = DayArgs(formdata=request.args)
    if request.args and not form.validate():
        field, messages = next(iter(form.errors.items()))
        raise BadRequest(f"{field}: {messages[0]}")
    days = int(form.days.data) if request.args.get("days") else None
    return form.date.data, days


def _page(template: str, default_days: int, **extra: Any) -> ResponseReturnValue:
    branch = portal_branch()
    if branch is None:
        raise BadRequest(_l("Choose a branch to plan first."))
    day, days = _day_args()
    today = datetime.now(ZoneInfo(branch.timezone)).date()
    config = {
        "branch": {"id": str(branch.id), "name": branch.name, "time_zone": branch.timezone},
        "today": today.isoformat(),
        "date": (day or today).isoformat(),
        "days": days or default_days,
        "api": "/api/v1/scheduling",
        "jobs_api": "/api/v1/jobs",
        "live": "/api/v1/live",
        # Controls the user may not use are left out of the page (the API checks again).
        "may_plan": can("schedule:plan", branch.id),
        "may_optimise": can("schedule:optimise", branch.id),
        # Deciding a sync conflict is planning the job (POST /sync/conflicts/{id}/resolve).
        "may_resolve": can("job:update", branch.id),
        "sync_api": "/api/v1/sync",
        **extra,
    }
    return render_template(template, config=config, strings=texts(), tabs=TABS)


@bp.get("/board")
@require("schedule:view")
def board() -> ResponseReturnValue:
    return _page("dala_scheduling/board.html", 1)


@bp.get("/calendar")
@require("schedule:view")
def calendar() -> ResponseReturnValue:
    return _page("dala_scheduling/calendar.html", 7)


@bp.get("/map")
@require("schedule:view")
def map_view() -> ResponseReturnValue:
    tiles = {
        "url": current_app.config["MAP_TILE_URL"],
        "attribution": current_app.config["MAP_TILE_ATTRIBUTION"],
    }
    return _page("dala_scheduling/map.html", 1, tiles=tiles)


def asset(filename: str) -> ResponseReturnValue:
    """The pages' own modules and styles (browsers revalidate: no stale code after a deploy)."""
    response: Response = send_from_directory(STATIC, filename)
    response.headers["Cache-Control"] = "no-cache"
    return response


# One fixed address per file, as the technician app's icons: no placeholder in the
# address, so nothing here reads like a tenant's object to the portal's URL walk.
for _file in sorted(STATIC.rglob("*")):
    if _file.is_file():
        _name = _file.relative_to(STATIC).as_posix()
        bp.add_url_rule(f"/static/{_name}", "asset", asset, defaults={"filename": _name})


def asset_url(filename: str) -> str:
    """The address of one of the pages' files."""
    return url_for("dala_scheduling.asset", filename=filename)


bp.add_app_template_global(asset_url, "scheduling_asset")
