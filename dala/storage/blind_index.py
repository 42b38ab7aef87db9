"""Keyed blind indexes: search encrypted fields by exact value or name-token prefix.

Each searchable value is normalised (e-mail lower-cased, phone to E.164, names
folded into tokens) and stored only as an HMAC under the tenant's index key, so
equal inputs match without any plaintext in the database. Name tokens also get
their prefixes indexed, which makes "aig" find "Aigerim".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

import phonenumbers

#: Prefixes shorter than this are too common to be worth an index entry.
MIN_PREFIX = 3
#: Longer prefixes are rarely typed; the full token is always indexed.
MAX_PREFIX = 12

_TOKEN_SPLIT = re.compile(r"[^\w]+", re.UNICODE)


def normalise_email(value: str) -> str | None:
    text = value.strip().lower()
    return text if "@" in text else None


def normalise_phone(value: str, region: str) -> str | None:
    """E.164 (``+77011234567``) for any common way of writing the number, else None.

    ``region`` is the ISO country of the branch (``KZ``), which decides what a
    number without a country code, or with a trunk prefix such as ``8``, means.
    """
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def name_tokens(value: str) -> list[str]:
    """Case- and accent-folded words of a name (Cyrillic yo as ie), in order, without repeats."""
    folded = unicodedata.normalize("NFKC", value).casefold().replace("\u0451", "\u0435")
    decomposed = unicodedata.normalize("NFKD", folded)
    # Drop combining marks, but keep Cyrillic letters whole (й is и + breve).
    plain = unicodedata.normalize(
        "NFC",
        "".join(
            ch
            for i, ch in enumerate(decomposed)
            if not unicodedata.combining(ch) or _keeps_mark(decomposed, i)
        ),
    )
    seen: dict[str, None] = {}
    for token in _TOKEN_SPLIT.split(plain):
        if token:
            seen.setdefault(token, None)
    return list(seen)


def _keeps_mark(text: str, index: int) -> bool:
    base = text[index - 1] if index else ""
    return "CYRILLIC" in unicodedata.name(base, "")


def token_terms(value: str) -> set[str]:
    """Every term a name is findable by: each token and its prefixes."""
    terms: set[str] = set()
    for token in name_tokens(value):
        terms.add(token)
        terms.update(token[:n] for n in range(MIN_PREFIX, min(len(token), MAX_PREFIX) + 1))
    return terms


def blind_index(index_key: bytes, kind: str, term: str) -> str:
    """The stored, keyed digest of one normalised term of a given kind (email, phone, name)."""
    mac = hmac.new(index_key, f"{kind}\x00{term}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]
