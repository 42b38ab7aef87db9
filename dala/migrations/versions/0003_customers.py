"""Customers, their contacts and blind-index search terms (encrypted columns, RLS)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:21:41.306233
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dala.migrations import rls

TABLES = ("customers", "customer_contacts", "customer_search_terms")

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("person", "company", name="customerkind", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("notes", sa.LargeBinary(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("preferred_language", sa.String(length=8), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_customers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customers_tenant_created", ["tenant_id", "created_at"], unique=False
        )

    op.create_table(
        "customer_contacts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("email", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_customer_contacts_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_customer_contacts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customer_contacts")),
    )
    with op.batch_alter_table("customer_contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_contacts_tenant_customer", ["tenant_id", "customer_id"], unique=False
        )

    op.create_table(
        "customer_search_terms",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_customer_search_terms_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_customer_search_terms_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customer_search_terms")),
    )
    with op.batch_alter_table("customer_search_terms", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_search_terms_tenant_customer", ["tenant_id", "customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_customer_search_terms_tenant_digest", ["tenant_id", "digest"], unique=False
        )
    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(table)
    with op.batch_alter_table("customer_search_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_search_terms_tenant_digest")
        batch_op.drop_index("ix_customer_search_terms_tenant_customer")

    op.drop_table("customer_search_terms")
    with op.batch_alter_table("customer_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_contacts_tenant_customer")

    op.drop_table("customer_contacts")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_tenant_created")

    op.drop_table("customers")
