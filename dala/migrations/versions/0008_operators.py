"""operators, operator actions (RLS), tenants.plan, audit_events.actor

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 10:05:12.118204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dala.migrations import rls

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TENANT_STATUS = ("trialing", "active", "past_due", "suspended", "cancelled")


def upgrade() -> None:
    # Platform staff: not tenant data, so no tenant_id and no row-level security.
    op.create_table(
        "operators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("session_nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("email", name=op.f("uq_operators_email")),
    )
    # What an operator did to a company: the company's rows, under its RLS.
    op.create_table(
        "operator_actions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "suspended",
                "reactivated",
                name="operatoractionkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status_before",
            sa.Enum(*_TENANT_STATUS, name="tenantstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "status_after",
            sa.Enum(*_TENANT_STATUS, name="tenantstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_operator_actions_operator_id_operators"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_operator_actions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_operator_actions")),
    )
    with op.batch_alter_table("operator_actions", schema=None) as batch_op:
        batch_op.create_index("ix_operator_actions_at", ["tenant_id", "at"], unique=False)
    rls.enable("operator_actions")

    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("plan", sa.String(length=32), server_default="usage", nullable=False)
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("actor")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("plan")

    rls.disable("operator_actions")
    with op.batch_alter_table("operator_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_operator_actions_at")
    op.drop_table("operator_actions")
    op.drop_table("operators")
