"""ETags from each object's version; ``If-Match`` on updates, 412 when stale."""

from __future__ import annotations

from typing import Protocol

from flask import request
from flask_babel import gettext as _

from dala.errors import PreconditionFailed


class Versioned(Protocol):
    version: int


def etag_of(obj: Versioned) -> str:
    return f'"{obj.version}"'


def etag_headers(obj: Versioned) -> dict[str, str]:
    return {"ETag": etag_of(obj)}


def check_if_match(obj: Versioned) -> None:
    """Raise 412 when the client's ``If-Match`` names another version of ``obj``."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in wanted or etag_of(obj) in wanted:
        return
    raise PreconditionFailed(
        _("The object was changed since you read it; reload it and try again."),
        headers={"ETag": etag_of(obj)},
    )
