"""Job documents for phones: a job with everything the technician needs on site, whole.

A page of jobs is loaded in a fixed number of queries (one per kind of record,
each for every job of the page at once), never one per job.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from dala.auth.models import User
from dala.tenancy.models import Branch
from dala.work.field_models import JobNote, PartUsage, TimeEntry
from dala.work.job_models import (
    Attachment,
    ChecklistItem,
    Job,
    JobStatus,
    JobTransition,
)

#: How many earlier jobs at the same site a document lists.
SITE_HISTORY = 5


@dataclass(frozen=True)
class Note:
    note: JobNote
    author_name: str | None


@dataclass(frozen=True)
class Visit:
    """An earlier, completed job at the same site."""

    job_id: uuid.UUID
    number: int
    title: str
    completed_at: datetime | None
    notes_count: int


@dataclass
class JobDocument:
    """A job and what is on it. The job's own fields read through (``doc.number``), so the
    API dumps it with the job schema it uses everywhere."""

    job: Job
    timezone: str
    checklist: list[ChecklistItem]
    notes: list[Note]
    attachments: list[Attachment]
    parts: list[PartUsage]
    time_entries: list[TimeEntry]
    status_history: list[JobTransition]
    site_history: list[Visit]

    def __getattr__(self, name: str) -> Any:
        if name == "job":  # not set yet (a copy in the making): no endless lookup
            raise AttributeError(name)
        return getattr(self.job, name)


R = TypeVar("R")


def _by_job(rows: Iterable[tuple[uuid.UUID, R]]) -> dict[uuid.UUID, list[R]]:
    grouped: dict[uuid.UUID, list[R]] = defaultdict(list)
    for job_id, row in rows:
        grouped[job_id].append(row)
    return grouped


def _records(session: Session, query: Select[Any]) -> dict[uuid.UUID, list[Any]]:
    """Rows of a query over one kind of record, grouped by their ``job_id`` in query order."""
    return _by_job((row.job_id, row) for row in session.scalars(query))


def _notes(session: Session, job_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Note]]:
    rows = session.execute(
        select(JobNote, User.name)
        .outerjoin(User, and_(User.tenant_id == JobNote.tenant_id, User.id == JobNote.author_id))
        .where(JobNote.job_id.in_(job_ids))
        .order_by(JobNote.written_at, JobNote.id)
    )
    return _by_job((note.job_id, Note(note, name)) for note, name in rows)


def _site_history(session: Session, jobs: Sequence[Job]) -> dict[uuid.UUID, list[Visit]]:
    """The last completed jobs at each job's site, other than the job itself.

    One windowed query for every site of the page; it ranks one more than shown per
    site, as a job of the page may itself be among its site's last.
    """
    site_ids = {job.site_id for job in jobs if job.site_id is not None}
    if not site_ids:
        return {}
    notes_count = (
        select(func.count(JobNote.id))
        .where(JobNote.tenant_id == Job.tenant_id, JobNote.job_id == Job.id)
        .correlate(Job)
        .scalar_subquery()
    )
    ranked = (
        select(
            Job.id,
            Job.site_id,
            Job.number,
            Job.title,
            Job.completed_at,
            notes_count.label("notes_count"),
            func.row_number()
            .over(partition_by=Job.site_id, order_by=(Job.completed_at.desc(), Job.id))
            .label("rank"),
        )
        .where(Job.site_id.in_(site_ids), Job.status == JobStatus.COMPLETED)
        .subquery()
    )
    rows = session.execute(
        select(ranked)
        .where(ranked.c.rank <= SITE_HISTORY + 1)
        .order_by(ranked.c.site_id, ranked.c.rank)
    )
    by_site: dict[uuid.UUID, list[Visit]] = defaultdict(list)
    for row in rows:
        by_site[row.site_id].append(
            Visit(row.id, row.number, row.title, row.completed_at, row.notes_count)
        )
    return {
        job.id: [v for v in by_site.get(job.site_id, []) if v.job_id != job.id][:SITE_HISTORY]
        for job in jobs
        if job.site_id is not None
    }


def job_documents(session: Session, jobs: Sequence[Job]) -> list[JobDocument]:
    """The documents of ``jobs`` (loaded with :func:`dala.work.jobs.jobs_query`), in order."""
    if not jobs:
        return []
    ids = [job.id for job in jobs]
    timezones = {
        row.id: row.timezone
        for row in session.execute(
            select(Branch.id, Branch.timezone).where(Branch.id.in_({j.branch_id for j in jobs}))
        )
    }
    checklist = _records(
        session,
        select(ChecklistItem)
        .where(ChecklistItem.job_id.in_(ids))
        .order_by(ChecklistItem.position, ChecklistItem.created_at, ChecklistItem.id),
    )
    attachments = _records(
        session,
        select(Attachment)
        .where(Attachment.job_id.in_(ids))
        .order_by(Attachment.created_at, Attachment.id),
    )
    parts = _records(
        session,
        select(PartUsage)
        .where(PartUsage.job_id.in_(ids))
        .order_by(PartUsage.created_at, PartUsage.id),
    )
    times = _records(
        session,
        select(TimeEntry)
        .where(TimeEntry.job_id.in_(ids))
        .order_by(TimeEntry.started_at, TimeEntry.id),
    )
    history = _records(
        session,
        select(JobTransition)
        .where(JobTransition.job_id.in_(ids))
        .order_by(JobTransition.at, JobTransition.id),
    )
    notes = _notes(session, ids)
    visits = _site_history(session, jobs)
    return [
        JobDocument(
            job=job,
            timezone=timezones[job.branch_id],
            checklist=checklist.get(job.id, []),
            notes=notes.get(job.id, []),
            attachments=attachments.get(job.id, []),
            parts=parts.get(job.id, []),
            time_entries=times.get(job.id, []),
            status_history=history.get(job.id, []),
            site_history=visits.get(job.id, []),
        )
        for job in jobs
    ]
