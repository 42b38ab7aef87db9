"""The application factory: config, database, extensions, API, CLI — in that order."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from dala.config import load_settings
from dala.tenancy import context


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Dala application; ``config`` overrides the ``DALA_*`` environment."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_settings(app.instance_path, config))
    # Refuse bodies beyond the largest upload before they are spooled to disk.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_ATTACHMENT_BYTES"] + 2**20

    from admin_portal import init_admin
    from dala import mail
    from dala.api import init_api
    from dala.api.errors import register_error_handlers
    from dala.audit import recorder
    from dala.auth.policy import PolicyStore
    from dala.auth.sessions import init_sessions
    from dala.cli import register_cli
    from dala.db import Database
    from dala.events.live import init_live
    from dala.events.task_queue import init_tasks
    from dala.extensions import csrf, limiter
    from dala.i18n import init_i18n
    from dala.modules.host import init_plugins, mount_plugins
    from dala.storage.keys import init_keyring
    from dala.sync import versions
    from dala.tenancy import scoping
    from dala.web.assets import init_assets
    from dala.web.shell import init_web

    db = Database(app)
    scoping.install(db.session_factory)
    recorder.install(db.session_factory)
    versions.install(db.session_factory)
    mail.install(app)
    init_tasks(app)
    init_live(app)
    init_plugins(app)
    init_keyring(app)
    app.extensions["dala.policy"] = PolicyStore(db.engine)

    app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)

    # Registered first: each request starts with no tenant, whatever the thread held.
    @app.before_request
    def _fresh_context() -> None:
        context.clear()

    @app.teardown_request
    def _forget_context(_exc: BaseException | None) -> None:
        context.clear()

    limiter.init_app(app)
    csrf.init_app(app)
    init_sessions(app)
    init_i18n(app)
    register_error_handlers(app)
    init_api(app)
    init_assets(app)
    init_web(app)
    init_admin(app)
    mount_plugins(app)
    register_cli(app)

    if app.config["PROXY_COUNT"]:
        # Client addresses (rate limits) and https (cookies, links) as the proxy saw them.
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app
