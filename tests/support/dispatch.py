"""A branch's dispatch day for the board's tests: technicians with shifts and homes, planned
jobs in visit order and jobs waiting in the queue, made through core's services (jobs in bulk
through the ORM, so a day of 1,000 jobs is built in seconds).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import update

from dala.auth.users import invite_user
from dala.db import get_session
from dala.tenancy import context
from dala.tenancy.models import Branch, Tenant
from dala.work.customers import create_customer
from dala.work.job_models import Job, JobAssignment, JobStatus
from dala.work.sites import create_site
from dala.work.skills import create_skill
from dala.work.technicians import create_technician

#: Almaty, around which the day's homes and sites lie.
CENTRE = (43.2389, 76.8897)
#: Every day of the week, 09:00-13:00 and 14:00-18:00: the board's day is always a workday.
WORKING_HOURS = [{"weekday": d, "start": "09:00", "end": "13:00"} for d in range(7)] + [
    {"weekday": d, "start": "14:00", "end": "18:00"} for d in range(7)
]


@dataclass
class DispatchDay:
    day: date
    zone: ZoneInfo
    technician_ids: list[uuid.UUID] = field(default_factory=list)
    technician_names: list[str] = field(default_factory=list)
    planned: list[tuple[uuid.UUID, int]] = field(default_factory=list)  # (job id, number)
    queued: list[tuple[uuid.UUID, int]] = field(default_factory=list)

    def at(self, hour: int, minute: int = 0) -> datetime:
        """A wall-clock time of the day in the branch, as UTC."""
        return datetime.combine(self.day, time(hour, minute), self.zone).astimezone(UTC)


def branch_tomorrow(app: Flask, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> date:
    with app.app_context(), context.tenant_scope(tenant_id):
        branch = get_session().get(Branch, (tenant_id, branch_id))
        assert branch is not None
        return datetime.now(ZoneInfo(branch.timezone)).date() + timedelta(days=1)


def seed_day(
    app: Flask,
    tenant_id: uuid.UUID,
    branch_id: uuid.UUID,
    *,
    technicians: int,
    jobs_each: int,
    queued: int,
    job_minutes: int = 45,
) -> DispatchDay:
    """``technicians`` with ``jobs_each`` jobs back to back from 09:00, ``queued`` more waiting."""
    suffix = uuid.uuid4().hex[:6]
    with app.app_context(), context.tenant_scope(tenant_id):
        session = get_session()
        branch = session.get(Branch, (tenant_id, branch_id))
        assert branch is not None
        zone = ZoneInfo(branch.timezone)
        seeded = DispatchDay(datetime.now(zone).date() + timedelta(days=1), zone)
        hvac = create_skill(session, {"name": f"HVAC {suffix}"})
        for n in range(technicians):
            name = f"Technician {n + 1:03d}"
            user = invite_user(
                session, email=f"tech{n}-{suffix}@example.com", name=name, locale="en"
            )
            session.flush()
            technician = create_technician(
                session,
                {
                    "user_id": user.id,
                    "branch_id": branch_id,
                    "working_hours": WORKING_HOURS,
                    "home_latitude": CENTRE[0] + 0.02 * (n % 10 - 5),
                    "home_longitude": CENTRE[1] + 0.02 * (n // 10 - 5),
                    "skills": [{"skill_id": hvac.id, "level": 1 + n % 5}],
                },
            )
            seeded.technician_ids.append(technician.id)
            seeded.technician_names.append(name)
        customers = [
            create_customer(session, {"name": f"Customer {c} {suffix}", "phone": "+77015550101"})
            for c in range(min(20, technicians * jobs_each + queued) or 1)
        ]
        sites = [
            create_site(
                session,
                {
                    "customer_id": customer.id,
                    "branch_id": branch_id,
                    "label": "Office",
                    "address": f"Abai avenue {i + 1}, Almaty",
                    "latitude": CENTRE[0] + 0.013 * (i % 7 - 3),
                    "longitude": CENTRE[1] + 0.017 * (i % 5 - 2),
                },
            )
            for i, customer in enumerate(customers)
        ]
        number = session.scalar(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(job_seq=Tenant.job_seq + technicians * jobs_each + queued)
            .returning(Tenant.job_seq)
            .execution_options(synchronize_session=False)
        )
        assert number is not None
        first = number - technicians * jobs_each - queued + 1
        now = datetime.now(UTC)
        jobs: list[Job] = []
        links: list[JobAssignment] = []
        k = 0
        for t_index, technician_id in enumerate(seeded.technician_ids):
            for j in range(jobs_each):
                start = seeded.at(9) + timedelta(minutes=(job_minutes + 5) * j)
                site = sites[(t_index + j) % len(sites)]
                job = Job(
                    id=uuid.uuid4(),
                    number=first + k,
                    branch_id=branch_id,
                    customer_id=site.customer_id,
                    site_id=site.id,
                    title=("AC not cooling", "Boiler service", "Leaking pipe")[k % 3],
                    priority="high" if k % 11 == 0 else "normal",
                    status=JobStatus.SCHEDULED,
                    required_skills=[],
                    duration_minutes=job_minutes,
                    scheduled_start=start,
                    scheduled_end=start + timedelta(minutes=job_minutes),
                    status_changed_at=now,
                )
                jobs.append(job)
                links.append(
                    JobAssignment(
                        id=uuid.uuid4(), job_id=job.id, technician_id=technician_id, is_lead=True
                    )
                )
                seeded.planned.append((job.id, job.number))
                k += 1
        for q in range(queued):
            site = sites[q % len(sites)]
            job = Job(
                id=uuid.uuid4(),
                number=first + k,
                branch_id=branch_id,
                customer_id=site.customer_id,
                site_id=site.id,
                title=f"Install a split system {q + 1}",
                priority="emergency" if q == 0 else "normal",
                status=JobStatus.DRAFT,
                required_skills=[{"skill_id": str(hvac.id), "min_level": 1}],
                duration_minutes=60,
                window_start=seeded.at(10),
                window_end=seeded.at(17),
                status_changed_at=now,
            )
            jobs.append(job)
            seeded.queued.append((job.id, job.number))
            k += 1
        # Jobs first: assignments point at them and the ORM has no relationship to order by.
        session.add_all(jobs)
        session.flush()
        session.add_all(links)
        session.commit()
    return seeded


def assignment(app: Flask, tenant_id: uuid.UUID, job_id: uuid.UUID) -> tuple[list[uuid.UUID], Job]:
    """The job's technicians (lead first) and the job, as stored."""
    with app.app_context(), context.tenant_scope(tenant_id):
        session = get_session()
        job = session.get(Job, (tenant_id, job_id))
        assert job is not None
        ids = list(job.technician_ids)
        session.expunge(job)
        return ids, job
