"""The current tenant and branch, held in ``contextvars`` and always reset afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

from dala.errors import NoTenantContext


@dataclass(frozen=True)
class TenantContext:
    tenant_id: uuid.UUID
    branch_id: uuid.UUID | None = None


_current: ContextVar[TenantContext | None] = ContextVar("dala_tenant", default=None)


def current() -> TenantContext | None:
    """The active tenant context, or None outside any tenant."""
    return _current.get()


def current_tenant_id() -> uuid.UUID:
    """The active tenant's id; raises :class:`NoTenantContext` when none is set."""
    ctx = _current.get()
    if ctx is None:
        raise NoTenantContext("no tenant is set for this request or task")
    return ctx.tenant_id


def current_branch_id() -> uuid.UUID | None:
    ctx = _current.get()
    return ctx.branch_id if ctx else None


def activate(
    tenant_id: uuid.UUID, branch_id: uuid.UUID | None = None
) -> Token[TenantContext | None]:
    """Set the tenant (and branch) until :func:`reset` is called with the returned token."""
    return _current.set(TenantContext(tenant_id, branch_id))


def reset(token: Token[TenantContext | None]) -> None:
    _current.reset(token)


def clear() -> None:
    """Forget any tenant (used at the end of every request and task)."""
    _current.set(None)


@contextmanager
def tenant_scope(tenant_id: uuid.UUID, branch_id: uuid.UUID | None = None) -> Iterator[None]:
    """Run a block as the given tenant; the previous context comes back afterwards."""
    token = activate(tenant_id, branch_id)
    try:
        yield
    finally:
        reset(token)
