"""The installed plug-ins' manifests: loadable, valid, consistent with core and each other.

The first-party modules are registered through the ``dala.plugins`` entry
points of the root ``pyproject.toml``, exactly as a vendor's plug-in is.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pluggy
import pytest

from dala.auth.catalogue import PERMISSION_KEYS
from dala.modules import hookspecs
from dala.modules.manifest import Layer, Level, Manifest
from tests.plugins.checks import manifest_of, manifest_problems, plugin_entry_points

ROOT = Path(__file__).resolve().parents[2]

FIRST_PARTY = ("dala_scheduling", "dala_tracking", "dala_messaging", "dala_crm", "dala_reporting")
INSTALLED = sorted(plugin_entry_points())

#: Layers by how early a module is on: a module may only need modules on at least as early.
ON_FROM_THE_START = {Layer.ESSENTIAL: 2, Layer.DEFAULT: 1, Layer.OPTIONAL: 0}


@pytest.fixture(scope="module")
def manifests() -> dict[str, Manifest]:
    found = {}
    for name, point in plugin_entry_points().items():
        found[name] = manifest_of(point.load())
    return found


def test_first_party_modules_are_registered_like_a_vendors() -> None:
    points = plugin_entry_points()
    for name in FIRST_PARTY:
        assert name in points, f"{name} is not installed (run `make install`)"
        assert points[name].value == f"{name}.plugin"
        assert points[name].dist is not None and points[name].dist.name == "dala"


def test_first_party_packages_import_from_any_folder(tmp_path: Path) -> None:
    # Installed packages, not the checkout's folders on sys.path.
    code = "; ".join(f"import {name}.plugin" for name in FIRST_PARTY)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", INSTALLED)
def test_entry_point_loads_and_declares_a_valid_manifest(name: str) -> None:
    module = plugin_entry_points()[name].load()
    manifest = manifest_of(module)
    assert manifest.name == name == module.__name__.partition(".")[0]
    assert manifest_problems(manifest) == []


def test_plugins_implement_only_hooks_core_specifies(manifests: dict[str, Manifest]) -> None:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name, point in plugin_entry_points().items():
        pm.register(point.load(), name=name)
    pm.check_pending()  # a misspelt hook or argument fails here
    assert len(pm.hook.dala_manifest()) == len(manifests)


def test_permissions_are_unique_and_apart_from_cores(manifests: dict[str, Manifest]) -> None:
    owner_of_resource: dict[str, str] = {}
    for name, manifest in manifests.items():
        for perm in manifest.permissions:
            assert f"{perm.resource}:{perm.action}" not in PERMISSION_KEYS
            # Each module has resources of its own, so keys never collide between modules.
            assert owner_of_resource.setdefault(perm.resource, name) == name, perm.resource


def test_dependencies_name_installed_modules(manifests: dict[str, Manifest]) -> None:
    for name, manifest in manifests.items():
        missing = [d for d in manifest.depends if d not in manifests]
        assert not missing, f"{name} depends on modules that are not installed: {missing}"


def test_dependencies_have_no_cycle(manifests: dict[str, Manifest]) -> None:
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, "dependency cycle: " + " -> ".join((*path, name))
        if name in done:
            return
        for needed in manifests[name].depends:
            if needed in manifests:
                visit(needed, (*path, name))
        done.add(name)

    for name in manifests:
        visit(name, ())


def test_a_module_on_from_the_start_needs_only_modules_on_from_the_start(
    manifests: dict[str, Manifest],
) -> None:
    # A default module needing an optional one would start on, for a new company, without it.
    for name, manifest in manifests.items():
        for needed in manifest.depends:
            dependency = manifests[needed]
            assert ON_FROM_THE_START[dependency.layer] >= ON_FROM_THE_START[manifest.layer], (
                f"{name} ({manifest.layer}) needs {needed} ({dependency.layer})"
            )


def test_first_party_modules_as_the_product_describes_them(
    manifests: dict[str, Manifest],
) -> None:
    declared = {
        name: (manifests[name].level, manifests[name].layer, manifests[name].depends)
        for name in FIRST_PARTY
    }
    assert declared == {
        "dala_scheduling": (Level.BRANCH, Layer.DEFAULT, ()),
        # Arrival times and lateness are measured against scheduling's plan.
        "dala_tracking": (Level.BRANCH, Layer.OPTIONAL, ("dala_scheduling",)),
        "dala_messaging": (Level.BOTH, Layer.OPTIONAL, ()),
        "dala_crm": (Level.TENANT, Layer.OPTIONAL, ()),
        "dala_reporting": (Level.BOTH, Layer.DEFAULT, ()),
    }
    for name in FIRST_PARTY:
        manifest = manifests[name]
        assert manifest.version == "0.1.0" and manifest.vendor == "Dala"
        assert manifest.permissions and manifest.settings and manifest.meters, name


def test_first_party_modules_bring_no_placeholder_pages() -> None:
    # Their pages, API and navigation come with their features (their own issues);
    # scheduling has its board, calendar, map and API now.
    points = plugin_entry_points()
    for name in set(FIRST_PARTY) - {"dala_scheduling"}:
        module = points[name].load()
        hooks = {n for n in vars(module) if n.startswith("dala_") and callable(vars(module)[n])}
        assert hooks == {"dala_manifest"}, name


def test_core_never_imports_a_plugin() -> None:
    plugins = set(plugin_entry_points())
    offenders = []
    for path in (ROOT / "dala").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            offenders += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n.partition(".")[0] in plugins
            ]
    assert offenders == []
