"""/api/v1/scheduling: suggestions for a job, one-click assign, and marking someone unavailable."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _

from dala.api.blueprint import Blueprint
from dala.api.etag import etag_headers, etag_of
from dala.api.fields import Instant
from dala.api.gate import request_source
from dala.api.jobs import JobSchema
from dala.auth.guard import authorize, current_principal, require
from dala.db import get_session, utcnow
from dala.errors import NotFound
from dala.tenancy.models import Branch
from dala.tenancy.scoping import get_scoped
from dala.work import job_access, jobs
from dala.work.job_models import Job
from dala.work.technicians import get_technician
from dala_scheduling import replan, suggestions
from dala_scheduling.api_fields import utc
from dala_scheduling.plans_api import PlanRunSchema, present_run
from dala_scheduling.settings import module_on

blp = Blueprint(
    "scheduling_assign",
    __name__,
    url_prefix="/scheduling",
    description="Scheduling: who should take a job, one-click assign, unavailability",
)


class ScheduledJobSchema(JobSchema):
    etag = ma.fields.Function(etag_of, metadata={"description": "As GET /jobs/{id}'s ETag"})


class ReasonSchema(ma.Schema):
    code = ma.fields.String()
    text = ma.fields.String()


class BumpSchema(ma.Schema):
    job_id = ma.fields.UUID()
    number = ma.fields.Integer()
    title = ma.fields.String()
    priority = ma.fields.String()
    consequence = ma.fields.String(metadata={"enum": ["unassigned", "moved"]})
    text = ma.fields.String()
    start = utc(allow_none=True)
    end = utc(allow_none=True)


class SuggestionSchema(ma.Schema):
    technician_id = ma.fields.UUID()
    name = ma.fields.String()
    score = ma.fields.Float()
    start = utc()
    end = utc()
    travel_seconds = ma.fields.Integer()
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))
    bumps = ma.fields.List(ma.fields.Nested(BumpSchema))


class UnsuitableSchema(ma.Schema):
    technician_id = ma.fields.UUID()
    name = ma.fields.String()
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))


class SuggestionsSchema(ma.Schema):
    job = ma.fields.Nested(ScheduledJobSchema)
    time_zone = ma.fields.String()
    suggestions = ma.fields.List(ma.fields.Nested(SuggestionSchema))
    unsuitable = ma.fields.List(ma.fields.Nested(UnsuitableSchema))


class SuggestionArgs(ma.Schema):
    date = ma.fields.Date(
        metadata={"description": "The branch's day (default: the job's planned day, else today)"}
    )


class AssignArgs(ma.Schema):
    technician_id = ma.fields.UUID(required=True)
    start = Instant(required=True)
    bump = ma.fields.Boolean(load_default=False)
    if_match = ma.fields.String(
        validate=ma.validate.Length(max=40),
        metadata={"description": "The job's ETag as read (also accepted as If-Match)"},
    )


class AssignedSchema(ma.Schema):
    job = ma.fields.Nested(ScheduledJobSchema)
    bumped = ma.fields.List(ma.fields.Nested(ScheduledJobSchema))


class UnavailableArgs(ma.Schema):
    starts_at = Instant(required=True, data_key="from")
    ends_at = Instant(required=True, data_key="to")
    reason = ma.fields.String(load_default="sick", validate=ma.validate.OneOf(["sick", "other"]))

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kw: Any) -> None:
        if data["ends_at"] <= data["starts_at"]:
            raise ma.ValidationError(_("'to' must be after 'from'."), "to")


def _job(job_id: uuid.UUID, permission: str) -> Job:
    """The job, where the caller may plan it and scheduling is on in its branch."""
    session = get_session()
    job = jobs.get_job(session, job_id)
    job_access.check(session, current_principal(), job, "job:read")
    if not module_on(job.branch_id):
        raise NotFound(_("Job not found."))
    authorize(permission, job.branch_id)
    return job


def _actor() -> jobs.Actor:
    return jobs.Actor(current_principal().user.id, request_source())


@blp.route("/jobs/<uuid:job_id>/suggestions")
class SuggestionsView(MethodView):
    @require("schedule:view")
    @blp.arguments(SuggestionArgs, location="query")
    @blp.response(200, SuggestionsSchema)
    @blp.alt_response(409, description="The job is under way or closed")
    def get(self, args: dict[str, Any], job_id: uuid.UUID) -> dict[str, Any]:
        """Technicians who could take the job that day, best first, with reasons; and who
        cannot, and why. An emergency nobody is free for may bump lower-priority work."""
        session = get_session()
        job = _job(job_id, "schedule:view")
        branch = get_scoped(session, Branch, job.branch_id)
        assert branch is not None
        zone = ZoneInfo(branch.timezone)
        day: date = args.get("date") or (job.scheduled_start or utcnow()).astimezone(zone).date()
        _day, found, _slots = suggestions.suggest(session, job, day)
        return {
            "job": job,
            "time_zone": branch.timezone,
            "suggestions": found.suggestions,
            "unsuitable": found.unsuitable,
        }


@blp.route("/jobs/<uuid:job_id>/assign")
class AssignView(MethodView):
    @require("schedule:plan")
    @blp.arguments(AssignArgs)
    @blp.response(200, AssignedSchema)
    @blp.alt_response(409, description="The slot is no longer free (or needs a bump)")
    @blp.alt_response(412, description="The job changed since it was read")
    def post(self, data: dict[str, Any], job_id: uuid.UUID) -> Any:
        """Give the job to a technician at a suggested start, bumping what the suggestion
        bumps when ``bump`` is true; all in one transaction."""
        from flask import request

        session = get_session()
        job = _job(job_id, "schedule:plan")
        authorize("job:update", job.branch_id)
        result = suggestions.assign(
            session,
            job,
            data["technician_id"],
            data["start"],
            bump=data["bump"],
            if_match=data.get("if_match") or request.headers.get("If-Match"),
            actor=_actor(),
        )
        job_access.check_assignees(session, current_principal(), job)
        session.commit()
        fresh = jobs.get_job(session, result.job.id)
        bumped = [jobs.get_job(session, b.id) for b in result.bumped]
        return {"job": fresh, "bumped": bumped}, 200, etag_headers(fresh)


@blp.route("/technicians/<uuid:technician_id>/unavailable")
class UnavailableView(MethodView):
    @require("schedule:plan")
    @blp.arguments(UnavailableArgs)
    @blp.response(202, PlanRunSchema)
    def post(self, data: dict[str, Any], technician_id: uuid.UUID) -> Any:
        """Record the technician away (time off) and re-plan the day from then, as the
        branch's ``replan_policy`` says: the re-planning run (queued) is answered."""
        session = get_session()
        technician = get_technician(session, technician_id)
        if not module_on(technician.branch_id):
            raise NotFound(_("Technician not found."))
        authorize("schedule:plan", technician.branch_id)
        run = replan.mark_unavailable(
            session,
            technician,
            data["starts_at"],
            data["ends_at"],
            data["reason"],
            current_principal().user.id,
        )
        run_id = run.id
        session.commit()
        from dala_scheduling.plans import get_run

        return present_run(session, get_run(session, run_id)), 202
