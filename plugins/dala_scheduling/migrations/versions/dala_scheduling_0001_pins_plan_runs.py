"""dala_scheduling: pinned jobs and plan runs (RLS)

The first revision of scheduling's own Alembic branch (label ``dala_scheduling``):
it starts from nothing and needs core's revision 0009 (the latest when it was
written). ``dala db upgrade`` runs it with core's revisions.

Revision ID: dala_scheduling_0001
Revises:
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dala.migrations import rls

revision: str = "dala_scheduling_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("dala_scheduling",)
depends_on: str | Sequence[str] | None = "0009"

PINS = "dala_scheduling_pins"
RUNS = "dala_scheduling_plan_runs"


def upgrade() -> None:
    op.create_table(
        PINS,
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("pinned_by", sa.Uuid(), nullable=True),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_dala_scheduling_pins_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dala_scheduling_pins_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dala_scheduling_pins")),
    )
    with op.batch_alter_table(PINS, schema=None) as batch_op:
        batch_op.create_index("uq_dala_scheduling_pins_job", ["tenant_id", "job_id"], unique=True)

    op.create_table(
        RUNS,
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "proposed",
                "applied",
                "discarded",
                "failed",
                "stale",
                name="planstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column(
            "trigger",
            sa.Enum(
                "manual",
                "sick",
                "overrun",
                "emergency",
                name="plantrigger",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("proposal", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "branch_id"],
            ["branches.tenant_id", "branches.id"],
            name=op.f("fk_dala_scheduling_plan_runs_tenant_id_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dala_scheduling_plan_runs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dala_scheduling_plan_runs")),
    )
    with op.batch_alter_table(RUNS, schema=None) as batch_op:
        batch_op.create_index(
            "ix_dala_scheduling_plan_runs_branch_day",
            ["tenant_id", "branch_id", "day", "created_at"],
            unique=False,
        )
    # Row-level security as on core's tables: a company's rows only, even in raw SQL.
    rls.enable(PINS)
    rls.enable(RUNS)


def downgrade() -> None:
    rls.disable(RUNS)
    rls.disable(PINS)
    with op.batch_alter_table(RUNS, schema=None) as batch_op:
        batch_op.drop_index("ix_dala_scheduling_plan_runs_branch_day")
    op.drop_table(RUNS)
    with op.batch_alter_table(PINS, schema=None) as batch_op:
        batch_op.drop_index("uq_dala_scheduling_pins_job")
    op.drop_table(PINS)
