"""/api/v1/skills: the company's skill catalogue."""

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
from dala.work import skills

blp = Blueprint("skills", __name__, url_prefix="/skills", description="Skill catalogue")


class SkillSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String()
    description = ma.fields.String()
    version = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class SkillCreateArgs(ma.Schema):
    name = Text(80, required=True, metadata={"example": "Refrigeration"})
    description = ma.fields.String(validate=ma.validate.Length(max=500))


class SkillUpdateArgs(ma.Schema):
    name = Text(80)
    description = ma.fields.String(validate=ma.validate.Length(max=500))


class SkillListArgs(PageArgs):
    q = ma.fields.String(
        validate=ma.validate.Length(min=1, max=80), metadata={"description": "Part of the name"}
    )


@blp.route("")
class SkillsView(MethodView):
    @require("skill:read")
    @blp.arguments(SkillListArgs, location="query")
    @blp.response(200, page_of(SkillSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The catalogue, by name."""
        return paginate(get_session(), skills.skills_query(args.get("q")), args)

    @require("skill:create")
    @blp.arguments(SkillCreateArgs)
    @blp.response(201, SkillSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a skill; names are unique whatever their case or accents."""
        session = get_session()
        skill = skills.create_skill(session, data)
        session.commit()
        return skill, 201, etag_headers(skill)


@blp.route("/<uuid:skill_id>")
class SkillView(MethodView):
    @require("skill:read")
    @blp.response(200, SkillSchema)
    def get(self, skill_id: uuid.UUID) -> Any:
        skill = skills.get_skill(get_session(), skill_id)
        return skill, 200, etag_headers(skill)

    @require("skill:update")
    @blp.arguments(SkillUpdateArgs)
    @blp.response(200, SkillSchema)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def patch(self, data: dict[str, Any], skill_id: uuid.UUID) -> Any:
        session = get_session()
        skill = skills.get_skill(session, skill_id)
        check_if_match(skill)
        skills.update_skill(session, skill, data)
        session.commit()
        return skill, 200, etag_headers(skill)

    @require("skill:delete")
    @blp.response(204)
    @blp.alt_response(412, description="The If-Match ETag is stale")
    def delete(self, skill_id: uuid.UUID) -> None:
        session = get_session()
        skill = skills.get_skill(session, skill_id)
        check_if_match(skill)
        skills.delete_skill(session, skill)
        session.commit()
