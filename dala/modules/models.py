"""Which modules a company has switched on, for itself or one branch, and their settings."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dala.db import Base, Timestamped
from dala.tenancy.scoping import TenantScoped, tenant_fk


class ModuleState(TenantScoped, Timestamped, Base):
    """A module's state for the company (``branch_id`` NULL) or for one branch.

    ``enabled`` NULL means "as the wider scope says"; ``settings`` holds only the
    values set at this scope (the rest fall back branch → company → default).
    Disabling never deletes a module's data.
    """

    __tablename__ = "module_states"
    __table_args__ = (
        tenant_fk(["branch_id"], "branches", ondelete="CASCADE"),
        Index(
            "uq_module_states_company",
            "tenant_id",
            "module",
            unique=True,
            sqlite_where=text("branch_id IS NULL"),
            postgresql_where=text("branch_id IS NULL"),
        ),
        Index(
            "uq_module_states_branch",
            "tenant_id",
            "branch_id",
            "module",
            unique=True,
            sqlite_where=text("branch_id IS NOT NULL"),
            postgresql_where=text("branch_id IS NOT NULL"),
        ),
    )

    branch_id: Mapped[uuid.UUID | None]
    module: Mapped[str] = mapped_column(String(63))
    enabled: Mapped[bool | None]
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[uuid.UUID | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
