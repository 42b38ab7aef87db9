"""Registering warranties and listing them: plain functions the hook, API and page call."""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from acme_warranty.models import Registration
from dala.events.domain import JobStatusChanged
from dala.modules.enablement import resolve_all
from dala.modules.manifest import Manifest
from dala.tenancy.models import Branch
from dala.tenancy.scoping import get_scoped


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_months(session: Session, manifest: Manifest, branch_id: uuid.UUID) -> int:
    """The term the branch gives (its setting, else the company's, else the default)."""
    settings = resolve_all(session, {manifest.name: manifest}, branch_id)[manifest.name].settings
    return int(settings["warranty_months"])


def register_completed_job(
    session: Session, event: JobStatusChanged, months: int
) -> Registration | None:
    """The warranty for the job ``event`` completed, registered once (None if it was).

    The warranty starts on the day of completion in the branch's time zone.
    """
    existing = session.scalars(
        select(Registration).where(Registration.job_id == event.job_id)
    ).one_or_none()
    if existing is not None:
        return None
    branch = get_scoped(session, Branch, event.branch_id)
    if branch is None:  # the branch went while the event was on its way
        return None
    completed_on = event.at.astimezone(ZoneInfo(branch.timezone)).date()
    registration = Registration(
        job_id=event.job_id,
        branch_id=event.branch_id,
        job_number=event.number,
        completed_on=completed_on,
        valid_until=add_months(completed_on, months),
        months=months,
    )
    session.add(registration)
    return registration


def registrations_query(branch_id: uuid.UUID | None = None) -> Select[Any]:
    """Registrations, newest completion first (of one branch when ``branch_id`` is given)."""
    query = select(Registration).order_by(
        Registration.completed_on.desc(), Registration.job_number.desc()
    )
    if branch_id is not None:
        query = query.where(Registration.branch_id == branch_id)
    return query
