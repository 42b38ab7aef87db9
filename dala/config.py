"""Settings: defaults, overridden by ``DALA_*`` environment variables, then by a mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dala.errors import ConfigurationError

INSECURE_SECRET_KEYS = frozenset({"", "dev", "change-me", "secret", "changeme"})

DEFAULTS: dict[str, Any] = {
    "DEBUG": False,
    "TESTING": False,
    "SECRET_KEY": "",
    # The application's own connection; on PostgreSQL a role that neither owns
    # the tables nor has BYPASSRLS, so row-level security holds.
    "DATABASE_URL": "",
    # Migrations run as the owner of the tables (defaults to DATABASE_URL).
    "MIGRATION_DATABASE_URL": "",
    # PostgreSQL role the migrations grant table privileges to.
    "DB_APP_ROLE": "",
    # Allow an application role that bypasses row-level security (never in production).
    "ALLOW_RLS_BYPASS": False,
    "SQL_ECHO": False,
    # Redis for rate limits, the task queue and live updates (each unless set on its own).
    "REDIS_URL": "",
    # Background tasks' storage: redis://..., sqlite:///path, memory:// (one process only).
    # Default: REDIS_URL if set, else instance/tasks.db.
    "TASKS_URL": "",
    # The queue's name in its storage (several installations may share one Redis).
    "TASKS_NAME": "dala",
    # Run each task at once in the enqueuing thread, no worker needed (tests, debugging).
    "TASKS_IMMEDIATE": False,
    # How long a task's progress and result stay readable after its last change.
    "TASKS_STATUS_TTL_HOURS": 72,
    # Live updates' fan-out between processes: redis://..., sqlite:///path, memory:// (within
    # one process). Default: REDIS_URL if set, else instance/live.db.
    "LIVE_URL": "",
    # Seconds between keep-alive comments on an idle live stream.
    "LIVE_HEARTBEAT_SECONDS": 15,
    # A road-network routing server speaking OSRM's HTTP API (e.g. http://osrm:5000) for the
    # planner's and the board's travel times; empty: straight-line distance at each branch's
    # average speed. Valhalla and others plug in behind the same TravelModel interface.
    "OSRM_URL": "",
    "OSRM_PROFILE": "driving",
    # Seconds the optimiser searches when a dispatcher plans a day ("Plan the day"); automatic
    # re-planning after a change keeps its own short budget.
    "SCHEDULING_PLAN_SECONDS": 5.0,
    # Map tiles of the dispatch map ({z}/{x}/{y} URL template); empty: no tiles are loaded.
    "MAP_TILE_URL": "",
    # The tile provider's attribution, shown on the map (HTML as the provider gives it).
    "MAP_TILE_ATTRIBUTION": "",
    # Key-encryption key (base64 of 32 random bytes) wrapping every tenant key.
    "MASTER_KEY": "",
    # Earlier master keys, comma-separated, still accepted while `dala keys rotate` runs.
    "OLD_MASTER_KEYS": "",
    # Plug-ins (entry-point names) the operator refuses to load, comma-separated.
    "PLUGINS_BLOCKED": "",
    # Load no installed plug-in at all (to start a server a broken plug-in brings down).
    "SAFE_MODE": False,
    # Log every plug-in hook call (debugging).
    "PLUGIN_TRACE": False,
    # Where job attachments are stored, encrypted, by content (default: instance/files).
    "FILES_DIR": "",
    "MAX_ATTACHMENT_BYTES": 25 * 1024 * 1024,
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "SIGNUP_RATE_LIMIT": "20 per hour",
    # Per client address across all accounts, on sign-in and password-reset forms.
    "CLIENT_RATE_LIMIT": "30 per minute;300 per hour",
    "RESET_RATE_LIMIT": "5 per minute;20 per hour",
    "PUBLIC_URL": "http://127.0.0.1:5000",
    "TRIAL_DAYS": 14,
    "TOKEN_TTL_DAYS": 30,
    "TOKEN_MAX_TTL_DAYS": 365,
    "PASSWORD_RESET_TTL_MINUTES": 60,
    "INVITE_TTL_HOURS": 72,
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "MAIL_FROM": "Dala <no-reply@dala.localhost>",
    # Without SMTP, outgoing mail is written here as .eml files (demo).
    "MAIL_OUTBOX_DIR": "",
    "SESSION_COOKIE_SECURE": True,
    # Reverse proxies in front of the app whose X-Forwarded-* headers to trust (0: none).
    "PROXY_COUNT": 0,
    "DEFAULT_LOCALE": "en",
    # Fault injection for tests and operations drills, never for normal running: when set
    # to N > 0, a sync push kills its own process (SIGKILL) after applying N mutations of
    # a batch, before the commit, to prove a crash mid-batch leaves nothing half-applied.
    "SYNC_CRASH_AFTER": 0,
}

_BOOL_TRUE = {"1", "true", "yes", "on"}


def _coerce(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in _BOOL_TRUE
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load_settings(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings: defaults < ``DALA_<NAME>`` environment variables < ``overrides``."""
    settings = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        raw = os.environ.get(f"DALA_{name}")
        if raw is not None:
            try:
                settings[name] = _coerce(default, raw)
            except ValueError as exc:
                raise ConfigurationError(f"DALA_{name}: {exc}") from exc
    if overrides:
        settings.update(overrides)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "dala.db")
    if isinstance(settings["PLUGINS_BLOCKED"], str):
        settings["PLUGINS_BLOCKED"] = [
            n.strip() for n in settings["PLUGINS_BLOCKED"].split(",") if n.strip()
        ]
    if not settings["FILES_DIR"]:
        settings["FILES_DIR"] = str(Path(instance_path) / "files")
    if not settings["TASKS_URL"]:
        settings["TASKS_URL"] = settings["REDIS_URL"] or "sqlite:///" + str(
            Path(instance_path) / "tasks.db"
        )
    if not settings["LIVE_URL"]:
        settings["LIVE_URL"] = settings["REDIS_URL"] or "sqlite:///" + str(
            Path(instance_path) / "live.db"
        )
    if not settings["MIGRATION_DATABASE_URL"]:
        settings["MIGRATION_DATABASE_URL"] = settings["DATABASE_URL"]
    if settings["DEBUG"] or settings["TESTING"]:
        settings["SESSION_COOKIE_SECURE"] = bool(
            (overrides or {}).get("SESSION_COOKIE_SECURE", False)
        )
    check_secret_key(settings)
    if not settings["SECRET_KEY"]:
        # Debug/testing only (production refused above): sessions last until a restart.
        settings["SECRET_KEY"] = secrets.token_urlsafe(48)
    return settings


def check_secret_key(settings: Mapping[str, Any]) -> None:
    """Refuse to start outside debug/testing with a missing or well-known secret key."""
    if settings["DEBUG"] or settings["TESTING"]:
        return
    key = str(settings.get("SECRET_KEY") or "")
    if key.lower() in INSECURE_SECRET_KEYS or len(key) < 32:
        raise ConfigurationError(
            "DALA_SECRET_KEY is missing or insecure: set it to a random value of at least "
            "32 characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )


def sqlite_file(url: str, setting: str) -> str:
    """The file of an ``sqlite:///path`` URL given for ``setting`` (tasks, live updates)."""
    path = url.removeprefix("sqlite:///")
    if not path or path == url:
        raise ConfigurationError(f"DALA_{setting}: not an sqlite:///path URL: {url!r}")
    return path
