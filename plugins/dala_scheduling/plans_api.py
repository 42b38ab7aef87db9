"""/api/v1/scheduling/plans: optimise a branch's day in the background, then apply or discard."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dala.api.blueprint import Blueprint
from dala.api.gate import request_source
from dala.api.pagination import PageArgs, page_of, paginate
from dala.auth.guard import (
    authorize,
    authorize_in,
    current_principal,
    in_permitted_branches,
    require,
)
from dala.db import get_session
from dala.errors import NotFound
from dala.work import jobs
from dala_scheduling import plans
from dala_scheduling.api_fields import UTC_FORMAT, utc
from dala_scheduling.models import PlanRun
from dala_scheduling.settings import module_on

blp = Blueprint(
    "scheduling_plans",
    __name__,
    url_prefix="/scheduling",
    description="Scheduling: plan-the-day runs (proposals to apply or discard)",
)


def _z(value: str | None) -> str | None:
    """A stored ISO time as UTC with ``Z``."""
    if not value:
        return None
    return datetime.fromisoformat(value).strftime(UTC_FORMAT)


class TotalsSchema(ma.Schema):
    placed = ma.fields.Integer()
    travel_seconds = ma.fields.Integer()
    idle_seconds = ma.fields.Integer()
    overtime_seconds = ma.fields.Integer()


class ProposalSchema(ma.Schema):
    routes = ma.fields.List(ma.fields.Dict())
    unassigned = ma.fields.List(ma.fields.Dict())
    totals = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(TotalsSchema))
    engine = ma.fields.String()
    seconds = ma.fields.Float()
    time_zone = ma.fields.String()
    computed_at = ma.fields.String()


class PlanRunSchema(ma.Schema):
    id = ma.fields.UUID()
    branch_id = ma.fields.UUID()
    date = ma.fields.Date()
    status = ma.fields.String(
        metadata={
            "enum": ["queued", "running", "proposed", "applied", "discarded", "failed", "stale"]
        }
    )
    progress = ma.fields.Float()
    trigger = ma.fields.String(metadata={"enum": ["manual", "sick", "overrun", "emergency"]})
    created_at = utc()
    applied_at = utc(allow_none=True)
    error = ma.fields.String(allow_none=True)
    proposal = ma.fields.Nested(ProposalSchema, allow_none=True)


def present_run(session: Session, run: PlanRun, *, detail: bool = True) -> dict[str, Any]:
    """The run as answered: times with ``Z``, names and reason texts in today's language."""
    shown: dict[str, Any] = {
        "id": run.id,
        "branch_id": run.branch_id,
        "date": run.day,
        "status": run.status.value,
        "progress": run.progress,
        "trigger": run.trigger.value,
        "created_at": run.created_at,
        "applied_at": run.applied_at,
        "error": run.error,
        "proposal": None,
    }
    stored = run.proposal
    if not detail or stored is None:
        return shown
    names = plans.technician_names(session, [r["technician_id"] for r in stored["routes"]])
    shown["proposal"] = {
        "routes": [
            {
                "technician_id": route["technician_id"],
                "name": names.get(route["technician_id"], ""),
                "jobs": [
                    {**visit, "start": _z(visit["start"]), "end": _z(visit["end"])}
                    for visit in route["jobs"]
                ],
                "travel_seconds": route["travel_seconds"],
                "idle_seconds": route["idle_seconds"],
                "overtime_seconds": route["overtime_seconds"],
            }
            for route in stored["routes"]
        ],
        "unassigned": [
            {**left, "text": str(plans.UNASSIGNED_TEXTS[left["reason"]])}
            for left in stored["unassigned"]
        ],
        "totals": stored["totals"],
        "engine": stored["engine"],
        "seconds": stored["seconds"],
        "time_zone": stored["time_zone"],
        "computed_at": _z(stored["computed_at"]),
    }
    return shown


class PlanRequestArgs(ma.Schema):
    branch_id = ma.fields.UUID(required=True)
    date = ma.fields.Date(required=True)


class PlanListArgs(PageArgs):
    branch_id = ma.fields.UUID()
    date = ma.fields.Date()


class SkippedSchema(ma.Schema):
    job_id = ma.fields.UUID()
    reason = ma.fields.String(metadata={"enum": ["changed", "gone", "pinned", "not_plannable"]})
    text = ma.fields.String()


class AppliedSchema(ma.Schema):
    applied = ma.fields.Integer()
    skipped = ma.fields.List(ma.fields.Nested(SkippedSchema))
    plan = ma.fields.Nested(PlanRunSchema)


def _run(run_id: uuid.UUID, permission: str) -> PlanRun:
    session = get_session()
    run = plans.get_run(session, run_id)
    principal = current_principal()
    if not module_on(run.branch_id) or not (
        principal.can(permission, run.branch_id) or principal.can("schedule:view", run.branch_id)
    ):
        # A run of a branch the caller does not plan does not exist for them.
        raise NotFound(_("Plan not found."))
    authorize(permission, run.branch_id)
    return run


@blp.route("/plans")
class PlansView(MethodView):
    @require("schedule:optimise")
    @blp.arguments(PlanRequestArgs)
    @blp.response(202, PlanRunSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Plan the branch's day in the background; poll the run for progress and proposal."""
        session = get_session()
        authorize_in("schedule:optimise", data["branch_id"])
        if not module_on(data["branch_id"]):
            raise NotFound(_("Branch not found."))
        run = plans.request_run(
            session, data["branch_id"], data["date"], user_id=current_principal().user.id
        )
        run_id = run.id
        session.commit()
        return present_run(session, plans.get_run(session, run_id), detail=False), 202

    @require("schedule:view")
    @blp.arguments(PlanListArgs, location="query")
    @blp.response(200, page_of(PlanRunSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Plan runs, newest first, of the branches where you see the schedule."""
        session = get_session()
        query = plans.runs_query(args.get("branch_id"), args.get("date"))
        query = in_permitted_branches(query, PlanRun.branch_id, "schedule:view")
        page = paginate(session, query, args)
        page["items"] = [present_run(session, r, detail=False) for r in page["items"]]
        return page


@blp.route("/plans/<uuid:plan_id>")
class PlanView(MethodView):
    @require("schedule:view")
    @blp.response(200, PlanRunSchema)
    def get(self, plan_id: uuid.UUID) -> dict[str, Any]:
        """The run: status, progress and, once proposed, the proposal against the plan now."""
        return present_run(get_session(), _run(plan_id, "schedule:view"))


@blp.route("/plans/<uuid:plan_id>/apply")
class ApplyView(MethodView):
    @require("schedule:optimise")
    @blp.response(200, AppliedSchema)
    @blp.alt_response(409, description="The plan is not a proposal (any more)")
    def post(self, plan_id: uuid.UUID) -> dict[str, Any]:
        """Apply the proposal; jobs changed since it was made are skipped and listed."""
        session = get_session()
        run = _run(plan_id, "schedule:optimise")
        authorize("job:update", run.branch_id)
        actor = jobs.Actor(current_principal().user.id, request_source())
        result = plans.apply_run(session, run, actor)
        plans.notify(session, run, "plan.applied", result.technician_ids)
        session.commit()
        return {
            "applied": result.applied,
            "skipped": [
                {"job_id": s.job_id, "reason": s.reason, "text": s.text} for s in result.skipped
            ],
            "plan": present_run(session, run),
        }


@blp.route("/plans/<uuid:plan_id>/discard")
class DiscardView(MethodView):
    @require("schedule:optimise")
    @blp.response(200, PlanRunSchema)
    @blp.alt_response(409, description="The plan was applied or discarded already")
    def post(self, plan_id: uuid.UUID) -> dict[str, Any]:
        """Drop the proposal; nothing on the jobs changes."""
        session = get_session()
        run = _run(plan_id, "schedule:optimise")
        plans.discard_run(session, run)
        session.commit()
        return present_run(session, run)
