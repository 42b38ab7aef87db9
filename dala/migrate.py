"""Run Alembic migrations as the table owner, then sync the built-in role templates."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session

from dala.auth.policy import sync_builtin_roles
from dala.db import make_engine
from dala.modules.discovery import installed_manifests, migration_folders

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str, app_role: str = "") -> Config:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Core's revisions plus each installed plug-in's own branch.
    folders = [MIGRATIONS / "versions", *migration_folders()]
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(f) for f in folders))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["app_role"] = app_role
    return cfg


def upgrade(database_url: str, revision: str = "heads", app_role: str = "") -> int:
    """Upgrade the schema; returns how many role-template rules changed."""
    command.upgrade(alembic_config(database_url, app_role), revision)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            return sync_builtin_roles(session, installed_manifests())
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
