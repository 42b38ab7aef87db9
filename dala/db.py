"""Engine, sessions and the declarative base shared by core and plug-ins."""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from dala.errors import ConfigurationError

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only kind Dala stores)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back timezone-aware, on every engine."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Dala stores timezone-aware UTC timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def str_enum(cls: type[enum.Enum], length: int = 16) -> Enum:
    """A Python enum stored as its values in a short string column (no native DB enum)."""
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


_ON_COMMIT = "dala.on_commit"


def on_commit(session: Session, action: Callable[[], object]) -> None:
    """Run ``action`` once the session's transaction commits; forget it on rollback."""
    session.connection()  # the transaction the action belongs to, begun if need be
    session.info.setdefault(_ON_COMMIT, []).append(action)


def pending_on_commit(session: Session) -> list[Callable[[], object]]:
    """The actions waiting for the session's commit (to add to the last one)."""
    actions: list[Callable[[], object]] = session.info.get(_ON_COMMIT, [])
    return actions


def _run_on_commit(session: Session) -> None:
    # The change is saved whatever happens here: one failing action must not stop
    # the others, nor turn the caller's success into an error.
    for action in session.info.pop(_ON_COMMIT, []):
        try:
            action()
        except Exception:
            log.exception("an action after commit failed")


def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with the settings Dala relies on for each backend."""
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 10
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _refuse_roles_that_bypass_rls(dbapi_connection: Any, _record: Any) -> None:
    """Fail closed: row-level security means nothing to a superuser or a BYPASSRLS role."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(
            "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        )
        role, bypasses = cursor.fetchone()
    finally:
        cursor.close()
    if bypasses:
        raise ConfigurationError(
            f"the database role {role!r} of DALA_DATABASE_URL bypasses row-level security "
            "(SUPERUSER or BYPASSRLS): connect the application as a role without either "
            "(see the README, 'Running against PostgreSQL'), or set DALA_ALLOW_RLS_BYPASS=true"
        )


class Database:
    """The app's engine and session factory; kept on ``app.extensions['dala.db']``."""

    def __init__(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"])
        if self.engine.dialect.name == "postgresql" and not app.config["ALLOW_RLS_BYPASS"]:
            event.listen(self.engine, "connect", _refuse_roles_that_bypass_rls)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        event.listen(self.session_factory, "after_commit", _run_on_commit)
        event.listen(self.session_factory, "after_rollback", _forget_on_rollback)
        app.extensions["dala.db"] = self
        app.teardown_appcontext(_close_session)

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"


def database(app: Flask | None = None) -> Database:
    db: Database = (app or current_app).extensions["dala.db"]
    return db


def get_session() -> Session:
    """The session of the current app context (one per request or CLI command)."""
    if "db_session" not in g:
        g.db_session = database().session_factory()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
