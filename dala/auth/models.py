"""Users, API tokens, single-use action tokens, custom roles and role assignments."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dala.db import Base, Timestamped, str_enum
from dala.tenancy.scoping import TenantScoped, tenant_fk


class UserStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


class User(TenantScoped, Timestamped, Base):
    """A person who signs in to one tenant; the e-mail is unique within that tenant."""

    __tablename__ = "users"
    __table_args__ = (Index("uq_users_tenant_email", "tenant_id", "email", unique=True),)

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[UserStatus] = mapped_column(str_enum(UserStatus), default=UserStatus.ACTIVE)
    locale: Mapped[str | None] = mapped_column(String(8))
    last_login_at: Mapped[datetime | None]
    # Changing it (password change, deactivation) ends every portal session.
    session_nonce: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:
        return self.status == UserStatus.ACTIVE


class ApiToken(TenantScoped, Base):
    """A bearer token for the API; only a hash of its secret is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        tenant_fk(["user_id"], "users", ondelete="CASCADE"),
        Index("ix_api_tokens_tenant_user", "tenant_id", "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(120))
    secret_hash: Mapped[str] = mapped_column(String(64))
    # The last characters of the token (random), shown so a user can tell tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class TokenPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a secret
    INVITE = "invite"


class ActionToken(TenantScoped, Base):
    """A single-use, expiring token sent by e-mail (password reset, invitation)."""

    __tablename__ = "action_tokens"
    __table_args__ = (
        tenant_fk(["user_id"], "users", ondelete="CASCADE"),
        Index("ix_action_tokens_tenant_user", "tenant_id", "user_id"),
    )

    user_id: Mapped[uuid.UUID]
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Role(TenantScoped, Timestamped, Base):
    """A tenant's custom role; its permissions are Casbin ``p`` rules."""

    __tablename__ = "roles"
    __table_args__ = (Index("uq_roles_tenant_key", "tenant_id", "key", unique=True),)

    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class RoleAssignment(TenantScoped, Base):
    """A user holds a role in one branch, or tenant-wide when ``branch_id`` is null.

    Casbin ``g`` rules are derived from these rows in the same transaction; a
    tenant-wide assignment becomes one rule per branch plus one for the tenant.
    """

    __tablename__ = "role_assignments"
    __table_args__ = (
        tenant_fk(["user_id"], "users", ondelete="CASCADE"),
        tenant_fk(["branch_id"], "branches", ondelete="CASCADE"),
        Index("ix_role_assignments_tenant_user", "tenant_id", "user_id"),
        Index("ix_role_assignments_tenant_branch", "tenant_id", "branch_id"),
        Index("ix_role_assignments_tenant_role", "tenant_id", "role"),
    )

    user_id: Mapped[uuid.UUID]
    role: Mapped[str] = mapped_column(String(40))
    branch_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
