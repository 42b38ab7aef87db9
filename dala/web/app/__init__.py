"""The technician app: an installable, offline-first web app served at ``/app``.

The server only hands out files: the shell page (with every string the app
shows, in all three languages), the web app manifest, the service worker and
the app's ES modules. Everything else happens in the browser: the jobs and the
outbox live in IndexedDB and travel through the sync API (``/api/v1/sync``,
``docs/sync-protocol.md``).
"""

from __future__ import annotations

from flask import Flask


def init_technician_app(app: Flask) -> None:
    """Register the app's routes; called once from ``init_web``."""
    from dala.web.app.views import bp, serve_static

    app.register_blueprint(bp)
    # A plain route, not the blueprint's static folder: its address has no object id,
    # like the vendor files, and it is served with the app's own cache headers.
    app.add_url_rule("/app/static/<path:filename>", "app_static", serve_static)
