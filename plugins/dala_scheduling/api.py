"""/api/v1/scheduling: the dispatch board's data and pins (Dala mounts it under /api/v1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_babel import gettext as _

from dala.api.blueprint import Blueprint
from dala.api.gate import request_source
from dala.auth.guard import authorize, current_principal, require
from dala.db import get_session
from dala.errors import NotFound
from dala.modules.enablement import resolve_all
from dala.modules.host import hooks
from dala.tenancy.models import Branch
from dala.tenancy.scoping import get_scoped
from dala.work import job_access, jobs
from dala.work.job_models import Job
from dala_scheduling import board, pins
from dala_scheduling.settings import travel_for

MODULE = "dala_scheduling"

blp = Blueprint(
    "scheduling",
    __name__,
    url_prefix="/scheduling",
    description="Scheduling: the dispatch board's data, pins",
)


def module_settings(branch_id: uuid.UUID) -> dict[str, Any]:
    """Scheduling's settings in ``branch_id``; 404 where the module is off there.

    The host's gate looks at the branch the request selects; these endpoints name
    their branch (or job) themselves, so they check it for that branch too.
    """
    facade = hooks(current_app)
    resolved = resolve_all(get_session(), {MODULE: facade.manifests[MODULE]}, branch_id)[MODULE]
    if not resolved.enabled:
        raise NotFound(_("Scheduling is not switched on in this branch."))
    return dict(resolved.settings)


def planned_job(job_id: uuid.UUID, permission: str) -> Job:
    """The job, where scheduling is on in its branch and ``permission`` is held there."""
    session = get_session()
    job = jobs.get_job(session, job_id)
    module_settings(job.branch_id)
    job_access.check(session, current_principal(), job, permission)
    return job


class BoardArgs(ma.Schema):
    branch_id = ma.fields.UUID(required=True)
    first = ma.fields.Date(
        data_key="from",
        load_default=None,
        metadata={"description": "First day (branch time); today there by default"},
    )
    days = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, 7))


class BoardSpanSchema(ma.Schema):
    start = ma.fields.String()
    end = ma.fields.String()


class BoardLatLonSchema(ma.Schema):
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)


class BoardSiteSchema(BoardLatLonSchema):
    label = ma.fields.String()


class BoardSkillNeedSchema(ma.Schema):
    skill_id = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    min_level = ma.fields.Integer()


class BoardJobSchema(ma.Schema):
    id = ma.fields.String()
    number = ma.fields.Integer()
    title = ma.fields.String()
    status = ma.fields.String()
    priority = ma.fields.String()
    duration_minutes = ma.fields.Integer()
    window_start = ma.fields.String(allow_none=True)
    window_end = ma.fields.String(allow_none=True)
    scheduled_start = ma.fields.String(allow_none=True)
    scheduled_end = ma.fields.String(allow_none=True)
    technician_ids = ma.fields.List(ma.fields.String(), metadata={"description": "Lead first"})
    site = ma.fields.Nested(BoardSiteSchema, allow_none=True)
    customer_name = ma.fields.String(allow_none=True)
    required_skills = ma.fields.List(ma.fields.Nested(BoardSkillNeedSchema))
    pinned = ma.fields.Boolean()
    etag = ma.fields.String(metadata={"description": "As core's ETag of GET /jobs/{id}"})
    version = ma.fields.Integer()
    conflicts_open = ma.fields.Integer()


class BoardTechnicianSkillSchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    level = ma.fields.Integer()


class BoardTimeOffSchema(BoardSpanSchema):
    id = ma.fields.String()
    reason = ma.fields.String()


class BoardTechnicianSchema(ma.Schema):
    id = ma.fields.String()
    user_id = ma.fields.String(metadata={"description": "Their user (as in sync conflicts)"})
    name = ma.fields.String()
    skills = ma.fields.List(ma.fields.Nested(BoardTechnicianSkillSchema))
    home = ma.fields.Nested(BoardLatLonSchema, allow_none=True)
    shifts = ma.fields.List(ma.fields.Nested(BoardSpanSchema))
    breaks = ma.fields.List(ma.fields.Nested(BoardSpanSchema))
    time_off = ma.fields.List(ma.fields.Nested(BoardTimeOffSchema))
    load_minutes = ma.fields.Integer()
    capacity_minutes = ma.fields.Integer()


class BoardTravelSchema(ma.Schema):
    technician_id = ma.fields.String()
    from_job_id = ma.fields.String(allow_none=True, metadata={"description": "None: from home"})
    to_job_id = ma.fields.String()
    seconds = ma.fields.Integer()
    meters = ma.fields.Integer()


class BoardNamedSchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String()


class BoardLabelSchema(ma.Schema):
    value = ma.fields.String()
    label = ma.fields.String()


class BoardBranchSchema(BoardNamedSchema):
    time_zone = ma.fields.String()


class BoardSchema(ma.Schema):
    branch = ma.fields.Nested(BoardBranchSchema)
    first = ma.fields.String(data_key="from")
    days = ma.fields.Integer()
    window = ma.fields.Nested(BoardSpanSchema)
    technicians = ma.fields.List(ma.fields.Nested(BoardTechnicianSchema))
    jobs = ma.fields.List(ma.fields.Nested(BoardJobSchema))
    queue = ma.fields.List(ma.fields.Nested(BoardJobSchema))
    travel = ma.fields.List(ma.fields.Nested(BoardTravelSchema))
    skills = ma.fields.List(ma.fields.Nested(BoardNamedSchema))
    statuses = ma.fields.List(ma.fields.Nested(BoardLabelSchema))
    priorities = ma.fields.List(ma.fields.Nested(BoardLabelSchema))


@blp.route("/board")
class BoardView(MethodView):
    @require("schedule:view")
    @blp.arguments(BoardArgs, location="query")
    @blp.response(200, BoardSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """A branch's technicians, planned jobs, queue and travel for 1-7 days."""
        session = get_session()
        branch = get_scoped(session, Branch, args["branch_id"])
        if branch is None:
            raise NotFound(_("Branch not found."))
        settings = module_settings(branch.id)
        authorize("schedule:view", branch.id)
        first = args["first"] or datetime.now(UTC).astimezone(ZoneInfo(branch.timezone)).date()
        data = board.board(
            session,
            branch,
            first,
            args["days"],
            travel=travel_for(settings),
            day_start=board.parse_day_start(settings["day_start"]),
        )
        data["first"] = data.pop("from")
        return data


def _pin_view(job_id: uuid.UUID, *, on: bool) -> dict[str, Any]:
    session = get_session()
    job = planned_job(job_id, "schedule:plan")
    user_id = current_principal().user.id
    if on:
        pins.pin(session, job, user_id, request_source())
    else:
        pins.unpin(session, job, user_id, request_source())
    session.commit()
    return board.job_object(session, job)


@blp.route("/jobs/<uuid:job_id>/pin")
class PinView(MethodView):
    @require("schedule:plan")
    @blp.response(200, BoardJobSchema)
    def post(self, job_id: uuid.UUID) -> dict[str, Any]:
        """Pin the job: planning and re-planning leave it where it is."""
        return _pin_view(job_id, on=True)

    @require("schedule:plan")
    @blp.response(200, BoardJobSchema)
    def delete(self, job_id: uuid.UUID) -> dict[str, Any]:
        """Take the pin off the job."""
        return _pin_view(job_id, on=False)
