"""Every hookspec is documented for plug-in authors and exercised by a test."""

from __future__ import annotations

import inspect
from pathlib import Path

from dala.modules import hookspecs

ROOT = Path(__file__).resolve().parents[1]


def _specs() -> list[str]:
    return [
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("dala_")
    ]


def test_every_hookspec_is_in_the_plugin_guide() -> None:
    guide = (ROOT / "docs" / "plugins.md").read_text()
    missing = [name for name in _specs() if f"### `{name}(" not in guide]
    assert not missing, f"document these hooks in docs/plugins.md: {missing}"


def test_every_hookspec_has_a_docstring_and_a_test() -> None:
    tests = "\n".join(
        p.read_text() for p in (ROOT / "tests").rglob("*.py") if p.name != Path(__file__).name
    )
    for name in _specs():
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name
        assert f"def {name}(" in tests, f"no test implements {name}"
