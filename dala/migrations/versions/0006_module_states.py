"""module states (RLS)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 20:42:50.861211
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dala.migrations import rls

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "module_states",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("module", sa.String(length=63), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "branch_id"],
            ["branches.tenant_id", "branches.id"],
            name=op.f("fk_module_states_tenant_id_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_module_states_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_module_states")),
    )
    with op.batch_alter_table("module_states", schema=None) as batch_op:
        batch_op.create_index(
            "uq_module_states_branch",
            ["tenant_id", "branch_id", "module"],
            unique=True,
            sqlite_where=sa.text("branch_id IS NOT NULL"),
            postgresql_where=sa.text("branch_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_module_states_company",
            ["tenant_id", "module"],
            unique=True,
            sqlite_where=sa.text("branch_id IS NULL"),
            postgresql_where=sa.text("branch_id IS NULL"),
        )

    rls.enable("module_states")


def downgrade() -> None:
    rls.disable("module_states")
    with op.batch_alter_table("module_states", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_module_states_company",
            sqlite_where=sa.text("branch_id IS NULL"),
            postgresql_where=sa.text("branch_id IS NULL"),
        )
        batch_op.drop_index(
            "uq_module_states_branch",
            sqlite_where=sa.text("branch_id IS NOT NULL"),
            postgresql_where=sa.text("branch_id IS NOT NULL"),
        )

    op.drop_table("module_states")
