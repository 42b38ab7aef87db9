"""Installed plug-ins as the deploy tools see them, without an app (migrations)."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from pathlib import Path

from dala.modules.manifest import Manifest

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "dala.plugins"


def installed_manifests() -> list[Manifest]:
    """The manifest of every installed plug-in (``dala_manifest`` of its entry point)."""
    manifests = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            module = point.load()
            declare = getattr(module, "dala_manifest", None)
            if declare is not None:
                manifests.append(declare())
        except Exception:
            log.exception("plug-in %r could not be loaded", point.name)
    return manifests


def migration_folders() -> list[Path]:
    """The Alembic version folders of installed plug-ins that have tables."""
    return [m.migrations for m in installed_manifests() if m.migrations is not None]
