"""technician field records, attachment kinds, sync (RLS)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 23:08:19.057140
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dala.migrations import rls

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The new company tables, each under row-level security.
TABLES = (
    "sync_blobs",
    "sync_revocations",
    "sync_clients",
    "sync_mutations",
    "job_notes",
    "job_parts",
    "job_time_entries",
    "sync_conflicts",
)


def upgrade() -> None:
    op.create_table(
        "sync_blobs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("blob", sa.String(length=64), nullable=True),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sync_blobs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sync_blobs")),
    )
    with op.batch_alter_table("sync_blobs", schema=None) as batch_op:
        batch_op.create_index("uq_sync_blobs_sha256", ["tenant_id", "sha256"], unique=True)

    op.create_table(
        "sync_revocations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sync_revocations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sync_revocations")),
    )
    with op.batch_alter_table("sync_revocations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_revocations_user", ["tenant_id", "user_id", "version"], unique=False
        )

    op.create_table(
        "sync_clients",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_group_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("last_mutation_id", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_sync_clients_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sync_clients_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sync_clients")),
    )
    with op.batch_alter_table("sync_clients", schema=None) as batch_op:
        batch_op.create_index("ix_sync_clients_user", ["tenant_id", "user_id"], unique=False)

    op.create_table(
        "sync_mutations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("mutation_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "rejected",
                "conflict",
                name="mutationstatus",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("conflict_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["sync_clients.tenant_id", "sync_clients.id"],
            name=op.f("fk_sync_mutations_tenant_id_client_id_sync_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sync_mutations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sync_mutations")),
    )
    with op.batch_alter_table("sync_mutations", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sync_mutations", ["tenant_id", "client_id", "mutation_id"], unique=True
        )

    op.create_table(
        "job_notes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.LargeBinary(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "source",
            sa.Enum("web", "app", "api", "system", name="source", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_job_notes_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_job_notes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_notes")),
    )
    with op.batch_alter_table("job_notes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_notes_job", ["tenant_id", "job_id", "written_at"], unique=False
        )

    op.create_table(
        "job_parts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("quantity_milli", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity_milli > 0", name=op.f("ck_job_parts_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_job_parts_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_job_parts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_parts")),
    )
    with op.batch_alter_table("job_parts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_parts_job", ["tenant_id", "job_id", "created_at"], unique=False
        )

    op.create_table(
        "job_time_entries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("technician_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("work", "travel", "break", name="timekind", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ended_at > started_at", name=op.f("ck_job_time_entries_time_order")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_job_time_entries_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "technician_id"],
            ["technicians.tenant_id", "technicians.id"],
            name=op.f("fk_job_time_entries_tenant_id_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_job_time_entries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_time_entries")),
    )
    with op.batch_alter_table("job_time_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_time_entries_job", ["tenant_id", "job_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "ix_job_time_entries_technician",
            ["tenant_id", "technician_id", "started_at"],
            unique=False,
        )

    op.create_table(
        "sync_conflicts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("office_status", sa.String(length=12), nullable=False),
        sa.Column("mutations", sa.LargeBinary(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "resolved", name="conflictstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("kept", sa.String(length=12), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "branch_id"],
            ["branches.tenant_id", "branches.id"],
            name=op.f("fk_sync_conflicts_tenant_id_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_sync_conflicts_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sync_conflicts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sync_conflicts")),
    )
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_conflicts_branch",
            ["tenant_id", "branch_id", "status", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_sync_conflicts_job", ["tenant_id", "job_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_sync_conflicts_user", ["tenant_id", "user_id", "status"], unique=False
        )

    with op.batch_alter_table("job_attachments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "file",
                    "photo",
                    "signature",
                    name="attachmentkind",
                    native_enum=False,
                    length=10,
                ),
                server_default="file",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("caption", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("signer_name", sa.LargeBinary(), nullable=True))

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sync_version", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.create_index("ix_jobs_sync_version", ["tenant_id", "sync_version"], unique=False)

    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sync_seq", sa.BigInteger(), server_default="0", nullable=False)
        )

    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(table)

    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("sync_seq")

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_sync_version")
        batch_op.drop_column("sync_version")

    with op.batch_alter_table("job_attachments", schema=None) as batch_op:
        batch_op.drop_column("signer_name")
        batch_op.drop_column("caption")
        batch_op.drop_column("kind")

    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_conflicts_user")
        batch_op.drop_index("ix_sync_conflicts_job")
        batch_op.drop_index("ix_sync_conflicts_branch")

    op.drop_table("sync_conflicts")
    with op.batch_alter_table("job_time_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_job_time_entries_technician")
        batch_op.drop_index("ix_job_time_entries_job")

    op.drop_table("job_time_entries")
    with op.batch_alter_table("job_parts", schema=None) as batch_op:
        batch_op.drop_index("ix_job_parts_job")

    op.drop_table("job_parts")
    with op.batch_alter_table("job_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_job_notes_job")

    op.drop_table("job_notes")
    with op.batch_alter_table("sync_mutations", schema=None) as batch_op:
        batch_op.drop_index("uq_sync_mutations")

    op.drop_table("sync_mutations")
    with op.batch_alter_table("sync_clients", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_clients_user")

    op.drop_table("sync_clients")
    with op.batch_alter_table("sync_revocations", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_revocations_user")

    op.drop_table("sync_revocations")
    with op.batch_alter_table("sync_blobs", schema=None) as batch_op:
        batch_op.drop_index("uq_sync_blobs_sha256")

    op.drop_table("sync_blobs")
