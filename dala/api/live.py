"""/api/v1/live: live updates of the branches you may read, and of your own work, as
server-sent events."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView
from flask_babel import gettext as _

from dala.api.blueprint import Blueprint
from dala.auth.guard import (
    AllBranches,
    authorize_in,
    current_principal,
    permitted_branches,
    require,
)
from dala.db import get_session
from dala.events import live
from dala.events.live_scope import OwnWork, StreamScope, own_work
from dala.tenancy import context
from dala.work import job_access

blp = Blueprint("live", __name__, url_prefix="/live", description="Live updates")

#: How long a browser waits before reconnecting a dropped stream (EventSource's ``retry``).
RETRY_MS = 3000
MAX_BRANCHES = 50

_DESCRIPTION = """\
A `text/event-stream` (server-sent events) of what changes in your branches,
for dispatch boards and dashboards: open it with `EventSource` from the portal
(the session cookie signs it in) or with a bearer token. Each event is

    id: <increasing number>
    event: job.changed | technician.changed
    data: {"job_id": ..., "number": 12, "branch_id": ..., "what": "created", ...}

`job.changed` names the job and `what` happened (`created`, `scheduled`,
`assigned`, `status`, `updated`) with the new plain values (status, planned
times, technician ids; for `updated` the changed `fields` and the `priority`,
sent to both branches when a job moves); `technician.changed` names the technician and `what`
(`created`, `updated`, `removed`, `time_off_added`, `time_off_removed`). Messages carry ids and
plain values only: read the object for its details. A comment line is sent
every 15 s while nothing happens, so proxies keep the connection open.
Reconnecting with `Last-Event-ID` replays what the server still holds after
that id. Needs `job:read` in every branch asked for.

A technician (`job:work`, no `job:read`) follows their own work: the messages
that name their technician profile or one of their jobs (`job.changed` of a job
assigned to them, including the one that takes it away; `plan.applied` and
`plan.proposed` naming them in `technician_ids`; `technician.changed` about
them), in any branch. `mine=true` asks for only that, also of someone who reads
whole branches (the technician app does).
"""


class LiveArgs(ma.Schema):
    branch = ma.fields.List(
        ma.fields.UUID(),
        validate=ma.validate.Length(min=1, max=MAX_BRANCHES),
        metadata={
            "description": "A branch to follow; repeat for several. Default: every branch "
            "where you hold job:read."
        },
    )
    mine = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "Only what concerns your own work as a technician (your jobs, "
            "you); leave out `branch` with it"
        },
    )
    timeout = ma.fields.Integer(
        validate=ma.validate.Range(min=0, max=3600),
        metadata={
            "description": "Close the stream after this many seconds (0: send what is "
            "waiting, then close). Default: stay open until the client leaves."
        },
    )

    @ma.validates_schema
    def _mine_alone(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("mine") and data.get("branch"):
            raise ma.ValidationError(
                _("Leave out branch when you ask for your own work only."), "mine"
            )


def _last_event_id() -> int | None:
    raw = request.headers.get("Last-Event-ID", "").strip()
    # A client that never saw an id of ours sends none; anything else is ignored, not refused.
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _whole_branches(asked: list[uuid.UUID] | None) -> frozenset[uuid.UUID] | None:
    """The branches carried whole (None: all of the company's); refused before streaming."""
    if asked:
        for branch_id in asked:
            authorize_in("job:read", branch_id)
        return frozenset(asked)
    visible = permitted_branches("job:read")
    return None if isinstance(visible, AllBranches) else frozenset(visible)


def _own_work() -> OwnWork | None:
    session = get_session()
    technician_id = job_access.own_technician_id(session, current_principal())
    return None if technician_id is None else own_work(session, technician_id)


def _events(
    subscription: live.Subscription, scope: StreamScope, heartbeat: float, timeout: int | None
) -> Iterator[str]:
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        # Messages the scope leaves out are not heard: a quiet stream still needs its comment.
        heard = time.monotonic()
        while True:
            now = time.monotonic()
            if now - heard >= heartbeat:
                yield ": keep-alive\n\n"
                heard = now
            wait = heartbeat - (now - heard)
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - now))
            message = subscription.get(wait)
            if message is None:
                if subscription.lost or (deadline is not None and time.monotonic() >= deadline):
                    return
                continue
            if scope.carries(message):
                yield f"id: {message.id}\nevent: {message.kind}\ndata: {message.data}\n\n"
                heard = time.monotonic()
    finally:
        # Runs when the client leaves too: the server closes the generator on a failed write.
        subscription.close()


@blp.route("")
class LiveView(MethodView):
    @require("job:read", job_access.WORK)
    @blp.arguments(LiveArgs, location="query")
    @blp.response(
        200,
        {"type": "string"},
        content_type="text/event-stream",
        description="The event stream (never ends unless `timeout` is given)",
    )
    @blp.alt_response(404, description="A branch that does not exist (or another company's)")
    @blp.doc(description=_DESCRIPTION)
    def get(self, args: dict[str, Any]) -> Response:
        """Follow changes to jobs and technicians as server-sent events."""
        asked = args.get("branch")
        whole = frozenset() if args["mine"] else _whole_branches(asked)
        # Beyond whole branches, a technician's own work comes from any branch.
        own_too = whole is not None and not asked
        subscription = live.broker().subscribe(
            context.current_tenant_id(), None if own_too else whole, _last_event_id()
        )
        try:
            # Their jobs are read after subscribing: one assigned meanwhile is in either.
            scope = StreamScope(whole, _own_work() if own_too else None)
        except BaseException:
            subscription.close()
            raise
        # Not stream_with_context: the request's database session and tenant context end
        # when this returns; the stream holds only its subscription.
        heartbeat = float(current_app.config["LIVE_HEARTBEAT_SECONDS"])
        return Response(
            _events(subscription, scope, heartbeat, args.get("timeout")),
            mimetype="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
