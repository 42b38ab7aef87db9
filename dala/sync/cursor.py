"""The pull cursor: where a phone's copy of the technician's jobs stands, as an opaque token.

It is ``base64url("v1:<version>:<issued>")``, or ``"v1:<version>:<issued>:<job id>"``
inside a paged answer. ``version`` is a change version (``tenants.sync_seq``): the
phone holds every change up to it. ``issued`` is the server's clock when the cursor
was made (Unix seconds), used only to drop jobs that have since aged out of the
technician's 7-day window, never to order changes. ``job id`` says how far a page
got among the jobs of ``version`` when one version stamped more jobs than a page holds.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

_FORMAT = "v1"
#: Longer strings are not cursors this server made; they are not even decoded.
_MAX_LENGTH = 200


@dataclass(frozen=True)
class Cursor:
    version: int
    issued: datetime
    after: uuid.UUID | None = None

    def encode(self) -> str:
        parts = [_FORMAT, str(self.version), str(int(self.issued.timestamp()))]
        if self.after is not None:
            parts.append(self.after.hex)
        return base64.urlsafe_b64encode(":".join(parts).encode()).decode().rstrip("=")


def decode(raw: str | None) -> Cursor | None:
    """The cursor ``raw`` stands for, or None for no cursor or one this server did not make."""
    if not raw or len(raw) > _MAX_LENGTH:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    parts = text.split(":")
    if parts[0] != _FORMAT or len(parts) not in (3, 4):
        return None
    version, issued = parts[1], parts[2]
    if not (version.isdigit() and issued.isdigit()):
        return None
    try:
        after = uuid.UUID(hex=parts[3]) if len(parts) == 4 else None
        when = datetime.fromtimestamp(int(issued), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return Cursor(int(version), when, after)
