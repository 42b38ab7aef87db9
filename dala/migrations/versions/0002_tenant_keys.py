"""Tenant keys: data and blind-index keys, stored wrapped by the master key (RLS)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 18:14:04.836588
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dala.migrations import rls

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_keys",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum("data", "index", name="keypurpose", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("active", "retired", name="keystatus", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("kek_fingerprint", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_keys_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tenant_keys")),
    )
    with op.batch_alter_table("tenant_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tenant_keys_tenant_purpose", ["tenant_id", "purpose", "status"], unique=False
        )
        batch_op.create_index(
            "uq_tenant_keys_active",
            ["tenant_id", "purpose"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
    rls.enable("tenant_keys")


def downgrade() -> None:
    rls.disable("tenant_keys")
    with op.batch_alter_table("tenant_keys", schema=None) as batch_op:
        batch_op.drop_index("uq_tenant_keys_active")
        batch_op.drop_index("ix_tenant_keys_tenant_purpose")

    op.drop_table("tenant_keys")
