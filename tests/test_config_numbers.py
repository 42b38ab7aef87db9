"""Numeric settings from the environment: whole and fractional numbers, refused when not numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from dala.config import load_settings
from dala.errors import ConfigurationError

SECRET = "a-secret-key-that-is-certainly-long-enough-for-the-check"


def test_plan_seconds_take_a_fraction_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DALA_SECRET_KEY", SECRET)
    monkeypatch.setenv("DALA_SCHEDULING_PLAN_SECONDS", "2.5")
    assert load_settings(str(tmp_path))["SCHEDULING_PLAN_SECONDS"] == 2.5


def test_a_setting_that_is_no_number_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DALA_SECRET_KEY", SECRET)
    monkeypatch.setenv("DALA_SCHEDULING_PLAN_SECONDS", "five")
    with pytest.raises(ConfigurationError, match="DALA_SCHEDULING_PLAN_SECONDS"):
        load_settings(str(tmp_path))
