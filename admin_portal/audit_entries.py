"""A page of the audit log as people read it: who, what, and each changed field before → after.

The people and objects a page mentions (actors, branches, roles, tokens) are
looked up for the whole page at once, one query per kind, never per entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dala.audit.models import AuditEvent
from dala.audit.queries import user_names
from dala.auth.catalogue import BUILTIN_ROLE_LABELS
from dala.auth.models import ApiToken, Role
from dala.modules.manifest import Manifest
from dala.tenancy.models import Branch
from dala.web.shell import local_datetime

KIND_LABELS: dict[str, Any] = {
    "tenant": _l("Company"),
    "branch": _l("Branch"),
    "user": _l("User"),
    "role": _l("Role"),
    "role_assignment": _l("Role assignment"),
    "api_token": _l("API token"),
    "module": _l("Module"),
}
KIND_ICONS = {
    "tenant": "bi-building",
    "branch": "bi-geo-alt",
    "user": "bi-person",
    "role": "bi-shield-lock",
    "role_assignment": "bi-person-badge",
    "api_token": "bi-key",
    "module": "bi-puzzle",
}
ACTION_LABELS: dict[str, Any] = {
    "created": _l("Added"),
    "updated": _l("Changed"),
    "deleted": _l("Removed"),
}
SOURCE_LABELS: dict[str, Any] = {
    "web": _l("Web"),
    "app": _l("App"),
    "api": _l("API"),
    "system": _l("System"),
    "operator": _l("Dala staff"),
}
FIELD_LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "email": _l("E-mail"),
    "status": _l("Status"),
    "locale": _l("Language"),
    "timezone": _l("Time zone"),
    "currency": _l("Currency"),
    "address": _l("Address"),
    "slug": _l("Company ID"),
    "plan": _l("Plan"),
    "trial_ends_at": _l("Trial ends"),
    "key": _l("Key"),
    "description": _l("Description"),
    "role": _l("Role"),
    "user_id": _l("User"),
    "branch_id": _l("Branch"),
    "module": _l("Module"),
    "enabled": _l("Switched"),
    "settings": _l("Settings"),
    "updated_by": _l("Changed by"),
    "hint": _l("Ends with"),
    "expires_at": _l("Expires"),
    "revoked_at": _l("Revoked"),
}
#: Recorded fields holding a user's id.
_USER_FIELDS = frozenset({"user_id", "updated_by"})
_NOTHING = "—"


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    who: str
    by_person: bool  # a user of the company (else the system or Dala's staff)
    kind: str
    icon: str
    action: str
    source: str
    target: str  # the object's name or label, "" when nothing names it
    changes: list[FieldChange]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _recorded(event: AuditEvent, key: str) -> Any:
    """The field's value as the entry recorded it (after the change, else before)."""
    changes = event.changes or {}
    for side in ("after", "before"):
        values = changes.get(side) or {}
        if values.get(key) is not None:
            return values[key]
    return None


class _Names:
    """Names of everything one page of the log mentions, looked up together."""

    def __init__(self, session: Session, events: list[AuditEvent]) -> None:
        users: set[uuid.UUID] = set()
        branches: set[uuid.UUID] = set()
        roles: set[uuid.UUID] = set()
        role_keys: set[str] = set()
        tokens: set[uuid.UUID] = set()
        for event in events:
            if event.user_id is not None:
                users.add(event.user_id)
            target = _uuid(event.target_id)
            if target is not None:
                {"user": users, "branch": branches, "role": roles, "api_token": tokens}.get(
                    event.target_type, set()
                ).add(target)
            for side in ("before", "after", "scope"):
                for key, value in ((event.changes or {}).get(side) or {}).items():
                    found = _uuid(value) if isinstance(value, str) else None
                    if key in _USER_FIELDS and found:
                        users.add(found)
                    elif key == "branch_id" and found:
                        branches.add(found)
                    elif key == "role" and isinstance(value, str):
                        role_keys.add(value)
        self.users = user_names(session, users)
        self.branches = self._lookup(session, Branch.id, Branch.name, branches)
        self.tokens = self._lookup(session, ApiToken.id, ApiToken.name, tokens)
        self.roles: dict[uuid.UUID, str] = {}
        self.role_labels = {k: str(v) for k, v in BUILTIN_ROLE_LABELS.items()}
        custom = role_keys - set(self.role_labels)
        if roles or custom:
            query = select(Role.id, Role.key, Role.name).where(
                or_(Role.id.in_(roles), Role.key.in_(custom))
            )
            for role_id, key, name in session.execute(query):
                self.roles[role_id] = name
                self.role_labels.setdefault(key, name)

    @staticmethod
    def _lookup(session: Session, id_col: Any, name_col: Any, ids: set[uuid.UUID]) -> Any:
        if not ids:
            return {}
        query = select(id_col, name_col).where(id_col.in_(ids))
        return {object_id: name for object_id, name in session.execute(query)}

    def user(self, value: Any) -> str:
        found = _uuid(value)
        return self.users.get(found, str(_l("Unknown user"))) if found else _NOTHING

    def branch(self, value: Any) -> str:
        found = _uuid(value)
        return self.branches.get(found, str(_l("A removed branch"))) if found else _NOTHING


class _Page:
    def __init__(
        self,
        session: Session,
        events: list[AuditEvent],
        manifests: Mapping[str, Manifest],
        company: str,
        timezone: str,
    ) -> None:
        self.names = _Names(session, events)
        self.manifests = manifests
        self.company = company
        self.timezone = timezone

    def who(self, event: AuditEvent) -> tuple[str, bool]:
        if event.user_id is not None:
            return self.names.user(event.user_id), True
        # Dala's staff are named as they were then (the operator console records them).
        if event.actor:
            return event.actor, False
        return str(_l("System")), False

    def target(self, event: AuditEvent) -> str:
        kind, target = event.target_type, _uuid(event.target_id)
        if kind == "tenant":
            return str(_recorded(event, "name") or self.company)
        if kind == "module":
            manifest = self.manifests.get(event.target_id)
            label = str(manifest.label) if manifest is not None else event.target_id
            scope = (event.changes or {}).get("scope")
            if isinstance(scope, dict):  # recorded with every module entry
                branch = scope.get("branch_id")
                where = self.names.branch(branch) if branch else str(_l("Whole company"))
                return f"{label} · {where}"
            return label
        if kind == "role_assignment":
            role = _recorded(event, "role")
            parts = [
                self.names.role_labels.get(role, role) if role else "",
                self.names.user(_recorded(event, "user_id")) if _recorded(event, "user_id") else "",
            ]
            branch = _recorded(event, "branch_id")
            if _recorded(event, "user_id") is not None:
                parts.append(self.names.branch(branch) if branch else str(_l("All branches")))
            return " · ".join(p for p in parts if p)
        recorded = _recorded(event, "name")
        if recorded:
            return str(recorded)
        current = {
            "user": self.names.users,
            "branch": self.names.branches,
            "role": self.names.roles,
            "api_token": self.names.tokens,
        }.get(kind, {})
        return str(current.get(target, "")) if target else ""

    def value(self, event: AuditEvent, key: str, value: Any) -> str:
        if value is None and key == "enabled" and event.target_type == "module":
            return str(_l("As the wider scope says"))
        if value is None and key == "branch_id":
            # A module row or a role held for the whole company, not a missing branch.
            return str(_l("Whole company"))
        if value is None or value == {} or value == "":
            return _NOTHING
        if key == "enabled" and event.target_type == "module":
            return str(_l("On")) if value else str(_l("Off"))
        if isinstance(value, bool):
            return str(_l("Yes")) if value else str(_l("No"))
        if key in _USER_FIELDS:
            return self.names.user(value)
        if key == "branch_id":
            return self.names.branch(value)
        if key == "role" and isinstance(value, str):
            return self.names.role_labels.get(value, value)
        if key.endswith("_at") and isinstance(value, str):
            try:
                return local_datetime(datetime.fromisoformat(value), self.timezone)
            except ValueError:
                return value
        if key == "module" and isinstance(value, str) and value in self.manifests:
            return str(self.manifests[value].label)
        if key == "settings" and isinstance(value, dict):
            return self._settings(event.target_id, value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {v}" for k, v in value.items())
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    def _settings(self, module: str, values: dict[str, Any]) -> str:
        manifest = self.manifests.get(module)
        declared = {s.key: s for s in manifest.settings} if manifest is not None else {}
        shown = []
        for key, value in values.items():
            setting = declared.get(key)
            if setting is None:
                shown.append(f"{key}: {value}")
            elif setting.kind == "choice":
                shown.append(f"{setting.label}: {setting.choice_label(str(value))}")
            elif setting.kind == "boolean":
                shown.append(f"{setting.label}: {_l('Yes') if value else _l('No')}")
            else:
                shown.append(f"{setting.label}: {value}")
        return "; ".join(shown)

    def changes(self, event: AuditEvent) -> list[FieldChange]:
        before = (event.changes or {}).get("before") or {}
        after = (event.changes or {}).get("after") or {}
        keys = list(dict.fromkeys([*after, *before]))
        return [
            FieldChange(
                key,
                str(FIELD_LABELS.get(key, key.replace("_", " ").capitalize())),
                self.value(event, key, before[key]) if key in before else "",
                self.value(event, key, after[key]) if key in after else "",
            )
            for key in keys
        ]

    def entry(self, event: AuditEvent) -> Entry:
        who, by_person = self.who(event)
        return Entry(
            event=event,
            who=who,
            by_person=by_person,
            kind=str(KIND_LABELS.get(event.target_type, event.target_type)),
            icon=KIND_ICONS.get(event.target_type, "bi-journal-text"),
            action=str(ACTION_LABELS.get(event.action, event.action)),
            source=str(SOURCE_LABELS.get(event.source, event.source)),
            target=self.target(event),
            changes=self.changes(event),
        )


def entries(
    session: Session,
    events: Iterable[AuditEvent],
    *,
    manifests: Mapping[str, Manifest],
    company: str,
    timezone: str,
) -> list[Entry]:
    """``events`` (one page) ready to show, times of changed fields in ``timezone``."""
    listed = list(events)
    page = _Page(session, listed, manifests, company, timezone)
    return [page.entry(event) for event in listed]
