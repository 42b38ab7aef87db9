"""A job's status in words, the same on every page, app and module that shows one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from dala.work.job_models import JobStatus

JOB_STATUS_LABELS = {
    JobStatus.DRAFT: _l("Draft"),
    JobStatus.SCHEDULED: _l("Scheduled"),
    JobStatus.DISPATCHED: _l("Dispatched"),
    JobStatus.EN_ROUTE: _l("On the way"),
    JobStatus.ON_SITE: _l("On site"),
    JobStatus.COMPLETED: _l("Completed"),
    JobStatus.ON_HOLD: _l("On hold"),
    # A job's status; a company's "Cancelled" (its account) reads differently in Kazakh.
    JobStatus.CANCELLED: lazy_pgettext("job status", "Cancelled"),
}


def status_texts() -> dict[str, object]:
    """The labels keyed ``status_<value>``, as the pages' scripts look them up."""
    return {f"status_{status.value}": label for status, label in JOB_STATUS_LABELS.items()}
