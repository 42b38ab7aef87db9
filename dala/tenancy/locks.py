"""Serialising changes that must keep a company-wide invariant (one owner, one branch)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.tenancy import context
from dala.tenancy.models import Tenant


def lock_tenant(session: Session) -> None:
    """Hold the current tenant's row until the transaction ends.

    Checks such as "is this the last owner?" read, then write; two requests
    doing so at once could both pass. On PostgreSQL this row lock makes them
    take turns; SQLite already allows one writer at a time.
    """
    session.execute(
        select(Tenant.id).where(Tenant.id == context.current_tenant_id()).with_for_update()
    )
