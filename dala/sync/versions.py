"""Change versions: what a phone's sync cursor counts, stamped in the writing transaction.

A flush listener sees every change to a job or to anything technicians' phones
hold of it (assignment, status history, checklist, files, notes, time entries,
parts, conflicts; the site's and customer's details of open jobs) and, in the
same transaction, takes the company's next version (``tenants.sync_seq``, one
``UPDATE ... RETURNING``) and writes it to the jobs touched. The row lock on the
company's row holds until commit, so versions become visible in order: a pull
that read version N has seen every change up to N. A technician who loses a job
(unassigned, job deleted) gets a revocation row at that version, so their next
pull removes it. No code path can forget it, and a rollback leaves nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, event, insert, select, update
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from dala.tenancy.models import Tenant

_PENDING = "dala.sync_pending"
_OBJECTS = "dala.sync_objects"


class _Pending:
    """What one flush changed, per company."""

    def __init__(self) -> None:
        self.jobs: set[uuid.UUID] = set()
        self.sites: set[uuid.UUID] = set()
        self.customers: set[uuid.UUID] = set()
        self.revoked: set[tuple[uuid.UUID, uuid.UUID]] = set()  # (user_id, job_id)


def _classes() -> dict[str, tuple[type[Any], ...]]:
    from dala.sync.models import SyncConflict
    from dala.work.field_models import JobNote, PartUsage, TimeEntry
    from dala.work.job_models import (
        Attachment,
        ChecklistItem,
        JobAssignment,
        JobTransition,
    )
    from dala.work.models import Contact, Customer, Site

    return {
        "on_job": (
            JobAssignment,
            JobTransition,
            ChecklistItem,
            Attachment,
            JobNote,
            TimeEntry,
            PartUsage,
            SyncConflict,
        ),
        "site": (Site,),
        "customer": (Customer,),
        "contact": (Contact,),
    }


def _changed(session: Session) -> Iterable[tuple[Any, bool]]:
    """(object, deleted) for every object this flush writes."""
    for obj in session.new:
        yield obj, False
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            yield obj, False
    for obj in session.deleted:
        yield obj, True


def _technician_users(
    session: Session, technician_ids: set[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    from dala.work.models import Technician

    if not technician_ids:
        return {}
    rows = session.execute(
        select(Technician.id, Technician.user_id).where(Technician.id.in_(technician_ids))
    )
    return {tech_id: user_id for tech_id, user_id in rows if user_id is not None}


def _before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    """Remember what this flush writes; find who loses a job while the rows still exist."""
    from dala.work.job_models import Job, JobAssignment

    per_tenant: dict[uuid.UUID, _Pending] = session.info.setdefault(_PENDING, {})
    changed = list(_changed(session))
    # The company ids are read after the flush, when the scoping listener has stamped
    # new rows with theirs.
    session.info.setdefault(_OBJECTS, []).extend(obj for obj, _deleted in changed)
    lost = [obj for obj, deleted in changed if deleted and isinstance(obj, JobAssignment)]
    gone_jobs = [obj for obj, deleted in changed if deleted and isinstance(obj, Job)]
    if lost:
        users = _technician_users(session, {a.technician_id for a in lost})
        for assignment in lost:
            user_id = users.get(assignment.technician_id)
            if user_id is not None:
                pending = per_tenant.setdefault(assignment.tenant_id, _Pending())
                pending.revoked.add((user_id, assignment.job_id))
    for job in gone_jobs:
        # The database deletes its assignments with it (ON DELETE CASCADE): read them now.
        technician_ids = set(
            session.scalars(
                select(JobAssignment.technician_id).where(JobAssignment.job_id == job.id)
            )
        )
        users = _technician_users(session, technician_ids)
        pending = per_tenant.setdefault(job.tenant_id, _Pending())
        pending.revoked.update((user_id, job.id) for user_id in users.values())


def note_lost(session: Session, job_id: uuid.UUID, technician_ids: Iterable[uuid.UUID]) -> None:
    """Technicians taken off a job by a bulk statement (which flush events do not see): their
    phones drop the job at the version of the next flush."""
    from dala.tenancy import context

    users = _technician_users(session, set(technician_ids))
    if not users:
        return
    per_tenant: dict[uuid.UUID, _Pending] = session.info.setdefault(_PENDING, {})
    pending = per_tenant.setdefault(context.current_tenant_id(), _Pending())
    pending.revoked.update((user_id, job_id) for user_id in users.values())


def _collect(session: Session) -> dict[uuid.UUID, _Pending]:
    from dala.work.job_models import Job

    classes = _classes()
    per_tenant: dict[uuid.UUID, _Pending] = session.info.pop(_PENDING, {})
    for obj in session.info.pop(_OBJECTS, []):
        tenant_id = getattr(obj, "tenant_id", None)
        if tenant_id is None:
            continue
        pending = per_tenant.setdefault(tenant_id, _Pending())
        if isinstance(obj, Job):
            pending.jobs.add(obj.id)
        elif isinstance(obj, classes["on_job"]):
            pending.jobs.add(obj.job_id)
        elif isinstance(obj, classes["site"]):
            pending.sites.add(obj.id)
        elif isinstance(obj, classes["customer"]):
            pending.customers.add(obj.id)
        elif isinstance(obj, classes["contact"]):
            pending.customers.add(obj.customer_id)
    return per_tenant


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    from dala.sync.models import SyncRevocation
    from dala.work.job_models import Job, JobStatus

    deleted_jobs = {obj.id for obj in session.deleted if isinstance(obj, Job)}
    per_tenant = _collect(session)
    connection = session.connection()
    tenants: Table = Tenant.__table__  # type: ignore[assignment]
    jobs: Table = Job.__table__  # type: ignore[assignment]
    revocations: Table = SyncRevocation.__table__  # type: ignore[assignment]
    for tenant_id, pending in per_tenant.items():
        job_ids = pending.jobs - deleted_jobs
        open_job = jobs.c.status.notin_([JobStatus.COMPLETED.value, JobStatus.CANCELLED.value])
        if not (job_ids or pending.sites or pending.customers or pending.revoked):
            continue
        version = connection.execute(
            update(tenants)
            .where(tenants.c.id == tenant_id)
            .values(sync_seq=tenants.c.sync_seq + 1)
            .returning(tenants.c.sync_seq)
        ).scalar_one()
        stamp = {"sync_version": version, "updated_at": jobs.c.updated_at}
        mine = jobs.c.tenant_id == tenant_id
        if job_ids:
            connection.execute(update(jobs).where(mine, jobs.c.id.in_(job_ids)).values(stamp))
        if pending.sites:
            connection.execute(
                update(jobs).where(mine, open_job, jobs.c.site_id.in_(pending.sites)).values(stamp)
            )
        if pending.customers:
            connection.execute(
                update(jobs)
                .where(mine, open_job, jobs.c.customer_id.in_(pending.customers))
                .values(stamp)
            )
        if pending.revoked:
            connection.execute(
                insert(revocations),
                [
                    {
                        "tenant_id": tenant_id,
                        "id": uuid.uuid4(),
                        "user_id": user_id,
                        "job_id": job_id,
                        "version": version,
                    }
                    for user_id, job_id in sorted(pending.revoked, key=str)
                ],
            )
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Job) and obj.tenant_id == tenant_id and obj.id in job_ids:
                set_committed_value(obj, "sync_version", version)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_OBJECTS, None)


def install(factory: sessionmaker[Session]) -> None:
    """Stamp change versions in every session the factory makes (called by ``create_app``)."""
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "after_soft_rollback", _forget)
