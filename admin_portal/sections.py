"""The admin portal's sections: the side menu of /admin and the main menu's entry to it.

A section shows for a user who holds its permission in the current branch
(or company-wide); the portal's main menu shows "Administration" when any
section does.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from flask import Flask, g, request, url_for
from flask_babel import lazy_gettext as _l

from dala.web.shell import NavItem, add_nav_item

#: The modules holding the sections' views, imported once at start-up.
VIEW_MODULES = (
    "admin_portal.branches",
    "admin_portal.users",
    "admin_portal.roles",
    "admin_portal.modules",
    "admin_portal.tokens",
    "admin_portal.audit",
)


@dataclass(frozen=True)
class Section:
    endpoint: str
    label: object
    icon: str
    permission: str

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def active(self) -> bool:
        # Every view of a section has an endpoint starting with the section's
        # ("admin.users", "admin.users_invite", ...).
        return (request.endpoint or "").split("_")[0] == self.endpoint.split("_")[0]


SECTIONS: list[Section] = [
    Section("admin.branches", _l("Branches"), "bi-geo-alt", "branch:read"),
    Section("admin.users", _l("Users"), "bi-people", "user:read"),
    Section("admin.roles", _l("Roles"), "bi-shield-lock", "role:read"),
    Section("admin.modules", _l("Modules"), "bi-puzzle", "module:read"),
    Section("admin.tokens", _l("API tokens"), "bi-key", "token:read"),
    Section("admin.audit", _l("Audit log"), "bi-journal-text", "audit:read"),
]


def visible_sections() -> list[Section]:
    """The sections the signed-in user may open (in the branch they work in)."""
    from dala.tenancy import context

    principal = g.get("principal")
    if principal is None:
        return []
    branch_id = context.current_branch_id()
    return [
        s
        for s in SECTIONS
        if principal.can(s.permission, branch_id) or principal.can(s.permission, None)
    ]


def load_views() -> None:
    for name in VIEW_MODULES:
        importlib.import_module(name)


def add_menu_entry(app: Flask) -> None:
    add_nav_item(
        app,
        NavItem(
            _l("Administration"),
            "bi-gear",
            endpoint="admin.index",
            visible=lambda: bool(visible_sections()),
        ),
    )
    app.context_processor(lambda: {"admin_sections": visible_sections})
