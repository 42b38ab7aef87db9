"""Suspending and reactivating a company, with the operator and their reason on record.

The change takes effect with the commit: API tokens answer 402 and portal
sessions show the suspended page from their next request (both read the
company's status on every request). Each function runs in the company's
tenant scope, as the rows it writes (the action, the audit entry) are the
company's; the caller commits there too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.db import utcnow
from dala.errors import Conflict, NoTenantContext
from dala.operators.models import Operator, OperatorAction, OperatorActionKind
from dala.tenancy import context
from dala.tenancy.models import USABLE_STATUSES, Tenant, TenantStatus

#: How many past status changes a company's page shows.
HISTORY_LENGTH = 50


def _in_scope_of(tenant: Tenant) -> None:
    if context.current_tenant_id() != tenant.id:
        # Its rows answer only in its scope (RLS), and are written there.
        raise NoTenantContext("a company's status is read and changed in its own tenant scope")


def _record(
    session: Session,
    operator: Operator,
    tenant: Tenant,
    kind: OperatorActionKind,
    status: TenantStatus,
    reason: str,
) -> OperatorAction:
    action = OperatorAction(
        operator_id=operator.id,
        action=kind,
        status_before=tenant.status,
        status_after=status,
        reason=reason,
        at=utcnow(),
    )
    tenant.status = status
    session.add(action)
    session.flush()
    return action


def suspend_tenant(
    session: Session, operator: Operator, tenant: Tenant, reason: str
) -> OperatorAction:
    """Suspend a company that may use Dala now; commits nothing."""
    _in_scope_of(tenant)
    if tenant.status not in USABLE_STATUSES:
        raise Conflict(_("This company is not in use: it cannot be suspended."))
    return _record(
        session, operator, tenant, OperatorActionKind.SUSPENDED, TenantStatus.SUSPENDED, reason
    )


def reactivate_tenant(
    session: Session, operator: Operator, tenant: Tenant, reason: str, now: datetime | None = None
) -> OperatorAction:
    """Give a suspended company back the status it had; commits nothing."""
    _in_scope_of(tenant)
    if tenant.status != TenantStatus.SUSPENDED:
        raise Conflict(_("Only a suspended company can be reactivated."))
    status = status_to_restore(session, tenant, now or utcnow())
    return _record(session, operator, tenant, OperatorActionKind.REACTIVATED, status, reason)


def status_to_restore(session: Session, tenant: Tenant, now: datetime) -> TenantStatus:
    """The status before the last suspension; a trial that ended meanwhile comes back active.

    A company suspended by other means (no record) is in trial while its trial
    lasts, else active.
    """
    before = session.scalar(
        select(OperatorAction.status_before)
        .where(OperatorAction.action == OperatorActionKind.SUSPENDED)
        .order_by(OperatorAction.at.desc(), OperatorAction.id)
        .limit(1)
    )
    if before in (TenantStatus.ACTIVE, TenantStatus.PAST_DUE):
        return before
    in_trial = tenant.trial_ends_at is not None and tenant.trial_ends_at > now
    return TenantStatus.TRIALING if in_trial else TenantStatus.ACTIVE


@dataclass(frozen=True)
class StatusChange:
    action: OperatorAction
    operator_name: str
    operator_email: str


def status_history(session: Session, tenant: Tenant) -> list[StatusChange]:
    """The company's status changes by operators, newest first (in its tenant scope)."""
    _in_scope_of(tenant)
    rows = session.execute(
        select(OperatorAction, Operator.name, Operator.email)
        .join(Operator, Operator.id == OperatorAction.operator_id)
        .order_by(OperatorAction.at.desc(), OperatorAction.id)
        .limit(HISTORY_LENGTH)
    ).all()
    return [StatusChange(action, name, email) for action, name, email in rows]
