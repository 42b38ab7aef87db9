"""Row-level security for tenant tables, used by migrations (PostgreSQL only)."""

from __future__ import annotations

from alembic import op

POLICY = "tenant_isolation"
_MATCH = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def enable(table: str) -> None:
    """ENABLE + FORCE RLS with a policy that matches nothing when no tenant is set."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({_MATCH}) WITH CHECK ({_MATCH})")


def disable(table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
