"""/api/v1/job-types: kinds of work with a default duration, skills and checklist."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.etag import check_if_match, etag_headers
from dala.api.fields import Text
from dala.api.pagination import PageArgs, page_of, paginate
from dala.auth.guard import require
from dala.db import get_session
from dala.work import job_types

blp = Blueprint("job_types", __name__, url_prefix="/job-types", description="Job types")


class SkillNeedSchema(ma.Schema):
    skill_id = ma.fields.UUID(required=True)
    min_level = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, 5))


SKILL_NEEDS = ma.fields.List(ma.fields.Nested(SkillNeedSchema), validate=ma.validate.Length(max=20))
CHECKLIST = ma.fields.List(
    ma.fields.String(validate=ma.validate.Length(min=1, max=300)),
    validate=ma.validate.Length(max=100),
)
DURATION = ma.fields.Integer(
    validate=ma.validate.Range(1, 7 * 24 * 60), metadata={"description": "Minutes"}
)


class JobTypeSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String()
    description = ma.fields.String()
    default_duration_minutes = ma.fields.Integer()
    required_skills = ma.fields.List(ma.fields.Nested(SkillNeedSchema))
    checklist_template = ma.fields.List(ma.fields.String())
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class JobTypeCreateArgs(ma.Schema):
    name = Text(120, required=True, metadata={"example": "AC maintenance"})
    description = ma.fields.String(validate=ma.validate.Length(max=1000))
    default_duration_minutes = DURATION
    required_skills = SKILL_NEEDS
    checklist_template = CHECKLIST


class JobTypeUpdateArgs(ma.Schema):
    name = Text(120)
    description = ma.fields.String(validate=ma.validate.Length(max=1000))
    default_duration_minutes = DURATION
    required_skills = SKILL_NEEDS
    checklist_template = CHECKLIST


class JobTypeListArgs(PageArgs):
    q = ma.fields.String(validate=ma.validate.Length(min=1, max=120))


@blp.route("")
class JobTypesView(MethodView):
    @require("job_type:read")
    @blp.arguments(JobTypeListArgs, location="query")
    @blp.response(200, page_of(JobTypeSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Job types by name."""
        return paginate(get_session(), job_types.job_types_query(args.get("q")), args)

    @require("job_type:create")
    @blp.arguments(JobTypeCreateArgs)
    @blp.response(201, JobTypeSchema)
    @blp.alt_response(404, description="A referenced object does not exist")
    def post(self, data: dict[str, Any]) -> Any:
        session = get_session()
        job_type = job_types.create_job_type(session, data)
        session.commit()
        return job_type, 201, etag_headers(job_type)


@blp.route("/<uuid:job_type_id>")
class JobTypeView(MethodView):
    @require("job_type:read")
    @blp.response(200, JobTypeSchema)
    def get(self, job_type_id: uuid.UUID) -> Any:
        job_type = job_types.get_job_type(get_session(), job_type_id)
        return job_type, 200, etag_headers(job_type)

    @require("job_type:update")
    @blp.arguments(JobTypeUpdateArgs)
    @blp.response(200, JobTypeSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], job_type_id: uuid.UUID) -> Any:
        """Change a type; jobs already created keep what they copied from it."""
        session = get_session()
        job_type = job_types.get_job_type(session, job_type_id)
        check_if_match(job_type)
        job_types.update_job_type(session, job_type, data)
        session.commit()
        return job_type, 200, etag_headers(job_type)

    @require("job_type:delete")
    @blp.response(204)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, job_type_id: uuid.UUID) -> None:
        session = get_session()
        job_type = job_types.get_job_type(session, job_type_id)
        check_if_match(job_type)
        job_types.delete_job_type(session, job_type)
        session.commit()
