"""/api/v1/technicians: field staff with skills, home base, working hours and time off."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Currency, Instant
from dala.api.gate import request_source
from dala.api.pagination import PageArgs, page_of, paginate
from dala.api.sites import LATITUDE, LONGITUDE
from dala.auth.guard import (
    authorize,
    authorize_in,
    current_principal,
    in_permitted_branches,
    require,
)
from dala.db import get_session
from dala.work import technicians
from dala.work.jobs import Actor
from dala.work.models import Technician, TimeOffReason


def _technician(permission: str, technician_id: uuid.UUID) -> Technician:
    """The technician, if the caller holds ``permission`` in the technician's branch."""
    technician = technicians.get_technician(get_session(), technician_id)
    authorize(permission, technician.branch_id)
    return technician


def _actor() -> Actor:
    return Actor(current_principal().user.id, request_source())


blp = Blueprint("technicians", __name__, url_prefix="/technicians", description="Technicians")

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class HoursSchema(ma.Schema):
    """One working interval on a weekday, in the branch's time zone."""

    weekday = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(0, 6),
        metadata={"description": "0 is Monday, 6 is Sunday"},
    )
    start = ma.fields.String(
        required=True, validate=ma.validate.Regexp(_CLOCK), metadata={"example": "09:00"}
    )
    end = ma.fields.String(
        required=True, validate=ma.validate.Regexp(_CLOCK), metadata={"example": "18:00"}
    )

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ma.ValidationError(_("The interval must end after it starts."), "end")


def _no_overlaps(hours: list[dict[str, Any]]) -> None:
    by_day: dict[int, list[tuple[str, str]]] = {}
    for h in hours:
        by_day.setdefault(h["weekday"], []).append((h["start"], h["end"]))
    for spans in by_day.values():
        spans.sort()
        if any(b[0] < a[1] for a, b in itertools.pairwise(spans)):
            raise ma.ValidationError(_("Working intervals of one day overlap."))


class SkillLevelSchema(ma.Schema):
    skill_id = ma.fields.UUID(required=True)
    level = ma.fields.Integer(
        load_default=3,
        validate=ma.validate.Range(1, 5),
        metadata={"description": "1 trainee … 5 expert"},
    )


class TechnicianSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    user_id = ma.fields.UUID()
    name = ma.fields.Function(lambda t: t.user.name)
    email = ma.fields.Function(lambda t: t.user.email)
    branch_id = ma.fields.UUID()
    active = ma.fields.Boolean()
    skills = ma.fields.List(ma.fields.Nested(SkillLevelSchema))
    home_address = ma.fields.String(allow_none=True)
    home_latitude = ma.fields.Float(allow_none=True)
    home_longitude = ma.fields.Float(allow_none=True)
    working_hours = ma.fields.List(ma.fields.Nested(HoursSchema))
    hourly_cost_minor = ma.fields.Integer(
        metadata={"description": "Cost per hour in minor units (tiyn, cents) of `currency`"}
    )
    currency = ma.fields.String()
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


_HOURS = ma.fields.List(
    ma.fields.Nested(HoursSchema), validate=[ma.validate.Length(max=28), _no_overlaps]
)
_SKILLS = ma.fields.List(ma.fields.Nested(SkillLevelSchema), validate=ma.validate.Length(max=50))
_COST = ma.fields.Integer(validate=ma.validate.Range(0, 10**9))


class TechnicianUpdateArgs(ma.Schema):
    branch_id = ma.fields.UUID()
    active = ma.fields.Boolean()
    skills = _SKILLS
    home_address = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    home_latitude = LATITUDE
    home_longitude = LONGITUDE
    working_hours = _HOURS
    hourly_cost_minor = _COST
    currency = Currency()


class TechnicianCreateArgs(TechnicianUpdateArgs):
    user_id = ma.fields.UUID(required=True)
    branch_id = ma.fields.UUID(required=True)


class TechnicianListArgs(PageArgs):
    branch_id = ma.fields.UUID()
    skill_id = ma.fields.UUID(metadata={"description": "Only technicians with this skill"})
    min_level = ma.fields.Integer(validate=ma.validate.Range(1, 5))
    active = ma.fields.Boolean()


@blp.route("")
class TechniciansView(MethodView):
    @require("technician:read")
    @blp.arguments(TechnicianListArgs, location="query")
    @blp.response(200, page_of(TechnicianSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Technicians by name; filter by branch, skill (and level) or activity."""
        query = in_permitted_branches(
            technicians.technicians_query(), Technician.branch_id, "technician:read"
        )
        if "branch_id" in args:
            query = query.where(Technician.branch_id == args["branch_id"])
        if "active" in args:
            query = query.where(Technician.active == args["active"])
        if "skill_id" in args:
            having = technicians.select_skilled(args["skill_id"], args.get("min_level", 1))
            query = query.where(Technician.id.in_(having))
        return paginate(get_session(), query, args)

    @require("technician:create")
    @blp.arguments(TechnicianCreateArgs)
    @blp.response(201, TechnicianSchema)
    @blp.alt_response(404, description="A referenced object does not exist")
    def post(self, data: dict[str, Any]) -> Any:
        """Make a user of the company a technician in a branch."""
        session = get_session()
        authorize_in("technician:create", data["branch_id"])
        technician = technicians.create_technician(session, data)
        session.commit()
        return technician, 201, etag_headers(technician)


@blp.route("/<uuid:technician_id>")
class TechnicianView(MethodView):
    @require("technician:read")
    @blp.response(200, TechnicianSchema)
    def get(self, technician_id: uuid.UUID) -> Any:
        technician = _technician("technician:read", technician_id)
        return technician, 200, etag_headers(technician)

    @require("technician:update")
    @blp.arguments(TechnicianUpdateArgs)
    @blp.response(200, TechnicianSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], technician_id: uuid.UUID) -> Any:
        session = get_session()
        technician = _technician("technician:update", technician_id)
        check_if_match(technician)
        if "branch_id" in data:
            authorize_in("technician:update", data["branch_id"])
        technicians.update_technician(session, technician, data)
        session.commit()
        return technician, 200, etag_headers(technician)

    @require("technician:delete")
    @blp.response(204)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, technician_id: uuid.UUID) -> None:
        """Remove the technician profile (the user keeps their account)."""
        session = get_session()
        technician = _technician("technician:delete", technician_id)
        check_if_match(technician)
        technicians.delete_technician(session, technician, _actor())
        session.commit()


class TimeOffSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    technician_id = ma.fields.UUID(dump_only=True)
    starts_at = Instant(required=True)
    ends_at = Instant(required=True)
    reason = ma.fields.String(
        load_default=TimeOffReason.OTHER.value,
        validate=ma.validate.OneOf([r.value for r in TimeOffReason]),
    )
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=1000))
    created_at = ma.fields.DateTime(dump_only=True)

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ma.ValidationError(_("The time off must end after it starts."), "ends_at")


@blp.route("/<uuid:technician_id>/time-off")
class TimeOffListView(MethodView):
    @require("technician:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(TimeOffSchema))
    def get(self, args: dict[str, Any], technician_id: uuid.UUID) -> dict[str, Any]:
        """The technician's time off, latest first (times in UTC)."""
        session = get_session()
        technician = _technician("technician:read", technician_id)
        return paginate(session, technicians.time_off_query(technician.id), args)

    @require("technician:update")
    @blp.arguments(TimeOffSchema)
    @blp.response(201, TimeOffSchema)
    def post(self, data: dict[str, Any], technician_id: uuid.UUID) -> Any:
        """Record leave, sickness or training."""
        session = get_session()
        technician = _technician("technician:update", technician_id)
        entry = technicians.add_time_off(session, technician, data)
        session.commit()
        return entry, 201


@blp.route("/<uuid:technician_id>/time-off/<uuid:entry_id>")
class TimeOffView(MethodView):
    @require("technician:read")
    @blp.response(200, TimeOffSchema)
    def get(self, technician_id: uuid.UUID, entry_id: uuid.UUID) -> Any:
        technician = _technician("technician:read", technician_id)
        return technicians.get_time_off(get_session(), technician, entry_id)

    @require("technician:update")
    @blp.response(204)
    def delete(self, technician_id: uuid.UUID, entry_id: uuid.UUID) -> None:
        session = get_session()
        technician = _technician("technician:update", technician_id)
        technicians.remove_time_off(
            session, technicians.get_time_off(session, technician, entry_id)
        )
        session.commit()
