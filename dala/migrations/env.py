"""Alembic environment: runs as the table owner; grants the app role afterwards."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, text
from sqlalchemy_adapter.adapter import Base as CasbinBase

from dala.db import UTCDateTime, make_engine
from dala.models import Base
from dala.storage.encrypted import EncryptedJSON, EncryptedText

config = context.config
# casbin_rule is pycasbin's adapter table; our migrations create it.
target_metadata = [Base.metadata, CasbinBase.metadata]


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    app_role = config.attributes.get("app_role") or ""
    engine = make_engine(str(url))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
            if app_role and connection.dialect.name == "postgresql":
                grant_app_role(connection, app_role)
    engine.dispose()


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write Dala's own column types as the plain types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, EncryptedText | EncryptedJSON):
        return "sa.LargeBinary()"
    return False


def grant_app_role(connection: Connection, role: str) -> None:
    """The application role may use the tables, never own them or bypass RLS."""
    quoted = connection.dialect.identifier_preparer.quote(role)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    connection.execute(
        text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
    )
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    connection.execute(text(f"REVOKE ALL ON alembic_version FROM {quoted}"))


run_migrations_online()
