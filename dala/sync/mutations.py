"""The named mutations a phone sends: their arguments and what each does to a job.

A mutation is a command, not a row patch: ``job.arrive`` is checked against the
job state machine and the technician's field steps exactly like the same tap
through the REST API, because it calls the same services. The push service
(``dala.sync.push``) applies mutations as the technician; resolving a conflict
in the technician's favour (``dala.sync.conflicts``) applies the kept ones
again through the same handlers.
"""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dala.api.blueprint import unstorable_text
from dala.api.fields import Instant, Text
from dala.api.messages import translate_message
from dala.auth.guard import Principal
from dala.errors import Forbidden, ValidationFailed
from dala.text import is_storable, unstorable_message
from dala.work import checklists, field_records, job_access, jobs
from dala.work.field_models import TimeKind
from dala.work.job_models import AttachmentKind, Job, JobStatus

S = JobStatus


class UnknownMutation(ValidationFailed):
    code = "unknown_mutation"


@dataclass(frozen=True)
class Worker:
    """Who a mutation is applied for: the technician, recorded as ``actor``.

    ``principal`` is the signed-in user whose rights are checked on each job; it is
    None when a dispatcher's decision on a conflict applies the technician's work
    (the dispatcher's right to decide was checked instead).
    """

    user_id: uuid.UUID
    technician_id: uuid.UUID | None
    actor: jobs.Actor
    principal: Principal | None


@dataclass
class Clock:
    """The server's reading of the phone's clock: never in the future; never before the
    job's last status change for a status move (``follow_status``), else never before
    the technician's previous move, so the history stays in order."""

    now: datetime
    follow_status: bool = True
    last: datetime | None = field(default=None)

    def status_time(self, job: Job, phone: datetime) -> datetime:
        floor = job.status_changed_at if self.follow_status else (self.last or job.created_at)
        at = max(min(phone, self.now), floor)
        self.last = at
        return at

    def record_time(self, job: Job, phone: datetime) -> datetime:
        return max(min(phone, self.now), job.created_at)


Handler = Callable[[Session, Worker, Job, dict[str, Any], Clock, datetime], None]


@dataclass(frozen=True)
class Mutation:
    name: str
    schema: ma.Schema
    apply: Handler
    #: For a status move: where it goes, and the statuses it may start from (to bring a
    #: job back when a conflict is resolved in the technician's favour).
    to: JobStatus | None = None
    start: tuple[JobStatus, ...] = ()

    def check_access(self, session: Session, worker: Worker, job: Job) -> None:
        """Raise NotFound/Forbidden unless the worker may do this on ``job``."""
        if worker.principal is None:
            return
        if self.to is not None:
            job_access.check_transition(session, worker.principal, job, self.to)
        else:
            job_access.check(session, worker.principal, job, "job:update", field=True)


# --- arguments ---------------------------------------------------------------------------


class Quantity(ma.fields.Field):
    """A positive amount with at most three decimals (1.5 m of pipe), as thousandths."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ma.ValidationError(_("Not a valid number."))
        try:
            amount = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            raise ma.ValidationError(_("Not a valid number.")) from None
        if not amount.is_finite() or not 0 < amount <= 1_000_000:
            raise ma.ValidationError(_("Must be between %(min)s and %(max)s.", min=0, max=1000000))
        milli = amount * 1000
        if milli != milli.to_integral_value():
            raise ma.ValidationError(_("Use at most three decimals."))
        return int(milli)


_SHA256 = ma.fields.String(
    required=True, validate=ma.validate.Regexp(r"^[0-9a-f]{64}$", error="Invalid value.")
)


class JobArgs(ma.Schema):
    job_id = ma.fields.UUID(required=True)


class ReasonArgs(JobArgs):
    reason = Text(2000, required=True)


class ChecklistArgs(JobArgs):
    item_id = ma.fields.UUID(required=True)
    done = ma.fields.Boolean(required=True)


class RecordArgs(JobArgs):
    id = ma.fields.UUID(required=True)


class NoteArgs(RecordArgs):
    text = Text(5000, required=True)


class PhotoArgs(RecordArgs):
    sha256 = _SHA256
    caption = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))


class SignatureArgs(RecordArgs):
    sha256 = _SHA256
    signer_name = Text(200, required=True)


class TimeArgs(RecordArgs):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in TimeKind]))
    started_at = Instant(required=True)
    ended_at = Instant(required=True)

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kw: Any) -> None:
        if data["ended_at"] <= data["started_at"]:
            raise ma.ValidationError(_("A time entry must end after it starts."), "ended_at")


class PartArgs(RecordArgs):
    name = Text(200, required=True)
    sku = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=64))
    quantity = Quantity(required=True)


# --- handlers ----------------------------------------------------------------------------


def _move(to: JobStatus) -> Handler:
    def apply(
        session: Session, worker: Worker, job: Job, args: dict[str, Any], clock: Clock, ts: datetime
    ) -> None:
        at = clock.status_time(job, ts)
        jobs.transition(session, job, to, worker.actor, args.get("reason"), at=at)

    return apply


def _checklist(
    session: Session, worker: Worker, job: Job, args: dict[str, Any], clock: Clock, ts: datetime
) -> None:
    item = checklists.get_item(session, job, args["item_id"])
    checklists.update_item(
        session, job, item, {"done": args["done"]}, worker.user_id, at=clock.record_time(job, ts)
    )


def _note(
    session: Session, worker: Worker, job: Job, args: dict[str, Any], clock: Clock, ts: datetime
) -> None:
    field_records.add_note(
        session,
        job,
        note_id=args["id"],
        text=args["text"],
        author_id=worker.user_id,
        written_at=clock.record_time(job, ts),
        source=worker.actor.source,
    )


def _attach(kind: AttachmentKind) -> Handler:
    def apply(
        session: Session, worker: Worker, job: Job, args: dict[str, Any], clock: Clock, ts: datetime
    ) -> None:
        field_records.attach_blob(
            session,
            job,
            attachment_id=args["id"],
            sha256=args["sha256"],
            kind=kind,
            user_id=worker.user_id,
            caption=args.get("caption"),
            signer_name=args.get("signer_name"),
        )

    return apply


def _time(
    session: Session, worker: Worker, job: Job, args: dict[str, Any], clock: Clock, ts: datetime
) -> None:
    if worker.technician_id is None:
        raise Forbidden(_("Only a technician logs time on a job."))
    if args["started_at"] >= clock.now:
        # Nothing of it has happened yet (or the phone's clock is ahead): say so, rather
        # than the "ends before it starts" that clamping the end to now would leave.
        message = _("A time entry cannot start in the future.")
        raise ValidationFailed(message, errors={"started_at": [message]})
    # The phone's clock again: a span that runs into the future ends now.
    started, ended = (min(args[k], clock.now) for k in ("started_at", "ended_at"))
    field_records.log_time(
        session,
        job,
        entry_id=args["id"],
        technician_id=worker.technician_id,
        kind=TimeKind(args["kind"]),
        started_at=started,
        ended_at=ended,
    )


def _part(
    session: Session, worker: Worker, job: Job, args: dict[str, Any], clock: Clock, ts: datetime
) -> None:
    field_records.record_part(
        session,
        job,
        part_id=args["id"],
        name=args["name"],
        sku=args.get("sku") or None,
        quantity_milli=args["quantity"],
        recorded_by=worker.user_id,
    )


MUTATIONS: dict[str, Mutation] = {
    m.name: m
    for m in (
        Mutation("job.en_route", JobArgs(), _move(S.EN_ROUTE), S.EN_ROUTE, (S.DISPATCHED,)),
        Mutation("job.arrive", JobArgs(), _move(S.ON_SITE), S.ON_SITE, (S.EN_ROUTE,)),
        Mutation("job.complete", JobArgs(), _move(S.COMPLETED), S.COMPLETED, (S.ON_SITE,)),
        Mutation("job.hold", ReasonArgs(), _move(S.ON_HOLD), S.ON_HOLD, (S.EN_ROUTE, S.ON_SITE)),
        Mutation("job.turn_back", ReasonArgs(), _move(S.DISPATCHED), S.DISPATCHED, (S.EN_ROUTE,)),
        Mutation("checklist.set", ChecklistArgs(), _checklist),
        Mutation("note.add", NoteArgs(), _note),
        Mutation("photo.attach", PhotoArgs(), _attach(AttachmentKind.PHOTO)),
        Mutation("signature.attach", SignatureArgs(), _attach(AttachmentKind.SIGNATURE)),
        Mutation("time.log", TimeArgs(), _time),
        Mutation("part.use", PartArgs(), _part),
    )
}


def _invalid(errors: dict[str, Any]) -> ValidationFailed:
    def first(messages: Any) -> str:
        while isinstance(messages, list | dict):
            messages = next(iter(messages.values() if isinstance(messages, dict) else messages))
        return translate_message(str(messages))

    fields = "; ".join(f"{name}: {first(messages)}" for name, messages in sorted(errors.items()))
    return ValidationFailed(_("Invalid input: %(fields)s", fields=fields), errors=errors)


def _storable_keys(value: Any) -> bool:
    if isinstance(value, dict):
        return all(
            (not isinstance(k, str) or is_storable(k)) and _storable_keys(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return all(map(_storable_keys, value))
    return True


def parse(name: str, raw: Any) -> tuple[Mutation, dict[str, Any]]:
    """The mutation called ``name`` and its checked arguments, or ValidationFailed."""
    mutation = MUTATIONS.get(name)
    if mutation is None:
        raise UnknownMutation(
            _("Unknown mutation %(name)s.", name=name), errors={"name": [_("Unknown mutation.")]}
        )
    bad_text = unstorable_text(raw)
    if bad_text or not _storable_keys(raw):
        # Named by the argument when its value is at fault; a bad key is never echoed.
        named = isinstance(bad_text, dict) and all(map(is_storable, bad_text))
        raise _invalid(bad_text if named else {"args": [unstorable_message()]})
    try:
        args: dict[str, Any] = mutation.schema.load(raw)
    except ma.ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"args": error.messages}
        raise _invalid(messages) from None
    return mutation, args


def parse_time(raw: Any) -> datetime:
    """The phone's time of a mutation (ISO 8601; without an offset it is taken as UTC)."""
    try:
        moment: datetime = ma.fields.AwareDateTime(default_timezone=UTC).deserialize(raw)
    except ma.ValidationError:
        raise _invalid({"client_ts": [_("Not a valid date and time (use ISO 8601).")]}) from None
    return moment.astimezone(UTC)


def to_json(mutation_id: int, name: str, args: Any, client_ts: datetime) -> dict[str, Any]:
    """A mutation as a conflict keeps it (as the phone sent it), to apply later."""
    return {"id": mutation_id, "name": name, "args": args, "client_ts": client_ts.isoformat()}
