"""/api/v1/sync: pull (the technician's jobs, changed since a cursor) and blob uploads.

See ``docs/sync-protocol.md``. Push, mutations and conflicts are in ``sync_push``.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request, url_for
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.jobs import (
    AttachmentSchema,
    ChecklistItemSchema,
    JobSchema,
    TransitionSchema,
)
from dala.auth.guard import current_principal, require
from dala.db import get_session
from dala.sync import blobs, pull
from dala.sync.models import SyncBlob
from dala.work import job_access
from dala.work.field_models import TimeKind
from dala.work.job_models import AttachmentKind, Source

blp = Blueprint(
    "sync_pull", __name__, url_prefix="/sync", description="Offline sync: pull and blobs"
)

_SOURCES = [s.value for s in Source]


class PullArgsSchema(ma.Schema):
    cursor = ma.fields.String(
        metadata={
            "description": "The cursor of the last answer; leave it out (or send one the "
            "server does not know) for a full snapshot"
        }
    )
    client_id = ma.fields.UUID(
        metadata={"description": "The app instance, for its last_mutation_id"}
    )
    limit = ma.fields.Integer(
        load_default=pull.MAX_JOBS,
        validate=ma.validate.Range(1, pull.MAX_JOBS),
        metadata={"description": "The most jobs in this answer (has_more tells if more are left)"},
    )


class PullNoteSchema(ma.Schema):
    id = ma.fields.UUID(attribute="note.id")
    text = ma.fields.String(attribute="note.text")
    author_id = ma.fields.UUID(attribute="note.author_id", allow_none=True)
    author_name = ma.fields.String(allow_none=True)
    written_at = ma.fields.DateTime(attribute="note.written_at")
    source = ma.fields.String(attribute="note.source", metadata={"enum": _SOURCES})


class PullAttachmentSchema(AttachmentSchema):
    kind = ma.fields.String(metadata={"enum": [k.value for k in AttachmentKind]})
    caption = ma.fields.String(allow_none=True)
    signer_name = ma.fields.String(allow_none=True)
    url = ma.fields.Function(
        lambda a: url_for("jobs.AttachmentView", job_id=a.job_id, attachment_id=a.id),
        metadata={"type": "string", "description": "Where to download it (the jobs API)"},
    )


class PullPartSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    sku = ma.fields.String(allow_none=True)
    quantity = ma.fields.Function(
        lambda p: p.quantity_milli / 1000, metadata={"type": "number", "description": "1.5 (m)"}
    )
    recorded_by = ma.fields.UUID(allow_none=True)
    created_at = ma.fields.DateTime()


class PullTimeEntrySchema(ma.Schema):
    id = ma.fields.UUID()
    technician_id = ma.fields.UUID()
    kind = ma.fields.String(metadata={"enum": [k.value for k in TimeKind]})
    started_at = ma.fields.DateTime()
    ended_at = ma.fields.DateTime()


class PullSiteVisitSchema(ma.Schema):
    job_id = ma.fields.UUID()
    number = ma.fields.Integer()
    title = ma.fields.String()
    completed_at = ma.fields.DateTime(allow_none=True)
    notes_count = ma.fields.Integer()


class PullJobSchema(JobSchema):
    """A whole job document: the client replaces its copy with it."""

    timezone = ma.fields.String(metadata={"description": "The branch's time zone"})
    checklist = ma.fields.List(ma.fields.Nested(ChecklistItemSchema))
    notes = ma.fields.List(ma.fields.Nested(PullNoteSchema))
    attachments = ma.fields.List(ma.fields.Nested(PullAttachmentSchema))
    parts = ma.fields.List(ma.fields.Nested(PullPartSchema))
    time_entries = ma.fields.List(ma.fields.Nested(PullTimeEntrySchema))
    status_history = ma.fields.List(ma.fields.Nested(TransitionSchema))
    site_history = ma.fields.List(
        ma.fields.Nested(PullSiteVisitSchema),
        metadata={"description": "The last completed jobs at the same site, newest first"},
    )


class PullConflictSchema(ma.Schema):
    id = ma.fields.UUID(attribute="conflict.id")
    job_id = ma.fields.UUID(attribute="conflict.job_id")
    job_number = ma.fields.Integer()
    kind = ma.fields.String(attribute="conflict.kind")
    status = ma.fields.String(attribute="conflict.status", metadata={"enum": ["open", "resolved"]})
    office_status = ma.fields.String(attribute="conflict.office_status")
    kept = ma.fields.String(
        attribute="conflict.kept", allow_none=True, metadata={"enum": ["office", "technician"]}
    )
    note = ma.fields.String(attribute="conflict.note", allow_none=True)
    mutations = ma.fields.List(
        ma.fields.Dict(),
        attribute="conflict.mutations",
        metadata={"description": "The technician's work it holds: {name, args, client_ts}"},
    )
    created_at = ma.fields.DateTime(attribute="conflict.created_at")
    resolved_at = ma.fields.DateTime(attribute="conflict.resolved_at", allow_none=True)


class PullSchema(ma.Schema):
    cursor = ma.fields.String(required=True, metadata={"description": "Send it with the next pull"})
    reset = ma.fields.Boolean(
        required=True, metadata={"description": "A snapshot: replace your jobs with these"}
    )
    has_more = ma.fields.Boolean(
        required=True, metadata={"description": "Pull again with the cursor for the rest"}
    )
    last_mutation_id = ma.fields.Integer(required=True)
    jobs = ma.fields.List(ma.fields.Nested(PullJobSchema), required=True)
    removed_job_ids = ma.fields.List(
        ma.fields.UUID(), required=True, metadata={"description": "Jobs to delete from the phone"}
    )
    conflicts = ma.fields.List(
        ma.fields.Nested(PullConflictSchema),
        required=True,
        metadata={"description": "Your open conflicts, and those resolved since the cursor"},
    )


@blp.route("/pull")
class PullView(MethodView):
    @require(job_access.WORK)
    @blp.arguments(PullArgsSchema, location="query")
    @blp.response(200, PullSchema)
    @blp.alt_response(404, description="The client_id is another user's app")
    def get(self, args: dict[str, Any]) -> pull.Pull:
        """Everything about your jobs that changed since the cursor (see docs/sync-protocol.md)."""
        return pull.pull(
            get_session(),
            current_principal().user.id,
            cursor=args.get("cursor"),
            client_id=args.get("client_id"),
            limit=args["limit"],
        )


class BlobStatusSchema(ma.Schema):
    sha256 = ma.fields.String(required=True)
    received = ma.fields.Integer(required=True, metadata={"description": "Bytes taken so far"})
    size = ma.fields.Integer(required=True)
    complete = ma.fields.Boolean(required=True, metadata={"description": "Stored and usable"})

    @ma.pre_dump
    def _status(self, blob: SyncBlob, **_kw: Any) -> dict[str, Any]:
        return {
            "sha256": blob.sha256,
            "received": blob.received,
            "size": blob.size,
            "complete": blob.blob is not None,
        }


class BlobPartHeadersSchema(ma.Schema):
    content_range = ma.fields.String(
        data_key="Content-Range",
        validate=ma.validate.Regexp(r"^bytes \d{1,15}-\d{1,15}/\d{1,15}$"),
        metadata={
            "description": "For a part: bytes {start}-{end}/{total}, end inclusive; "
            "leave it out to send the whole blob"
        },
    )


_SHA256 = {
    "in": "path",
    "name": "sha256",
    "required": True,
    "description": "The SHA-256 of the whole blob, in hexadecimal",
    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
}

_BYTES = {"schema": {"type": "string", "format": "binary"}}


@blp.route("/blobs/<string:sha256>", parameters=[_SHA256])
class BlobView(MethodView):
    @require(job_access.WORK)
    @blp.response(200, BlobStatusSchema)
    def get(self, sha256: str) -> SyncBlob:
        """How much of the blob the server holds (404: nothing yet)."""
        return blobs.get_blob(get_session(), sha256)

    @require(job_access.WORK)
    @blp.arguments(BlobPartHeadersSchema, location="headers")
    @blp.doc(
        requestBody={
            "required": True,
            "description": "The blob's bytes, or the part Content-Range names",
            "content": {kind: _BYTES for kind in blobs.TYPES},
        }
    )
    @blp.response(200, BlobStatusSchema, description="The part was taken, or the blob is complete")
    @blp.alt_response(201, schema=BlobStatusSchema, description="This part completed the blob")
    @blp.alt_response(409, description="The part does not start where the upload stands")
    @blp.alt_response(413, description="Larger than the limit, which the message names")
    @blp.alt_response(415, description="Not a JPEG, PNG or WebP image")
    def put(self, headers: dict[str, Any], sha256: str) -> Any:
        """Upload a photo or signature, whole or in parts; idempotent (docs/sync-protocol.md)."""
        result = blobs.receive(
            get_session(),
            sha256,
            content_type=request.mimetype,
            content_range=headers.get("content_range"),
            content_length=request.content_length,
            read=lambda: request.get_data(cache=False),
            user_id=current_principal().user.id,
        )
        return result.blob, 201 if result.completed else 200
