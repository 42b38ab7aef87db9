"""What the operator console reads: companies, their usage, a company's details.

Companies (``tenants``) are platform-wide; everything inside a company sits
behind row-level security keyed on ``app.tenant_id``, so each company's figures
are read in its own tenant scope, one company at a time. A list page reads at
most a page of companies' figures, so the queries stay bounded by the page size
without bypassing RLS for a cross-company aggregate.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from dala.auth.models import RoleAssignment, User, UserStatus
from dala.db import utcnow
from dala.errors import NotFound
from dala.operators.status import StatusChange, status_history
from dala.tenancy import context
from dala.tenancy.models import Branch, Tenant, TenantStatus
from dala.work.job_models import Job
from dala.work.models import Technician

#: The window of the "jobs created" meter.
USAGE_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Usage:
    """A company's billing meters: people using Dala and work created recently."""

    active_users: int
    technicians: int
    recent_jobs: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def tenants_query(search: str | None = None, status: TenantStatus | None = None) -> Select[Any]:
    """Companies whose name or company ID contains ``search``, newest first."""
    query = select(Tenant).order_by(Tenant.created_at.desc(), Tenant.id)
    if search:
        pattern = _like(search)
        query = query.where(
            or_(
                Tenant.name.ilike(pattern, escape="\\"),
                Tenant.slug.ilike(pattern, escape="\\"),
            )
        )
    if status is not None:
        query = query.where(Tenant.status == status)
    return query


def tenant_usage(session: Session, tenant_id: uuid.UUID, now: datetime | None = None) -> Usage:
    """One company's meters, read in its scope (one round trip)."""
    since = (now or utcnow()) - USAGE_WINDOW
    with context.tenant_scope(tenant_id):

        def count(model: Any, *where: Any) -> Any:
            return select(func.count()).select_from(model).where(*where).scalar_subquery()

        row = session.execute(
            select(
                count(User, User.status == UserStatus.ACTIVE),
                count(Technician, Technician.active.is_(True)),
                count(Job, Job.created_at >= since),
            )
        ).one()
    return Usage(active_users=row[0], technicians=row[1], recent_jobs=row[2])


def usage_of(
    session: Session, tenants: list[Tenant], now: datetime | None = None
) -> dict[uuid.UUID, Usage]:
    """The meters of each listed company: one query per company, in its own scope."""
    return {t.id: tenant_usage(session, t.id, now) for t in tenants}


def trial_days_left(tenant: Tenant, now: datetime | None = None) -> int | None:
    """Whole days until the trial ends (0 once it has), or None without a trial."""
    if tenant.trial_ends_at is None:
        return None
    seconds = (tenant.trial_ends_at - (now or utcnow())).total_seconds()
    return max(0, math.ceil(seconds / 86400))


@dataclass(frozen=True)
class TenantDetail:
    tenant: Tenant
    branches: list[Branch]
    owner_emails: list[str]
    usage: Usage
    history: list[StatusChange]


def get_tenant(session: Session, tenant_id: uuid.UUID) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(_("Company not found."))
    return tenant


def tenant_detail(session: Session, tenant_id: uuid.UUID) -> TenantDetail:
    """Everything the console shows of one company."""
    tenant = get_tenant(session, tenant_id)
    usage = tenant_usage(session, tenant.id)
    with context.tenant_scope(tenant.id):
        branches = list(session.scalars(select(Branch).order_by(Branch.created_at, Branch.name)))
        owners = list(
            session.scalars(
                select(User.email)
                .join(
                    RoleAssignment,
                    (RoleAssignment.tenant_id == User.tenant_id)
                    & (RoleAssignment.user_id == User.id),
                )
                .where(
                    RoleAssignment.role == "owner",
                    RoleAssignment.branch_id.is_(None),
                    User.status == UserStatus.ACTIVE,
                )
                .order_by(User.email)
            )
        )
        history = status_history(session, tenant)
    return TenantDetail(tenant, branches, owners, usage, history)
