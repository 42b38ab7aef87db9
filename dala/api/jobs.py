"""/api/v1/jobs: jobs, their status transitions, checklists and attachments.

Dispatchers see and change the jobs of their branches; technicians see the
jobs they are assigned to (with the customer's details they need there) and
move them through the field steps.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest.fields import Upload

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Instant
from dala.api.gate import request_source
from dala.api.job_types import CHECKLIST, DURATION, SKILL_NEEDS, SkillNeedSchema
from dala.api.pagination import PageArgs, page_of, paginate
from dala.auth.guard import current_principal, require
from dala.db import get_session
from dala.work import attachments, checklists, job_access, jobs, lifecycle
from dala.work.job_models import Job, JobStatus, Priority

blp = Blueprint("jobs", __name__, url_prefix="/jobs", description="Jobs and their lifecycle")

_STATUSES = [s.value for s in JobStatus]
_PRIORITIES = [p.value for p in Priority]
_READ = ("job:read", job_access.WORK)


def _actor() -> jobs.Actor:
    return jobs.Actor(current_principal().user.id, request_source())


def _job(permission: str, job_id: uuid.UUID, *, field: bool = False) -> Job:
    session = get_session()
    job = jobs.get_job(session, job_id)
    job_access.check(session, current_principal(), job, permission, field=field)
    return job


class JobCustomerSchema(ma.Schema):
    """The customer as the job needs it: who, and how to reach them."""

    id = ma.fields.UUID()
    name = ma.fields.String()
    phone = ma.fields.Function(lambda c: c.primary_contact.phone if c.primary_contact else None)
    email = ma.fields.Function(lambda c: c.primary_contact.email if c.primary_contact else None)


class JobSiteSchema(ma.Schema):
    id = ma.fields.UUID()
    label = ma.fields.String()
    address = ma.fields.String()
    access_notes = ma.fields.String(allow_none=True)
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    timezone = ma.fields.String()


class JobSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    number = ma.fields.Integer(dump_only=True)
    branch_id = ma.fields.UUID()
    customer_id = ma.fields.UUID()
    customer = ma.fields.Nested(JobCustomerSchema, dump_only=True)
    site_id = ma.fields.UUID(allow_none=True)
    site = ma.fields.Nested(JobSiteSchema, allow_none=True, dump_only=True)
    job_type_id = ma.fields.UUID(allow_none=True)
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    priority = ma.fields.String(metadata={"enum": _PRIORITIES})
    status = ma.fields.String(metadata={"enum": _STATUSES})
    allowed_transitions = ma.fields.Function(
        lambda j: lifecycle.allowed_from(j.status),
        metadata={"description": "The statuses the job may move to from here"},
    )
    required_skills = ma.fields.List(ma.fields.Nested(SkillNeedSchema))
    window_start = ma.fields.DateTime(allow_none=True)
    window_end = ma.fields.DateTime(allow_none=True)
    duration_minutes = ma.fields.Integer()
    scheduled_start = ma.fields.DateTime(allow_none=True)
    scheduled_end = ma.fields.DateTime(allow_none=True)
    technician_ids = ma.fields.List(ma.fields.UUID(), metadata={"description": "Lead first"})
    status_changed_at = ma.fields.DateTime(dump_only=True)
    completed_at = ma.fields.DateTime(allow_none=True, dump_only=True)
    conflicts_open = ma.fields.Integer(
        dump_only=True,
        metadata={"description": "Sync conflicts waiting for a decision (/sync/conflicts)"},
    )
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


def _when() -> Instant:
    return Instant(allow_none=True)


_TECHNICIANS = ma.fields.List(
    ma.fields.UUID(),
    validate=ma.validate.Length(max=20),
    metadata={"description": "Assigned technicians, the lead first"},
)


class JobUpdateArgs(ma.Schema):
    site_id = ma.fields.UUID(allow_none=True)
    branch_id = ma.fields.UUID()
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10000))
    priority = ma.fields.String(validate=ma.validate.OneOf(_PRIORITIES))
    required_skills = SKILL_NEEDS
    window_start = _when()
    window_end = _when()
    duration_minutes = DURATION
    scheduled_start = _when()
    scheduled_end = _when()
    technician_ids = _TECHNICIANS


class JobCreateArgs(JobUpdateArgs):
    customer_id = ma.fields.UUID(required=True)
    branch_id = ma.fields.UUID(metadata={"description": "Defaults to the site's branch"})
    job_type_id = ma.fields.UUID(allow_none=True)
    title = ma.fields.String(
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": "Defaults to the job type's name"},
    )
    checklist = CHECKLIST


_SORTS: dict[str, tuple[Any, ...]] = {
    "scheduled_start": (Job.scheduled_start.asc().nulls_last(), Job.number),
    "-created_at": (Job.created_at.desc(), Job.id),
    "number": (Job.number,),
    "-number": (Job.number.desc(),),
}


class JobListArgs(PageArgs):
    status = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(_STATUSES)),
        metadata={"description": "Repeat for several: status=scheduled&status=dispatched"},
    )
    priority = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(_PRIORITIES)))
    branch_id = ma.fields.UUID()
    technician_id = ma.fields.UUID()
    customer_id = ma.fields.UUID()
    site_id = ma.fields.UUID()
    unassigned = ma.fields.Boolean(metadata={"description": "Only jobs nobody is assigned to"})
    ends_after = Instant(
        data_key="from", metadata={"description": "Planned work ending after this time"}
    )
    starts_before = Instant(
        data_key="to", metadata={"description": "Planned work starting before this time"}
    )
    sort = ma.fields.String(load_default="scheduled_start", validate=ma.validate.OneOf(_SORTS))

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kw: Any) -> None:
        since, until = data.get("ends_after"), data.get("starts_before")
        if since and until and until <= since:
            raise ma.ValidationError(_("'to' must be after 'from'."), "to")


@blp.route("")
class JobsView(MethodView):
    @require(*_READ)
    @blp.arguments(JobListArgs, location="query")
    @blp.response(200, page_of(JobSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Jobs you may see (your branches', or your own as a technician), filtered."""
        session = get_session()
        seen = job_access.visibility(session, current_principal())
        query = jobs.list_filter(jobs.visible(jobs.jobs_query(), seen), args)
        return paginate(session, query.order_by(*_SORTS[args["sort"]]), args)

    @require("job:create")
    @blp.arguments(JobCreateArgs)
    @blp.response(201, JobSchema)
    @blp.alt_response(404, description="A referenced object does not exist")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a job; it is ``scheduled`` when given a start, else ``draft``."""
        session = get_session()
        job = jobs.create_job(session, data, _actor())
        job_access.check(session, current_principal(), job, "job:create")
        job_access.check_assignees(session, current_principal(), job)
        session.commit()
        return job, 201, etag_headers(job)


@blp.route("/<uuid:job_id>")
class JobView(MethodView):
    @require(*_READ)
    @blp.response(200, JobSchema)
    def get(self, job_id: uuid.UUID) -> Any:
        job = _job("job:read", job_id, field=True)
        return job, 200, etag_headers(job)

    @require("job:update")
    @blp.arguments(JobUpdateArgs)
    @blp.response(200, JobSchema)
    @blp.alt_response(409, description="The change does not fit the job's status")
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], job_id: uuid.UUID) -> Any:
        """Change details, plan or people; the status changes only through transitions."""
        session = get_session()
        job = _job("job:update", job_id)
        check_if_match(job)
        jobs.update_job(session, job, data, _actor())
        if "branch_id" in data:  # the job must stay within the caller's branches
            job_access.check(session, current_principal(), job, "job:update")
        if "technician_ids" in data or "branch_id" in data:
            job_access.check_assignees(session, current_principal(), job)
        session.commit()
        job = jobs.get_job(session, job.id)
        return job, 200, etag_headers(job)

    @require("job:delete")
    @blp.response(204)
    @blp.alt_response(409, description="Only draft and cancelled jobs can be deleted")
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, job_id: uuid.UUID) -> None:
        session = get_session()
        job = _job("job:delete", job_id)
        check_if_match(job)
        jobs.delete_job(session, job)
        session.commit()


class TransitionSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    from_status = ma.fields.String(allow_none=True, metadata={"enum": _STATUSES})
    to_status = ma.fields.String(metadata={"enum": _STATUSES})
    at = ma.fields.DateTime()
    user_id = ma.fields.UUID(allow_none=True)
    source = ma.fields.String(metadata={"enum": ["web", "app", "api", "system"]})
    reason = ma.fields.String(allow_none=True)


class TransitionResultSchema(TransitionSchema):
    job = ma.fields.Nested(JobSchema)


class TransitionArgs(ma.Schema):
    to = ma.fields.String(required=True, validate=ma.validate.OneOf(_STATUSES))
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))


@blp.route("/<uuid:job_id>/transitions")
class TransitionsView(MethodView):
    @require(*_READ)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(TransitionSchema))
    def get(self, args: dict[str, Any], job_id: uuid.UUID) -> dict[str, Any]:
        """The job's status history, oldest first."""
        job = _job("job:read", job_id, field=True)
        return paginate(get_session(), jobs.transitions_query(job.id), args)

    @require("job:transition", job_access.WORK)
    @blp.arguments(TransitionArgs)
    @blp.response(201, TransitionResultSchema)
    @blp.alt_response(409, description="Not allowed from the current status; lists the allowed")
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def post(self, data: dict[str, Any], job_id: uuid.UUID) -> Any:
        """Move the job to another status (see the lifecycle in docs/data-model.md)."""
        session = get_session()
        job = jobs.get_job(session, job_id)
        to = JobStatus(data["to"])
        job_access.check_transition(session, current_principal(), job, to)
        check_if_match(job)
        record = jobs.transition(session, job, to, _actor(), data.get("reason"))
        session.commit()
        record.job = job  # type: ignore[attr-defined]
        return record, 201, etag_headers(job)


class ChecklistItemSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    position = ma.fields.Integer()
    label = ma.fields.String()
    done = ma.fields.Boolean()
    done_at = ma.fields.DateTime(allow_none=True, dump_only=True)
    done_by = ma.fields.UUID(allow_none=True, dump_only=True)
    version = ma.fields.Integer(dump_only=True)


class ChecklistAddArgs(ma.Schema):
    label = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    position = ma.fields.Integer(validate=ma.validate.Range(0, 10000))


class ChecklistUpdateArgs(ma.Schema):
    label = ma.fields.String(validate=ma.validate.Length(min=1, max=300))
    position = ma.fields.Integer(validate=ma.validate.Range(0, 10000))
    done = ma.fields.Boolean()


@blp.route("/<uuid:job_id>/checklist")
class ChecklistView(MethodView):
    @require(*_READ)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(ChecklistItemSchema))
    def get(self, args: dict[str, Any], job_id: uuid.UUID) -> dict[str, Any]:
        """The job's checklist in order."""
        job = _job("job:read", job_id, field=True)
        return paginate(get_session(), checklists.items_query(job.id), args)

    @require("job:update", job_access.WORK)
    @blp.arguments(ChecklistAddArgs)
    @blp.response(201, ChecklistItemSchema)
    @blp.alt_response(409, description="The job is completed or cancelled")
    def post(self, data: dict[str, Any], job_id: uuid.UUID) -> Any:
        session = get_session()
        job = _job("job:update", job_id, field=True)
        item = checklists.add_item(session, job, data)
        session.commit()
        return item, 201, etag_headers(item)


@blp.route("/<uuid:job_id>/checklist/<uuid:item_id>")
class ChecklistItemView(MethodView):
    @require(*_READ)
    @blp.response(200, ChecklistItemSchema)
    def get(self, job_id: uuid.UUID, item_id: uuid.UUID) -> Any:
        job = _job("job:read", job_id, field=True)
        item = checklists.get_item(get_session(), job, item_id)
        return item, 200, etag_headers(item)

    @require("job:update", job_access.WORK)
    @blp.arguments(ChecklistUpdateArgs)
    @blp.response(200, ChecklistItemSchema)
    @blp.alt_response(409, description="The job is completed or cancelled")
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], job_id: uuid.UUID, item_id: uuid.UUID) -> Any:
        """Tick, untick, rename or move an item."""
        session = get_session()
        job = _job("job:update", job_id, field=True)
        item = checklists.get_item(session, job, item_id)
        check_if_match(item)
        checklists.update_item(session, job, item, data, current_principal().user.id)
        session.commit()
        return item, 200, etag_headers(item)

    @require("job:update", job_access.WORK)
    @blp.response(204)
    @blp.alt_response(409, description="The job is completed or cancelled")
    def delete(self, job_id: uuid.UUID, item_id: uuid.UUID) -> None:
        session = get_session()
        job = _job("job:update", job_id, field=True)
        checklists.remove_item(session, job, checklists.get_item(session, job, item_id))
        session.commit()


class AttachmentSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    uploaded_by = ma.fields.UUID(allow_none=True)
    created_at = ma.fields.DateTime()


class UploadArgs(ma.Schema):
    file = Upload(required=True)


@blp.route("/<uuid:job_id>/attachments")
class AttachmentsView(MethodView):
    @require(*_READ)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(AttachmentSchema))
    def get(self, args: dict[str, Any], job_id: uuid.UUID) -> dict[str, Any]:
        job = _job("job:read", job_id, field=True)
        return paginate(get_session(), attachments.attachments_query(job.id), args)

    @require("job:update", job_access.WORK)
    @blp.arguments(UploadArgs, location="files")
    @blp.response(201, AttachmentSchema)
    def post(self, files: dict[str, Any], job_id: uuid.UUID) -> Any:
        """Upload a file (multipart field ``file``); stored encrypted."""
        session = get_session()
        job = _job("job:update", job_id, field=True)
        upload = files["file"]
        found = attachments.add_attachment(
            session,
            job,
            filename=(upload.filename or "file")[:255],
            content_type=upload.mimetype,
            data=upload.read(attachments.read_limit()),
            user_id=current_principal().user.id,
        )
        session.commit()
        return found, 201


@blp.route("/<uuid:job_id>/attachments/<uuid:attachment_id>")
class AttachmentView(MethodView):
    @require(*_READ)
    @blp.response(200, description="The file's bytes")
    def get(self, job_id: uuid.UUID, attachment_id: uuid.UUID) -> Response:
        """Download the file."""
        job = _job("job:read", job_id, field=True)
        found = attachments.get_attachment(get_session(), job, attachment_id)
        response = Response(attachments.content(found), mimetype=found.content_type)
        response.headers["Content-Disposition"] = "attachment"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Content-Security-Policy"] = "sandbox"
        return response

    @require("job:update")
    @blp.response(204)
    def delete(self, job_id: uuid.UUID, attachment_id: uuid.UUID) -> None:
        session = get_session()
        job = _job("job:update", job_id)
        found = attachments.get_attachment(session, job, attachment_id)
        attachments.remove_attachment(session, job, found)
        session.commit()
