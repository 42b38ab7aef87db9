"""Tenant scoping: the mixin, the read filter, insert stamping and the RLS setting.

Reads of ``TenantScoped`` classes get ``tenant_id = <current>`` added by
``do_orm_execute`` + ``with_loader_criteria``; new rows are stamped in
``before_flush``; on PostgreSQL every transaction carries
``app.tenant_id`` (``set_config(..., true)``) so row-level security holds
even for statements that bypass the ORM filter.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import ForeignKey, ForeignKeyConstraint, event, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

from dala.db import new_id
from dala.errors import CrossTenantWrite, NoTenantContext
from dala.tenancy import context

_RLS_APPLIED = "dala_rls_tenant"


class TenantScoped:
    """Mixin for every tenant-owned table: primary key ``(tenant_id, id)``."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, sort_order=-20
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-10)


def tenant_fk(
    columns: list[str], target: str, *, ondelete: str | None = None
) -> ForeignKeyConstraint:
    """A foreign key that includes ``tenant_id``, so a row cannot point into another tenant."""
    return ForeignKeyConstraint(
        ["tenant_id", *columns], [f"{target}.tenant_id", f"{target}.id"], ondelete=ondelete
    )


T = TypeVar("T", bound=TenantScoped)


def get_scoped(session: Session, model: type[T], object_id: uuid.UUID) -> T | None:
    """The current tenant's object with this id, or None (also for other tenants' ids)."""
    return session.scalars(select(model).where(model.id == object_id)).one_or_none()


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    return any(issubclass(m.class_, TenantScoped) for m in state.all_mappers)


def _scope_reads(state: ORMExecuteState) -> None:
    # Every statement, raw SQL included, runs under the current tenant's RLS setting.
    _ensure_rls_setting(state.session)
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria of the parent statement already propagate here
    if not (state.is_select or state.is_update or state.is_delete):
        return
    ctx = context.current()
    if ctx is None:
        if _touches_tenant_data(state):
            raise NoTenantContext("a tenant-scoped query ran with no tenant set")
        return
    tenant_id = ctx.tenant_id
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        )
    )


def _stamp_writes(session: Session, _flush_context: Any, _instances: Any) -> None:
    ctx = context.current()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if ctx is None:
            raise NoTenantContext(f"cannot insert {type(obj).__name__} with no tenant set")
        if obj.tenant_id is None:
            obj.tenant_id = ctx.tenant_id
        elif obj.tenant_id != ctx.tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} belongs to another tenant")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and (ctx is None or obj.tenant_id != ctx.tenant_id):
            raise CrossTenantWrite(f"{type(obj).__name__} is not in the current tenant")
    _ensure_rls_setting(session)


def _set_rls(connection: Connection, tenant_id: uuid.UUID | None) -> None:
    connection.execute(
        text("SELECT set_config('app.tenant_id', :tenant, true)"),
        {"tenant": str(tenant_id) if tenant_id else ""},
    )


def _after_begin(session: Session, _tx: SessionTransaction, connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    ctx = context.current()
    tenant_id = ctx.tenant_id if ctx else None
    _set_rls(connection, tenant_id)
    session.info[_RLS_APPLIED] = tenant_id


def _ensure_rls_setting(session: Session) -> None:
    """Re-apply ``app.tenant_id`` when the context changed inside an open transaction."""
    if _RLS_APPLIED not in session.info:
        return  # no transaction yet: after_begin will set it
    ctx = context.current()
    tenant_id = ctx.tenant_id if ctx else None
    if session.info[_RLS_APPLIED] != tenant_id:
        _set_rls(session.connection(), tenant_id)
        session.info[_RLS_APPLIED] = tenant_id


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_RLS_APPLIED, None)


def install(factory: sessionmaker[Session]) -> None:
    """Attach the scoping listeners to a session factory."""
    event.listen(factory, "do_orm_execute", _scope_reads)
    event.listen(factory, "before_flush", _stamp_writes)
    event.listen(factory, "after_begin", _after_begin)
    event.listen(factory, "after_transaction_end", _after_transaction_end)
