"""Defaults a branch derives from its time zone, and the values Dala accepts."""

from __future__ import annotations

import zoneinfo
from functools import cache

from babel.core import get_global
from babel.numbers import get_territory_currencies, list_currencies

SUPPORTED_LOCALES = ("en", "ru", "kk")

_TERRITORY_LOCALES = {"KZ": "kk", "RU": "ru", "BY": "ru", "KG": "ru"}


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_timezone(name: str) -> bool:
    return name in known_timezones()


def is_currency(code: str) -> bool:
    return code in known_currencies()


def country_for_timezone(timezone: str) -> str | None:
    """The ISO country of a time zone (``Asia/Almaty`` -> ``KZ``), e.g. to read phone numbers."""
    territory: str | None = get_global("zone_territories").get(timezone)
    return territory if territory and territory != "001" else None


def defaults_for_timezone(timezone: str) -> tuple[str, str]:
    """(currency, locale) a company in ``timezone`` most likely uses."""
    territory = get_global("zone_territories").get(timezone)
    currencies = get_territory_currencies(territory) if territory else []
    currency = currencies[0] if currencies else "USD"
    return currency, _TERRITORY_LOCALES.get(territory or "", "en")
