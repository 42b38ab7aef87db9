"""The operator console (/operator): the platform's staff look after every company.

Operators are not users of any company: they sign in at ``/operator/login``
with a session key of their own (``dala.operators``), a company user's session
opens none of these pages, and an operator's opens no company's pages.
"""

from __future__ import annotations

import importlib

from flask import Flask

#: The modules holding the console's views, imported once at start-up.
VIEW_MODULES = ("admin_portal.operator.auth", "admin_portal.operator.tenants")


def init_operator(app: Flask) -> None:
    from admin_portal.operator.blueprint import bp

    for name in VIEW_MODULES:
        importlib.import_module(name)
    app.register_blueprint(bp)
