"""The ``dala`` command: Flask's CLI plus ``db``, ``demo``, ``keys``, ``files``, ``operator``
and ``worker``."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from dala import migrate
from dala.errors import DalaError


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
    import time

    from dala.demo import DEMO_SLUG, seed_demo, seed_demo_operator
    from dala.demo.catalogue import COMPANY_NAME

    started = time.perf_counter()
    logins = seed_demo()
    operator = seed_demo_operator()
    took = time.perf_counter() - started
    width = max(len(email) for _role, email, _password in [*logins, operator])
    click.echo("")
    title = f"Demo company '{COMPANY_NAME}' (company ID '{DEMO_SLUG}') is ready. Sign in with:"
    click.echo(click.style(title, bold=True))
    for role, email, password in logins:
        click.echo(f"  {role:<13} {email:<{width}}  {password}")
    click.echo("Every technician signs in the same way: <first name>@demo.example.com.")
    click.echo(click.style("The platform's operator console, at /operator/login:", bold=True))
    role, email, password = operator
    click.echo(f"  {role:<13} {email:<{width}}  {password}")
    click.echo(f"Seeded in {took:.1f} s.")
    click.echo("")


@click.group("keys", help="Encryption keys: rotation and status.")
def keys_group() -> None:
    pass


class _Progress:
    """Re-encryption progress: a bar per table on a terminal, a line per tenth in logs."""

    def __init__(self) -> None:
        self._interactive = sys.stdout.isatty()
        self._what: str | None = None
        self._bar: Any = None
        self._done = self._total = self._shown = 0

    def __call__(self, what: str, done: int, total: int) -> None:
        if what != self._what:
            self.finish()
            self._what, self._done, self._shown = what, 0, 0
            if self._interactive:
                self._bar = click.progressbar(length=total, label=f"  {what}")
                self._bar.__enter__()
        self._total = total
        if self._bar is not None:
            self._bar.length = total
            self._bar.update(done - self._done)
        elif done < total and done * 10 // total > self._shown * 10 // total:
            click.echo(f"  {what}: {done}/{total}")
            self._shown = done
        self._done = done

    def finish(self) -> None:
        """Close the current table's bar and print where it ended."""
        if self._what is None:
            return
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        click.echo(f"  {self._what}: {self._done}/{self._total} re-encrypted")
        self._what = None


def _operator_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Errors Dala raises on purpose (a master key missing, say) as a message, not a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except DalaError as exc:
            raise click.ClickException(exc.message) from exc

    return run


def _tenants(slug: str | None) -> list[Any]:
    from dala.storage.rotation import list_tenants

    tenants = list_tenants(slug)
    if slug is not None and not tenants:
        raise click.ClickException(f"no company with the slug {slug!r}")
    return tenants


@keys_group.command("rotate")
@click.option("--master", is_flag=True, help="Re-wrap tenant keys under DALA_MASTER_KEY.")
@click.option("--data", is_flag=True, help="New data key per company, then re-encrypt values.")
@click.option(
    "--reencrypt",
    is_flag=True,
    help="Only re-encrypt values not under the active data key (finish an earlier run).",
)
@click.option("--tenant", "slug", metavar="SLUG", help="One company (default: every company).")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--drop-retired",
    is_flag=True,
    help="Then delete retired data keys no value names any more (retired over a minute ago).",
)
@with_appcontext
@_operator_errors
def keys_rotate(
    master: bool, data: bool, reencrypt: bool, slug: str | None, batch_size: int, drop_retired: bool
) -> None:
    """Rotate keys online; reads and writes keep working while it runs.

    Without --master, --data or --reencrypt: both --master and --data.
    """
    from dala.storage import rotation

    if not (master or data or reencrypt):
        master = data = True
    tenants = _tenants(slug)
    leftover = 0
    for tenant in tenants:
        click.echo(click.style(f"{tenant.slug}", bold=True))
        if master:
            wrapped = rotation.rewrap_tenant(tenant.id)
            click.echo(f"  keys re-wrapped under the current master key: {wrapped.rewrapped}")
            if wrapped.conflicts:
                click.echo(f"  keys changed meanwhile, left as they were: {wrapped.conflicts}")
        if data:
            key_id = rotation.rotate_data_key(tenant.id)
            click.echo(f"  new data key {key_id}; the previous one is retired")
        if data or reencrypt:
            progress = _Progress()
            result = rotation.reencrypt(tenant.id, batch_size=batch_size, progress=progress)
            progress.finish()
            click.echo(f"  values re-encrypted: {result.rewritten}")
            if result.conflicts:
                click.echo(f"  rows changed meanwhile, left for the next run: {result.conflicts}")
            if result.unreadable:
                click.echo(f"  values that do not decrypt (damaged?): {result.unreadable}")
            remaining = rotation.values_under_retired_keys(tenant.id)
            leftover += remaining
            click.echo(f"  values still under retired keys: {remaining}")
        if drop_retired:
            dropped = rotation.drop_retired(tenant.id)
            click.echo(f"  retired data keys deleted: {len(dropped.dropped)}")
            if dropped.in_use:
                click.echo(f"  retired data keys kept, still in use: {len(dropped.in_use)}")
            if dropped.too_recent:
                click.echo(
                    f"  retired data keys kept, retired too recently: {len(dropped.too_recent)}"
                )
    if leftover:
        # Workers write with the active key they knew for up to 30 s after a rotation.
        click.echo(
            f"{leftover} values are still under retired keys (changed during the run, or "
            "written by a worker that had not seen the new key yet): run "
            "`dala keys rotate --reencrypt` again in a minute."
        )


@keys_group.command("status")
@click.option("--tenant", "slug", metavar="SLUG", help="One company (default: every company).")
@with_appcontext
@_operator_errors
def keys_status(slug: str | None) -> None:
    """Each company's keys: purpose, status, master key, values naming them (no secrets)."""
    from dala.storage.rotation import tenant_status

    for tenant in _tenants(slug):
        status = tenant_status(tenant)
        click.echo(click.style(f"{tenant.slug}", bold=True) + f"  {tenant.name}")
        for key in status.keys:
            master = "current master" if key.current_master else "OLD master"
            values = f"{key.values} values" if key.purpose == "data" else ""
            click.echo(
                f"  {key.purpose:<6} {key.status:<8} {key.id}  "
                f"{key.created_at:%Y-%m-%d %H:%M}  {master:<14} {values}".rstrip()
            )
        click.echo(f"  values under retired keys: {status.under_retired}")
        click.echo(f"  keys wrapped by an old master key: {status.old_master}")
        if status.unknown_values:
            click.echo(f"  values naming no key of the company: {status.unknown_values}")


@click.group("operator", help="Platform operators: the staff who sign in at /operator.")
def operator_group() -> None:
    pass


def _new_password(from_stdin: bool) -> str:
    """The new operator's password: a prompt asked twice, or stdin's first line (scripts)."""
    from dala.web.forms import PASSWORD_MAX, PASSWORD_MIN

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX or not password.strip():
        raise click.ClickException(
            f"use a password of {PASSWORD_MIN} to {PASSWORD_MAX} characters, not only spaces"
        )
    return password


def _valid_email(email: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise click.ClickException(f"not a valid e-mail address: {email!r}") from exc


@operator_group.command("create")
@click.option("--email", required=True, help="The operator's e-mail; they sign in with it.")
@click.option("--name", required=True, help="Their name, as companies' audit logs show it.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@with_appcontext
@_operator_errors
def operator_create(email: str, name: str, password_stdin: bool) -> None:
    """Create an operator who may sign in to the operator console."""
    from dala.db import get_session
    from dala.operators.services import create_operator

    address = _valid_email(email)
    if not name.strip() or len(name.strip()) > 120:
        raise click.ClickException("give a name of 1 to 120 characters")
    password = _new_password(password_stdin)
    session = get_session()
    operator = create_operator(session, email=address, name=name, password=password)
    session.commit()
    click.echo(f"operator {operator.email} created; they sign in at /operator/login")


@operator_group.command("list")
@with_appcontext
def operator_list() -> None:
    """Every operator: e-mail, name, whether they may sign in, last sign-in (UTC)."""
    from dala.db import get_session
    from dala.operators.services import list_operators

    operators = list_operators(get_session())
    if not operators:
        click.echo("no operators yet: add one with `dala operator create`")
        return
    width = max(len(o.email) for o in operators)
    for o in operators:
        state = "active" if o.is_active else "deactivated"
        seen = f"{o.last_login_at:%Y-%m-%d %H:%M} UTC" if o.last_login_at else "never signed in"
        click.echo(f"{o.email:<{width}}  {state:<11}  {seen:<20}  {o.name}")


@operator_group.command("deactivate")
@click.option("--email", required=True)
@with_appcontext
@_operator_errors
def operator_deactivate(email: str) -> None:
    """Stop an operator signing in; their open console sessions end at once."""
    from dala.db import get_session
    from dala.operators.services import deactivate_operator, get_operator_by_email

    session = get_session()
    operator = get_operator_by_email(session, email)
    deactivate_operator(session, operator)
    session.commit()
    click.echo(f"operator {operator.email} deactivated")


@click.group("files", help="Stored files (job attachments).")
def files_group() -> None:
    pass


@files_group.command("sweep")
@click.option("--tenant", "slug", metavar="SLUG", help="One company (default: every company).")
@with_appcontext
def files_sweep(slug: str | None) -> None:
    """Remove stored files no attachment uses any more and uploads from phones left unfinished
    for a day (run it daily, e.g. from cron)."""
    from dala.sync.blobs import sweep as sweep_uploads
    from dala.work.attachments import sweep

    for tenant in _tenants(slug):
        # Uploads first: a blob forgotten there leaves a file the second sweep removes.
        dropped = sweep_uploads(tenant.id)
        removed = sweep(tenant.id)
        click.echo(
            f"{tenant.slug}: {len(removed)} unused file(s) removed, "
            f"{dropped} unfinished upload(s) dropped"
        )


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


@click.command("worker")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1, max=64),
    help="Threads running tasks at once.",
)
@click.option(
    "--import",
    "imports",
    multiple=True,
    metavar="MODULE",
    help="Also import MODULE for the tasks it defines (core's and plug-ins' are known already).",
)
@with_appcontext
def worker(workers: int, imports: tuple[str, ...]) -> None:
    """Run background tasks from DALA_TASKS_URL until Ctrl+C or SIGTERM."""
    import importlib

    from dala.events.task_queue import queue_of

    cfg = current_app.config
    if cfg["TASKS_IMMEDIATE"]:
        raise click.ClickException(
            "DALA_TASKS_IMMEDIATE is on: tasks run where they are enqueued, no worker needed"
        )
    for module in imports:
        importlib.import_module(module)
    queue = queue_of(current_app)
    consumer = queue.consumer(workers)
    names = queue.register_all()
    periodic = queue.register_periodic()
    click.echo(
        f"worker: {workers} thread(s), queue {cfg['TASKS_NAME']!r} at "
        f"{_without_password(cfg['TASKS_URL'])}, {len(names)} task(s) known, "
        f"periodic: {', '.join(periodic) or 'none'}"
    )
    consumer.run()


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(files_group)
    app.cli.add_command(operator_group)
    app.cli.add_command(worker)


def main() -> None:
    from dala.app import create_app

    FlaskGroup(create_app=create_app, add_version_option=False)()
