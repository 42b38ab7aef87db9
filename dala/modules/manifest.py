"""What a plug-in declares about itself: the manifest the host, the admin portal and
billing read (name, version, dependencies, level, permissions, settings, meters)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The version of the core API plug-ins are written against; a manifest names the
#: major versions it works with.
CORE_API_VERSION = 1


class Level(enum.StrEnum):
    """Where a module is switched on: for the whole company, per branch, or both
    (company default with per-branch overrides)."""

    TENANT = "tenant"
    BRANCH = "branch"
    BOTH = "both"


class Layer(enum.StrEnum):
    """As pytest's plug-in layers: essential ones cannot be switched off; default ones
    start on for a new company; optional ones start off."""

    ESSENTIAL = "essential"
    DEFAULT = "default"
    OPTIONAL = "optional"


@dataclass(frozen=True)
class Setting:
    """One setting of a module, resolved branch → company → ``default``.

    ``kind`` is ``string``, ``integer``, ``boolean`` or ``choice`` (one of
    ``choices``); integers may be bounded by ``minimum``/``maximum``. A choice's
    values are what is stored and what the API takes; ``choice_labels`` names
    them for people (lazy strings, by value; a value without one shows as itself).
    """

    key: str
    kind: str
    default: Any
    label: object  # a lazy string for the settings form
    help: object = ""
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    choice_labels: Mapping[str, object] = field(default_factory=dict)

    def choice_label(self, value: str) -> str:
        """How ``value`` (one of ``choices``) reads in the current language."""
        return str(self.choice_labels.get(value, value))

    def labelled_choices(self) -> list[tuple[str, str]]:
        """``(value, label)`` of every choice, in declaration order."""
        return [(value, self.choice_label(value)) for value in self.choices]


@dataclass(frozen=True)
class ModulePermission:
    """A permission the module adds to the catalogue (role editor, Casbin).

    Owners and admins always hold it; ``roles`` names the other built-in roles
    that do (e.g. ``("dispatcher", "branch_admin")``).
    """

    resource: str
    action: str
    label: object
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Meter:
    """A usage meter billing counts (``unit`` as shown on invoices)."""

    key: str
    label: object
    unit: str


@dataclass(frozen=True)
class Manifest:
    """A plug-in's declaration, returned by its ``dala_manifest`` hook."""

    name: str  # the importable package name, e.g. "dala_scheduling"
    label: object
    version: str
    description: object = ""
    core_api: tuple[int, ...] = (CORE_API_VERSION,)
    depends: tuple[str, ...] = ()
    level: Level = Level.BRANCH
    layer: Layer = Layer.OPTIONAL
    permissions: tuple[ModulePermission, ...] = ()
    settings: tuple[Setting, ...] = ()
    meters: tuple[Meter, ...] = ()
    # The folder of the module's own Alembic branch (its tables), if it has any.
    migrations: Path | None = None
    # The folder of the module's own message catalogues, its translation domain named
    # after the module: <folder>/<locale>/LC_MESSAGES/<name>.mo (see docs/plugins.md).
    translations: Path | None = None
    vendor: str = "Dala"
    extra: dict[str, Any] = field(default_factory=dict)
