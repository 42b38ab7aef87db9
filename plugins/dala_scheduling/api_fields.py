"""Fields the scheduling API shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class UtcTime(ma.fields.DateTime):
    """A time written in UTC with ``Z``, like the board's times; read as ISO 8601.

    It keeps marshmallow's ISO format underneath: a strftime format of its own
    would leave the OpenAPI document's ``format`` empty, which readers refuse.
    """

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime(UTC_FORMAT)


def utc(*, allow_none: bool = False) -> ma.fields.DateTime:
    return UtcTime(allow_none=allow_none)
