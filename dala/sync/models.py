"""What the server keeps to sync phones: clients, the mutations it took, conflicts, blobs,
and the jobs technicians lost."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dala.db import Base, Timestamped, str_enum
from dala.storage.encrypted import EncryptedJSON, EncryptedText
from dala.tenancy.scoping import TenantScoped, tenant_fk


class SyncClient(TenantScoped, Timestamped, Base):
    """One app instance: whose it is and the last mutation id it has been answered for."""

    __tablename__ = "sync_clients"
    __table_args__ = (
        tenant_fk(["user_id"], "users", ondelete="CASCADE"),
        Index("ix_sync_clients_user", "tenant_id", "user_id"),
    )

    client_group_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID]
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen_at: Mapped[datetime | None]


class MutationStatus(enum.StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"
    CONFLICT = "conflict"


class SyncMutation(TenantScoped, Base):
    """The outcome of one mutation, so a replayed one answers as it did the first time.

    The arguments are not kept (they may hold customer details); a conflict keeps
    what it needs in its own, encrypted record.
    """

    __tablename__ = "sync_mutations"
    __table_args__ = (
        tenant_fk(["client_id"], "sync_clients", ondelete="CASCADE"),
        Index("uq_sync_mutations", "tenant_id", "client_id", "mutation_id", unique=True),
    )

    client_id: Mapped[uuid.UUID]
    mutation_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(40))
    status: Mapped[MutationStatus] = mapped_column(str_enum(MutationStatus, 10))
    code: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(String(500))
    job_id: Mapped[uuid.UUID | None]
    conflict_id: Mapped[uuid.UUID | None]
    received_at: Mapped[datetime]


class ConflictStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class SyncConflict(TenantScoped, Timestamped, Base):
    """The technician's work that met an office change it depends on, kept until a person
    decides whose state stands."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (
        tenant_fk(["job_id"], "jobs", ondelete="CASCADE"),
        tenant_fk(["branch_id"], "branches", ondelete="CASCADE"),
        Index("ix_sync_conflicts_branch", "tenant_id", "branch_id", "status", "created_at"),
        Index("ix_sync_conflicts_job", "tenant_id", "job_id", "created_at"),
        Index("ix_sync_conflicts_user", "tenant_id", "user_id", "status"),
    )

    job_id: Mapped[uuid.UUID]
    branch_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID | None]  # the technician whose work it is
    client_id: Mapped[uuid.UUID | None]
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "job_cancelled", "reassigned"
    # The job's status when the technician's work arrived, and that work: the
    # mutations (name, args, client_ts) to apply if the technician's side is kept.
    office_status: Mapped[str] = mapped_column(String(12))
    mutations: Mapped[list[dict[str, Any]]] = mapped_column(
        EncryptedJSON("sync_conflicts.mutations")
    )
    status: Mapped[ConflictStatus] = mapped_column(
        str_enum(ConflictStatus, 10), default=ConflictStatus.OPEN
    )
    kept: Mapped[str | None] = mapped_column(String(12))  # "office" or "technician"
    resolved_by: Mapped[uuid.UUID | None]
    resolved_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(EncryptedText("sync_conflicts.note"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class SyncBlob(TenantScoped, Timestamped, Base):
    """A photo or signature uploaded by its SHA-256, in parts; ``blob`` names the stored,
    encrypted file once every byte is in and the hash matched."""

    __tablename__ = "sync_blobs"
    __table_args__ = (Index("uq_sync_blobs_sha256", "tenant_id", "sha256", unique=True),)

    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    content_type: Mapped[str] = mapped_column(String(100))
    blob: Mapped[str | None] = mapped_column(String(64))
    uploaded_by: Mapped[uuid.UUID | None]


class SyncRevocation(TenantScoped, Base):
    """A job a user may no longer see on their phone (unassigned, deleted), at the change
    version it happened, so their next pull removes it."""

    __tablename__ = "sync_revocations"
    __table_args__ = (Index("ix_sync_revocations_user", "tenant_id", "user_id", "version"),)

    user_id: Mapped[uuid.UUID]
    job_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(BigInteger)
