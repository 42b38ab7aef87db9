"""Blind indexes: one digest for every common way of writing the same value."""

from __future__ import annotations

import pytest

from dala.storage.blind_index import (
    blind_index,
    name_tokens,
    normalise_email,
    normalise_phone,
    token_terms,
)

KEY, OTHER_KEY = b"k" * 32, b"o" * 32


@pytest.mark.parametrize(
    "written",
    ["+7 701 123 45 67", "87011234567", "7011234567", "8 (701) 123-45-67", "+77011234567"],
)
def test_kazakh_mobile_numbers_in_any_common_format_normalise_alike(written: str) -> None:
    assert normalise_phone(written, "KZ") == "+77011234567"


def test_unusable_phone_numbers_are_not_indexed() -> None:
    assert normalise_phone("12", "KZ") is None
    assert normalise_phone("call me", "KZ") is None


def test_emails_fold_case_and_need_an_at_sign() -> None:
    assert normalise_email("  Aigerim@Example.KZ ") == "aigerim@example.kz"
    assert normalise_email("not an address") is None


def test_name_tokens_fold_case_accents_and_yo_but_keep_kazakh_letters() -> None:
    assert name_tokens("Айгерим  Сәдуақасова-Ёлкина") == ["айгерим", "сәдуақасова", "елкина"]
    assert name_tokens("José MÜLLER josé") == ["jose", "muller"]
    assert name_tokens("Йосиф Қайрат") == ["йосиф", "қайрат"]


def test_token_terms_cover_prefixes_from_three_letters() -> None:
    terms = token_terms("Aigerim Omarova")
    assert {"aig", "aigerim", "oma", "omarova"} <= terms
    assert "ai" not in terms


def test_digests_are_keyed_and_kind_separated() -> None:
    a = blind_index(KEY, "phone", "+77011234567")
    assert a == blind_index(KEY, "phone", "+77011234567")
    assert a != blind_index(OTHER_KEY, "phone", "+77011234567")
    assert a != blind_index(KEY, "name", "+77011234567")
    assert "7011234567" not in a and len(a) == 32
