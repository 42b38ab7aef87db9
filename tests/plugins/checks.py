"""What every plug-in's manifest must satisfy: shared by the first-party and vendor tests."""

from __future__ import annotations

import re
from collections import Counter
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from dala.auth.catalogue import PERMISSIONS
from dala.modules.discovery import ENTRY_POINT_GROUP
from dala.modules.manifest import CORE_API_VERSION, Layer, Level, Manifest, Setting

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
CORE_RESOURCES = frozenset(p.resource for p in PERMISSIONS)


def plugin_entry_points() -> dict[str, EntryPoint]:
    """Installed entry points of the ``dala.plugins`` group, by name."""
    return {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}


def manifest_of(module: ModuleType) -> Manifest:
    """What the plug-in module's ``dala_manifest`` hook returns."""
    manifest = module.dala_manifest()
    assert isinstance(manifest, Manifest), f"{module.__name__}: not a Manifest"
    return manifest


def _duplicates(keys: list[str]) -> list[str]:
    return sorted(k for k, n in Counter(keys).items() if n > 1)


def setting_problems(setting: Setting) -> list[str]:
    """Why the setting's declaration or default does not hold (empty when it does)."""
    key, default = setting.key, setting.default
    problems = []
    if not IDENTIFIER.match(key):
        problems.append(f"setting key {key!r} is not a lower-case identifier")
    if not str(setting.label):
        problems.append(f"setting {key!r} has no label")
    bounded = setting.minimum is not None or setting.maximum is not None
    if setting.kind != "integer" and bounded:
        problems.append(f"setting {key!r}: only integers take a minimum or maximum")
    if setting.kind != "choice" and setting.choices:
        problems.append(f"setting {key!r}: only a choice takes choices")
    unknown = sorted(set(setting.choice_labels) - set(setting.choices))
    if unknown:
        problems.append(f"setting {key!r}: labels for values it does not offer: {unknown}")
    if any(not str(label) for label in setting.choice_labels.values()):
        problems.append(f"setting {key!r}: an empty choice label")
    if setting.kind == "string":
        if not isinstance(default, str):
            problems.append(f"setting {key!r}: default {default!r} is not a string")
    elif setting.kind == "boolean":
        if not isinstance(default, bool):
            problems.append(f"setting {key!r}: default {default!r} is not true or false")
    elif setting.kind == "integer":
        if not isinstance(default, int) or isinstance(default, bool):
            problems.append(f"setting {key!r}: default {default!r} is not a whole number")
        elif (setting.minimum is not None and default < setting.minimum) or (
            setting.maximum is not None and default > setting.maximum
        ):
            problems.append(f"setting {key!r}: default {default} is out of its bounds")
        if (
            setting.minimum is not None
            and setting.maximum is not None
            and setting.minimum > setting.maximum
        ):
            problems.append(f"setting {key!r}: minimum above maximum")
    elif setting.kind == "choice":
        if len(setting.choices) < 2 or len(set(setting.choices)) != len(setting.choices):
            problems.append(f"setting {key!r}: a choice needs two or more distinct choices")
        if default not in setting.choices:
            problems.append(f"setting {key!r}: default {default!r} is not one of its choices")
    else:
        problems.append(f"setting {key!r}: unknown kind {setting.kind!r}")
    return problems


def manifest_problems(manifest: Manifest) -> list[str]:
    """Why the manifest does not hold on its own (empty when it does)."""
    problems = []
    if not IDENTIFIER.match(manifest.name):
        problems.append(f"name {manifest.name!r} is not an importable package name")
    if not str(manifest.label) or not str(manifest.description):
        problems.append("a module needs a label and a description")
    if not VERSION.match(manifest.version):
        problems.append(f"version {manifest.version!r} is not MAJOR.MINOR.PATCH")
    if CORE_API_VERSION not in manifest.core_api:
        problems.append(f"needs core API {manifest.core_api}, core is {CORE_API_VERSION}")
    if not isinstance(manifest.level, Level):
        problems.append(f"level {manifest.level!r} is not a Level")
    # Essential parts are core's (tenancy, auth, billing, storage); a plug-in can be
    # switched off.
    if manifest.layer not in (Layer.DEFAULT, Layer.OPTIONAL):
        problems.append(f"layer {manifest.layer!r}: a plug-in is default or optional")
    if manifest.name in manifest.depends:
        problems.append("depends on itself")

    keys = [f"{p.resource}:{p.action}" for p in manifest.permissions]
    problems += [f"permission {k} declared twice" for k in _duplicates(keys)]
    for perm in manifest.permissions:
        if not (IDENTIFIER.match(perm.resource) and IDENTIFIER.match(perm.action)):
            problems.append(f"permission {perm.resource}:{perm.action} is not resource:action")
        if perm.resource in CORE_RESOURCES:
            problems.append(f"permission {perm.resource}:{perm.action} uses a core resource")
        if not str(perm.label):
            problems.append(f"permission {perm.resource}:{perm.action} has no label")

    problems += [
        f"setting {k} declared twice" for k in _duplicates([s.key for s in manifest.settings])
    ]
    for setting in manifest.settings:
        problems += setting_problems(setting)

    problems += [f"meter {k} declared twice" for k in _duplicates([m.key for m in manifest.meters])]
    for meter in manifest.meters:
        if not IDENTIFIER.match(meter.key) or not meter.unit or not str(meter.label):
            problems.append(f"meter {meter.key!r} needs an identifier key, a label and a unit")

    if manifest.migrations is not None and not manifest.migrations.is_dir():
        problems.append(f"migrations folder {manifest.migrations} does not exist")
    return problems
