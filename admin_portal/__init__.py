"""The admin portal: the tenant admin's pages under /admin, sign-up, and the operator console.

Server-rendered (Jinja + htmx, Bootstrap from npm) on the portal shell of
``dala.web``; every page calls the same services as the REST API, so what an
admin does here an integration can do there.
"""

from __future__ import annotations

from flask import Flask


def init_admin(app: Flask) -> None:
    """Register the admin portal's pages and its menu entry; called from ``create_app``."""
    from admin_portal import sections, signup
    from admin_portal.blueprint import bp
    from admin_portal.operator import init_operator

    sections.load_views()
    app.register_blueprint(bp)
    sections.add_menu_entry(app)
    app.register_blueprint(signup.bp)
    init_operator(app)
