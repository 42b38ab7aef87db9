"""/api/v1/sync: push (the phone's mutations) and the conflicts they met.

The contract is docs/sync-protocol.md. A push answers per mutation; only a
batch the server cannot take at all is an error of the whole request.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _

from dala.api.blueprint import ArgumentsParser, Blueprint
from dala.api.pagination import PageArgs, page_of, paginate
from dala.auth.guard import current_principal, require
from dala.db import get_session
from dala.sync import conflicts, push
from dala.sync.models import ConflictStatus, MutationStatus
from dala.work import job_access


class PushParser(ArgumentsParser):
    """Text no database can store inside a mutation's ``args`` refuses that mutation
    alone (``dala.sync.mutations.parse``), not the whole batch: one bad note must not
    block the phone's queue."""

    def pre_load(
        self, location_data: Mapping[str, Any], *, schema: ma.Schema, req: Any, location: str
    ) -> Mapping[str, Any]:
        checked = location_data
        items = location_data.get("mutations") if isinstance(location_data, Mapping) else None
        if isinstance(items, list):
            checked = {
                **location_data,
                "mutations": [
                    {k: v for k, v in m.items() if k != "args"} if isinstance(m, Mapping) else m
                    for m in items
                ],
            }
        super().pre_load(checked, schema=schema, req=req, location=location)
        return location_data


class SyncBlueprint(Blueprint):
    ARGUMENTS_PARSER = PushParser()


blp = SyncBlueprint(
    "sync_push",
    __name__,
    url_prefix="/sync",
    description="Offline sync: push the phone's mutations; conflicts for a person to decide",
)

_MAX_ID = 2**63 - 1


class MutationArgs(ma.Schema):
    id = ma.fields.Integer(
        required=True,
        strict=True,
        validate=ma.validate.Range(min=1, max=_MAX_ID),
        metadata={"description": "The client's counter: 1, 2, 3, ..."},
    )
    name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"example": "job.arrive", "description": "See docs/sync-protocol.md"},
    )
    args = ma.fields.Dict(
        keys=ma.fields.String(), load_default=dict, metadata={"description": "The mutation's"}
    )
    client_ts = ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=64),
        metadata={"format": "date-time", "description": "When it was done, by the phone's clock"},
    )


class PushArgs(ma.Schema):
    client_group_id = ma.fields.UUID(required=True)
    client_id = ma.fields.UUID(required=True)
    schema_version = ma.fields.Integer(required=True, strict=True)
    mutations = ma.fields.List(
        ma.fields.Nested(MutationArgs),
        required=True,
        metadata={"description": f"At most {push.MAX_MUTATIONS}, ids growing"},
    )

    @ma.validates_schema
    def _growing(self, data: dict[str, Any], **_kw: Any) -> None:
        ids = [m["id"] for m in data.get("mutations", [])]
        if any(b <= a for a, b in itertools.pairwise(ids)):
            raise ma.ValidationError(_("Mutation ids must grow within a batch."), "mutations")


class MutationResultSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"enum": [s.value for s in MutationStatus]})
    code = ma.fields.String(metadata={"description": "Why it was rejected"})
    message = ma.fields.String(metadata={"description": "Why, in the user's language"})
    conflict_id = ma.fields.UUID(metadata={"description": "The conflict that holds it"})
    replayed = ma.fields.Boolean(metadata={"description": "Taken before; the recorded result"})


class PushResultSchema(ma.Schema):
    last_mutation_id = ma.fields.Integer(required=True)
    results = ma.fields.List(ma.fields.Nested(MutationResultSchema), required=True)


@blp.route("/push")
class PushView(MethodView):
    @require(job_access.WORK)
    @blp.arguments(PushArgs)
    @blp.response(200, PushResultSchema)
    @blp.alt_response(404, description="The client belongs to another user")
    @blp.alt_response(409, description="schema_version not supported (errors.supported)")
    @blp.alt_response(413, description="More mutations than a push may carry")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Apply the phone's mutations, each once; answer per mutation."""
        session = get_session()
        answer = push.push(session, current_principal(), data)
        session.commit()
        return answer


class ConflictMutationSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    args = ma.fields.Dict()
    client_ts = ma.fields.String(metadata={"format": "date-time"})


class ConflictSchema(ma.Schema):
    id = ma.fields.UUID()
    job_id = ma.fields.UUID()
    branch_id = ma.fields.UUID()
    user_id = ma.fields.UUID(allow_none=True, metadata={"description": "The technician"})
    client_id = ma.fields.UUID(allow_none=True)
    kind = ma.fields.String(
        metadata={"enum": [conflicts.CANCELLED, conflicts.ON_HOLD, conflicts.REASSIGNED]}
    )
    office_status = ma.fields.String(metadata={"description": "The job's status it met"})
    mutations = ma.fields.List(
        ma.fields.Nested(ConflictMutationSchema),
        metadata={"description": "The technician's work, kept until the decision"},
    )
    status = ma.fields.String(metadata={"enum": [s.value for s in ConflictStatus]})
    kept = ma.fields.String(allow_none=True, metadata={"enum": ["office", "technician", None]})
    resolved_by = ma.fields.UUID(allow_none=True)
    resolved_at = ma.fields.DateTime(allow_none=True)
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    version = ma.fields.Integer()


class ConflictListArgs(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in ConflictStatus]))
    job_id = ma.fields.UUID()
    branch_id = ma.fields.UUID()


class ResolveArgs(ma.Schema):
    keep = ma.fields.String(required=True, validate=ma.validate.OneOf(["office", "technician"]))
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))


_SEE = ("job:update", job_access.WORK)


@blp.route("/conflicts")
class ConflictsView(MethodView):
    @require(*_SEE)
    @blp.arguments(ConflictListArgs, location="query")
    @blp.response(200, page_of(ConflictSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Conflicts of your branches' jobs (``job:update``), or your own as a technician."""
        query = conflicts.visible(conflicts.conflicts_query(), current_principal())
        return paginate(get_session(), conflicts.list_filter(query, args), args)


@blp.route("/conflicts/<uuid:conflict_id>")
class ConflictView(MethodView):
    @require(*_SEE)
    @blp.response(200, ConflictSchema)
    def get(self, conflict_id: uuid.UUID) -> Any:
        return conflicts.get_conflict(get_session(), current_principal(), conflict_id)


@blp.route("/conflicts/<uuid:conflict_id>/resolve")
class ResolveView(MethodView):
    @require("job:update")
    @blp.arguments(ResolveArgs)
    @blp.response(200, ConflictSchema)
    @blp.alt_response(409, description="Resolved already, or the job cannot take the work")
    def post(self, data: dict[str, Any], conflict_id: uuid.UUID) -> Any:
        """Decide whose state stands: ``office`` keeps the job as it is (the technician's
        work stays on record), ``technician`` brings the job back and applies the work."""
        session = get_session()
        principal = current_principal()
        conflict = conflicts.get_conflict(session, principal, conflict_id)
        conflicts.check_resolve(principal, conflict)
        conflicts.resolve(
            session, conflict, keep=data["keep"], note=data.get("note"), resolver=principal.user.id
        )
        session.commit()
        return conflict
