"""/api/v1/audit-events: who changed what in the company's administration, and when."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from dala.api.blueprint import Blueprint
from dala.api.fields import Instant
from dala.api.pagination import PageArgs, page_of, paginate
from dala.audit.queries import ACTIONS, TARGET_TYPES, events_query
from dala.auth.guard import authorize, require
from dala.db import get_session

blp = Blueprint("audit", __name__, url_prefix="/audit-events", description="Audit log")

_TYPES = list(TARGET_TYPES)


class AuditEventSchema(ma.Schema):
    id = ma.fields.UUID()
    at = ma.fields.DateTime()
    user_id = ma.fields.UUID(allow_none=True)
    source = ma.fields.String(metadata={"enum": ["web", "app", "api", "system", "operator"]})
    actor = ma.fields.String(
        allow_none=True,
        metadata={"description": "The platform operator's name when source is operator"},
    )
    action = ma.fields.String(metadata={"enum": ["created", "updated", "deleted"]})
    target_type = ma.fields.String(metadata={"enum": _TYPES})
    target_id = ma.fields.String()
    changes = ma.fields.Dict(metadata={"description": "{before, after} of the changed fields"})


class AuditListArgs(PageArgs):
    target_type = ma.fields.String(validate=ma.validate.OneOf(_TYPES))
    target_id = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    action = ma.fields.String(validate=ma.validate.OneOf(ACTIONS))
    user_id = ma.fields.UUID()
    since = Instant(data_key="from")
    until = Instant(data_key="to")


@blp.route("")
class AuditEventsView(MethodView):
    @require("audit:read")
    @blp.arguments(AuditListArgs, location="query")
    @blp.response(200, page_of(AuditEventSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Administrative changes, newest first (secrets are never recorded)."""
        authorize("audit:read")  # company-wide: the log spans every branch
        return paginate(get_session(), events_query(args), args)
