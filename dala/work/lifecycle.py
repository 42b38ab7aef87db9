"""The job status state machine: which transitions exist and what each one needs.

The forward path is draft → scheduled → dispatched → en_route → on_site →
completed; on_hold and cancelled are reachable from the open statuses.
Going back is allowed where work really goes back: a dispatched job can be
recalled to ``scheduled``, a technician on the way can turn back
(``dispatched``), a held job resumes as ``scheduled`` or returns to ``draft``,
and a cancelled job can be reopened as ``draft``. ``completed`` is final.
"""

from __future__ import annotations

from flask_babel import gettext as _

from dala.errors import Conflict
from dala.work.job_models import Job, JobStatus

S = JobStatus

TRANSITIONS: dict[JobStatus, tuple[JobStatus, ...]] = {
    S.DRAFT: (S.SCHEDULED, S.ON_HOLD, S.CANCELLED),
    S.SCHEDULED: (S.DISPATCHED, S.DRAFT, S.ON_HOLD, S.CANCELLED),
    S.DISPATCHED: (S.EN_ROUTE, S.SCHEDULED, S.ON_HOLD, S.CANCELLED),
    S.EN_ROUTE: (S.ON_SITE, S.DISPATCHED, S.ON_HOLD, S.CANCELLED),
    S.ON_SITE: (S.COMPLETED, S.ON_HOLD, S.CANCELLED),
    S.ON_HOLD: (S.SCHEDULED, S.DRAFT, S.CANCELLED),
    S.COMPLETED: (),
    S.CANCELLED: (S.DRAFT,),
}

#: The steps a technician takes on their own job from the field (the office does the rest).
FIELD_STEPS: frozenset[tuple[JobStatus, JobStatus]] = frozenset(
    {
        (S.DISPATCHED, S.EN_ROUTE),
        (S.EN_ROUTE, S.ON_SITE),
        (S.EN_ROUTE, S.DISPATCHED),
        (S.ON_SITE, S.COMPLETED),
        (S.ON_SITE, S.ON_HOLD),
        (S.EN_ROUTE, S.ON_HOLD),
    }
)

#: Statuses in which the job is planned work (it needs a time and, later, people).
NEEDS_SCHEDULE = frozenset({S.SCHEDULED, S.DISPATCHED, S.EN_ROUTE, S.ON_SITE})
NEEDS_TECHNICIAN = frozenset({S.DISPATCHED, S.EN_ROUTE, S.ON_SITE, S.COMPLETED})

#: Statuses in which a job is no longer planned work.
CLOSED = frozenset({S.COMPLETED, S.CANCELLED})


def allowed_from(status: JobStatus) -> list[str]:
    return [s.value for s in TRANSITIONS[status]]


def check_transition(job: Job, to: JobStatus) -> None:
    """Raise 409 unless ``job`` may move to ``to`` now; the body lists what is allowed."""
    allowed = allowed_from(job.status)
    if to not in TRANSITIONS[job.status]:
        if allowed:
            message = _(
                "A job cannot go from %(from)s to %(to)s; allowed: %(allowed)s.",
                **{"from": job.status.value, "to": to.value, "allowed": ", ".join(allowed)},
            )
        else:
            message = _(
                "A job cannot go from %(from)s to %(to)s; %(from)s is final.",
                **{"from": job.status.value, "to": to.value},
            )
        raise Conflict(message, errors={"to": [message], "allowed": allowed})
    if to in NEEDS_SCHEDULE and (job.scheduled_start is None or job.scheduled_end is None):
        message = _("Give the job a scheduled start and end first.")
        raise Conflict(message, errors={"scheduled_start": [message], "allowed": allowed})
    if to in NEEDS_TECHNICIAN and not job.assignments:
        message = _("Assign a technician to the job first.")
        raise Conflict(message, errors={"technician_ids": [message], "allowed": allowed})


def check_open(job: Job) -> None:
    """Completed and cancelled jobs are read-only (a cancelled one can be reopened)."""
    if job.status in CLOSED:
        raise Conflict(
            _("A %(status)s job cannot be changed; reopen it first.", status=job.status.value)
        )
