"""The ``dala`` command: Flask's CLI plus ``dala db ...`` and ``dala demo ...``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from dala import migrate


@click.group("db", help="Database schema (Alembic) commands.")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Upgrade the schema as the table owner (DALA_MIGRATION_DATABASE_URL)."""
    cfg = current_app.config
    changed = migrate.upgrade(cfg["MIGRATION_DATABASE_URL"], revision, cfg["DB_APP_ROLE"])
    click.echo(f"schema at {revision}; built-in role rules changed: {changed}")


@db_group.command("downgrade")
@click.option("--revision", default="base", show_default=True)
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Downgrade the schema (``base`` drops every table)."""
    migrate.downgrade(current_app.config["MIGRATION_DATABASE_URL"], revision)
    click.echo(f"schema at {revision}")


@click.group("demo", help="Demo data.")
def demo_group() -> None:
    pass


@demo_group.command("seed")
@with_appcontext
def demo_seed() -> None:
    """Create the demo company (safe to re-run) and print its logins."""
    from dala.demo import seed_demo

    logins = seed_demo()
    click.echo("")
    click.echo(click.style("Demo company 'demo' is ready. Sign in with:", bold=True))
    for role, email, password in logins:
        click.echo(f"  {role:<13} {email:<32} {password}")
    click.echo("")


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(demo_group)


def main() -> None:
    from dala.app import create_app

    FlaskGroup(create_app=create_app, add_version_option=False)()
