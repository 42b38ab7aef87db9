"""sites, technicians, job types, jobs (RLS)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 19:28:47.530728
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dala.migrations import rls

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TABLES = [
    "job_types",
    "sites",
    "technicians",
    "jobs",
    "technician_skills",
    "technician_time_off",
    "job_assignments",
    "job_attachments",
    "job_checklist_items",
    "job_transitions",
]


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_seq", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "job_types",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("default_duration_minutes", sa.Integer(), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("checklist_template", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_job_types_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_types")),
    )
    with op.batch_alter_table("job_types", schema=None) as batch_op:
        batch_op.create_index("uq_job_types_tenant_name", ["tenant_id", "name_key"], unique=True)

    op.create_table(
        "sites",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("address", sa.LargeBinary(), nullable=False),
        sa.Column("access_notes", sa.LargeBinary(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "branch_id"],
            ["branches.tenant_id", "branches.id"],
            name=op.f("fk_sites_tenant_id_branch_id_branches"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_sites_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sites_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sites")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sites_tenant_branch_created", ["tenant_id", "branch_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_sites_tenant_customer", ["tenant_id", "customer_id"], unique=False
        )

    op.create_table(
        "technicians",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("home_address", sa.LargeBinary(), nullable=True),
        sa.Column("home_latitude", sa.Double(), nullable=True),
        sa.Column("home_longitude", sa.Double(), nullable=True),
        sa.Column("working_hours", sa.JSON(), nullable=False),
        sa.Column("hourly_cost_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "hourly_cost_minor >= 0", name=op.f("ck_technicians_hourly_cost_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "branch_id"],
            ["branches.tenant_id", "branches.id"],
            name=op.f("fk_technicians_tenant_id_branch_id_branches"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_technicians_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_technicians_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_technicians")),
    )
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.create_index(
            "ix_technicians_tenant_branch", ["tenant_id", "branch_id", "active"], unique=False
        )
        batch_op.create_index("uq_technicians_tenant_user", ["tenant_id", "user_id"], unique=True)

    op.create_table(
        "jobs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("job_type_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.LargeBinary(), nullable=True),
        sa.Column(
            "priority",
            sa.Enum(
                "low", "normal", "high", "emergency", name="priority", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "scheduled",
                "dispatched",
                "en_route",
                "on_site",
                "completed",
                "on_hold",
                "cancelled",
                name="jobstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("scheduled_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scheduled_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_jobs_duration_positive")),
        sa.CheckConstraint(
            "scheduled_end IS NULL OR scheduled_start IS NULL OR scheduled_end > scheduled_start",
            name=op.f("ck_jobs_schedule_order"),
        ),
        sa.CheckConstraint(
            "window_end IS NULL OR window_start IS NULL OR window_end > window_start",
            name=op.f("ck_jobs_window_order"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "branch_id"],
            ["branches.tenant_id", "branches.id"],
            name=op.f("fk_jobs_tenant_id_branch_id_branches"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_jobs_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_type_id"],
            ["job_types.tenant_id", "job_types.id"],
            name=op.f("fk_jobs_tenant_id_job_type_id_job_types"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "site_id"],
            ["sites.tenant_id", "sites.id"],
            name=op.f("fk_jobs_tenant_id_site_id_sites"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_jobs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_jobs_branch_created", ["tenant_id", "branch_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_jobs_branch_start", ["tenant_id", "branch_id", "scheduled_start"], unique=False
        )
        batch_op.create_index(
            "ix_jobs_branch_status",
            ["tenant_id", "branch_id", "status", "scheduled_start"],
            unique=False,
        )
        batch_op.create_index(
            "ix_jobs_customer", ["tenant_id", "customer_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_jobs_site", ["tenant_id", "site_id"], unique=False)
        batch_op.create_index("uq_jobs_tenant_number", ["tenant_id", "number"], unique=True)

    op.create_table(
        "technician_skills",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("technician_id", sa.Uuid(), nullable=False),
        sa.Column("skill_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_technician_skills_level_range")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "skill_id"],
            ["skills.tenant_id", "skills.id"],
            name=op.f("fk_technician_skills_tenant_id_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "technician_id"],
            ["technicians.tenant_id", "technicians.id"],
            name=op.f("fk_technician_skills_tenant_id_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_technician_skills_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_technician_skills")),
    )
    with op.batch_alter_table("technician_skills", schema=None) as batch_op:
        batch_op.create_index("ix_technician_skills_skill", ["tenant_id", "skill_id"], unique=False)
        batch_op.create_index(
            "uq_technician_skills", ["tenant_id", "technician_id", "skill_id"], unique=True
        )

    op.create_table(
        "technician_time_off",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("technician_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "vacation",
                "sick",
                "training",
                "other",
                name="timeoffreason",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_technician_time_off_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "technician_id"],
            ["technicians.tenant_id", "technicians.id"],
            name=op.f("fk_technician_time_off_tenant_id_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_technician_time_off_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_technician_time_off")),
    )
    with op.batch_alter_table("technician_time_off", schema=None) as batch_op:
        batch_op.create_index(
            "ix_technician_time_off_span", ["tenant_id", "technician_id", "starts_at"], unique=False
        )

    op.create_table(
        "job_assignments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("technician_id", sa.Uuid(), nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_job_assignments_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "technician_id"],
            ["technicians.tenant_id", "technicians.id"],
            name=op.f("fk_job_assignments_tenant_id_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_job_assignments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_assignments")),
    )
    with op.batch_alter_table("job_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_assignments_technician", ["tenant_id", "technician_id", "job_id"], unique=False
        )
        batch_op.create_index(
            "uq_job_assignments", ["tenant_id", "job_id", "technician_id"], unique=True
        )

    op.create_table(
        "job_attachments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("blob", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_job_attachments_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_job_attachments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_attachments")),
    )
    with op.batch_alter_table("job_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_job_attachments_blob", ["tenant_id", "blob"], unique=False)
        batch_op.create_index(
            "ix_job_attachments_job", ["tenant_id", "job_id", "created_at"], unique=False
        )

    op.create_table(
        "job_checklist_items",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_job_checklist_items_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_job_checklist_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_checklist_items")),
    )
    with op.batch_alter_table("job_checklist_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_checklist_items_job", ["tenant_id", "job_id", "position"], unique=False
        )

    op.create_table(
        "job_transitions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "draft",
                "scheduled",
                "dispatched",
                "en_route",
                "on_site",
                "completed",
                "on_hold",
                "cancelled",
                name="jobstatus",
                native_enum=False,
                length=12,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "draft",
                "scheduled",
                "dispatched",
                "en_route",
                "on_site",
                "completed",
                "on_hold",
                "cancelled",
                name="jobstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column(
            "source",
            sa.Enum("web", "app", "api", "system", name="source", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["jobs.tenant_id", "jobs.id"],
            name=op.f("fk_job_transitions_tenant_id_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_job_transitions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_transitions")),
    )
    with op.batch_alter_table("job_transitions", schema=None) as batch_op:
        batch_op.create_index("ix_job_transitions_job", ["tenant_id", "job_id", "at"], unique=False)

    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        rls.disable(table)
    with op.batch_alter_table("job_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_job_transitions_job")

    op.drop_table("job_transitions")
    with op.batch_alter_table("job_checklist_items", schema=None) as batch_op:
        batch_op.drop_index("ix_job_checklist_items_job")

    op.drop_table("job_checklist_items")
    with op.batch_alter_table("job_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_job_attachments_job")
        batch_op.drop_index("ix_job_attachments_blob")

    op.drop_table("job_attachments")
    with op.batch_alter_table("job_assignments", schema=None) as batch_op:
        batch_op.drop_index("uq_job_assignments")
        batch_op.drop_index("ix_job_assignments_technician")

    op.drop_table("job_assignments")
    with op.batch_alter_table("technician_time_off", schema=None) as batch_op:
        batch_op.drop_index("ix_technician_time_off_span")

    op.drop_table("technician_time_off")
    with op.batch_alter_table("technician_skills", schema=None) as batch_op:
        batch_op.drop_index("uq_technician_skills")
        batch_op.drop_index("ix_technician_skills_skill")

    op.drop_table("technician_skills")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("uq_jobs_tenant_number")
        batch_op.drop_index("ix_jobs_site")
        batch_op.drop_index("ix_jobs_customer")
        batch_op.drop_index("ix_jobs_branch_status")
        batch_op.drop_index("ix_jobs_branch_start")
        batch_op.drop_index("ix_jobs_branch_created")

    op.drop_table("jobs")
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.drop_index("uq_technicians_tenant_user")
        batch_op.drop_index("ix_technicians_tenant_branch")

    op.drop_table("technicians")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index("ix_sites_tenant_customer")
        batch_op.drop_index("ix_sites_tenant_branch_created")

    op.drop_table("sites")
    with op.batch_alter_table("job_types", schema=None) as batch_op:
        batch_op.drop_index("uq_job_types_tenant_name")

    op.drop_table("job_types")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("job_seq")
