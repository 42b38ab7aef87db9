"""Pull: what changed for a technician's phone since its cursor.

The technician's jobs are those assigned to their technician profile that are
open, or closed (completed, cancelled) in the last 7 days.

Why the company's change counter is read first: every change takes the next
version in its own transaction and holds the company's row until it commits
(``dala.sync.versions``), so once the counter reads N every change up to N is
committed and visible to the queries that follow. Those queries return every
job changed after the cursor, including changes committed while this pull runs
(above N); the next cursor is N, so such a change comes again next time. Read
the other way round, a change committed between the job query and the counter
would sit at or below the new cursor without having been sent: lost for good.

A page holds at most ``limit`` jobs, ordered by (version, id). When more are
left (``has_more``) the cursor points inside that order, so the next request
continues where this one stopped, even among jobs one change stamped together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from dala.db import utcnow
from dala.errors import NotFound
from dala.sync.cursor import Cursor, decode
from dala.sync.documents import JobDocument, job_documents
from dala.sync.models import ConflictStatus, SyncClient, SyncConflict, SyncRevocation
from dala.tenancy import context
from dala.tenancy.models import Tenant
from dala.work.job_models import Job, JobAssignment
from dala.work.jobs import jobs_query
from dala.work.lifecycle import CLOSED
from dala.work.technicians import technician_of_user

#: Closed jobs stay on the phone this long after they closed.
WINDOW = timedelta(days=7)
#: The most jobs one answer carries (whole documents: a snapshot can be large).
MAX_JOBS = 500


@dataclass(frozen=True)
class ConflictEntry:
    conflict: SyncConflict
    job_number: int


@dataclass(frozen=True)
class Pull:
    cursor: str
    reset: bool
    has_more: bool
    last_mutation_id: int
    jobs: list[JobDocument]
    removed_job_ids: list[uuid.UUID]
    conflicts: list[ConflictEntry]


def current_version(session: Session) -> int:
    """The company's last change version (``tenants.sync_seq``)."""
    tenant_id = context.current_tenant_id()
    return int(session.scalar(select(Tenant.sync_seq).where(Tenant.id == tenant_id)) or 0)


def last_mutation_id(session: Session, user_id: uuid.UUID, client_id: uuid.UUID | None) -> int:
    """The last mutation id taken from ``client_id``: 0 for a client that never pushed,
    404 for another user's."""
    if client_id is None:
        return 0
    row = session.execute(
        select(SyncClient.user_id, SyncClient.last_mutation_id).where(SyncClient.id == client_id)
    ).one_or_none()
    if row is None:
        return 0
    if row.user_id != user_id:
        message = _("Sync client not found.")
        raise NotFound(message, errors={"client_id": [message]})
    return int(row.last_mutation_id)


def _assigned(technician_id: uuid.UUID) -> ColumnElement[bool]:
    return Job.id.in_(
        select(JobAssignment.job_id).where(JobAssignment.technician_id == technician_id)
    )


def _current(now: datetime) -> ColumnElement[bool]:
    """Open, or closed within the window."""
    return or_(Job.status.notin_(CLOSED), Job.status_changed_at >= now - WINDOW)


def _after(since: Cursor) -> ColumnElement[bool]:
    """Jobs past the cursor's place in the (version, id) order."""
    later = Job.sync_version > since.version
    if since.after is None:
        return later
    return or_(later, and_(Job.sync_version == since.version, Job.id > since.after))


def _removed(
    session: Session, user_id: uuid.UUID, technician_id: uuid.UUID, since: Cursor, now: datetime
) -> list[uuid.UUID]:
    """Jobs the phone may hold that the technician no longer sees.

    Lost since the cursor (unassigned, deleted; a revocation) unless given back, and
    their closed jobs that left the window: changed since the cursor, or aged out of it
    between the cursor's time and now.
    """
    visible = select(Job.id).where(_assigned(technician_id), _current(now))
    lost = session.scalars(
        select(SyncRevocation.job_id)
        .where(
            SyncRevocation.user_id == user_id,
            SyncRevocation.version > since.version,
            SyncRevocation.job_id.notin_(visible),
        )
        .distinct()
    )
    aged = session.scalars(
        select(Job.id).where(
            _assigned(technician_id),
            Job.status.in_(CLOSED),
            Job.status_changed_at < now - WINDOW,
            or_(Job.sync_version > since.version, Job.status_changed_at >= since.issued - WINDOW),
        )
    )
    return sorted({*lost, *aged}, key=str)


def _conflicts(session: Session, user_id: uuid.UUID, since: Cursor | None) -> list[ConflictEntry]:
    """The user's open conflicts, and those resolved since the cursor (a resolution moves
    its job's version, so the job's version tells)."""
    shown: ColumnElement[bool] = SyncConflict.status == ConflictStatus.OPEN
    if since is not None:
        shown = or_(shown, Job.sync_version > since.version)
    rows = session.execute(
        select(SyncConflict, Job.number)
        .join(Job, and_(Job.tenant_id == SyncConflict.tenant_id, Job.id == SyncConflict.job_id))
        .where(SyncConflict.user_id == user_id, shown)
        .order_by(SyncConflict.created_at, SyncConflict.id)
    )
    return [ConflictEntry(conflict, number) for conflict, number in rows]


def _page(
    session: Session, scope: ColumnElement[bool], since: Cursor | None, limit: int
) -> tuple[list[Any], bool]:
    """(rows of (id, sync_version) for one page, whether more are left)."""
    query = select(Job.id, Job.sync_version).where(scope)
    if since is not None:
        query = query.where(_after(since))
    rows = list(session.execute(query.order_by(Job.sync_version, Job.id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def pull(
    session: Session,
    user_id: uuid.UUID,
    *,
    cursor: str | None = None,
    client_id: uuid.UUID | None = None,
    limit: int = MAX_JOBS,
) -> Pull:
    """What ``user_id``'s phone must apply to hold the technician's jobs as they are now.

    Without a usable cursor (none, malformed, another format, ahead of the company's
    counter) the answer is a snapshot (``reset``). A user without a technician profile
    has no jobs: their answer is an empty snapshot, so a phone drops what it held.
    """
    version = current_version(session)  # first: see the module's docstring
    now = utcnow()
    since = decode(cursor)
    if since is not None and since.version > version:
        since = None
    mutation_id = last_mutation_id(session, user_id, client_id)
    technician = technician_of_user(session, user_id)
    if technician is None:
        conflicts = _conflicts(session, user_id, None)
        return Pull(Cursor(version, now).encode(), True, False, mutation_id, [], [], conflicts)
    rows, has_more = _page(session, and_(_assigned(technician.id), _current(now)), since, limit)
    ids = [row.id for row in rows]
    loaded = (
        {job.id: job for job in session.scalars(jobs_query().where(Job.id.in_(ids)))} if ids else {}
    )
    # A job deleted since its id was read is left out; its revocation comes next time.
    jobs = [loaded[row.id] for row in rows if row.id in loaded]
    following = (
        Cursor(rows[-1].sync_version, now, rows[-1].id) if has_more else Cursor(version, now)
    )
    return Pull(
        cursor=following.encode(),
        reset=since is None,
        has_more=has_more,
        last_mutation_id=mutation_id,
        jobs=job_documents(session, jobs),
        removed_job_ids=_removed(session, user_id, technician.id, since, now) if since else [],
        conflicts=_conflicts(session, user_id, since),
    )
