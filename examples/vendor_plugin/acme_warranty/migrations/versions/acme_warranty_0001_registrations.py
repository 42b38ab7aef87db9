"""acme_warranty: warranty registrations (RLS)

The first revision of the plug-in's own Alembic branch (label ``acme_warranty``):
it starts from nothing (``down_revision = None``) and needs core's revision 0005,
which creates ``jobs``. ``dala db upgrade`` runs it with core's revisions.

Revision ID: acme_warranty_0001
Revises:
Create Date: 2026-11-27 20:45:44.200239
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dala.migrations import rls

revision: str = "acme_warranty_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("acme_warranty",)
depends_on: str | Sequence[str] | None = "0005"

TABLE = "acme_warranty_registrations"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("job_number", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "months > 0", name=op.f("ck_acme_warranty_registrations_months_positive")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "branch_id"],
            ["branches.tenant_id", "branches.id"],
            name=op.f("fk_acme_warranty_registrations_tenant_id_branch_id_branches"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_acme_warranty_registrations_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_acme_warranty_registrations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_acme_warranty_registrations")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(
            "ix_acme_warranty_registrations_branch",
            ["tenant_id", "branch_id", "completed_on"],
            unique=False,
        )
        batch_op.create_index(
            "uq_acme_warranty_registrations_job", ["tenant_id", "job_id"], unique=True
        )
    # Row-level security as on core's tables: a company's rows only, even in raw SQL.
    rls.enable(TABLE)


def downgrade() -> None:
    rls.disable(TABLE)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index("uq_acme_warranty_registrations_job")
        batch_op.drop_index("ix_acme_warranty_registrations_branch")
    op.drop_table(TABLE)
