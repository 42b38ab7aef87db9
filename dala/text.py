"""Text no database can store: NUL (PostgreSQL ``text`` refuses it) and lone surrogates."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def unstorable_message() -> str:
    return str(_l("Must not contain NUL or unpaired surrogate characters."))
