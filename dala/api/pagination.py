"""Page/page_size pagination with the total, for every list endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import marshmallow as ma
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PAGE_SIZE = 100

T = TypeVar("T")


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(
        load_default=25, validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE)
    )


_PAGE_SCHEMAS: dict[str, type[ma.Schema]] = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The envelope schema ``{items, page, page_size, total}`` for ``item_schema``."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _PAGE_SCHEMAS:
        _PAGE_SCHEMAS[name] = type(
            name,
            (ma.Schema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
                "page": ma.fields.Integer(required=True),
                "page_size": ma.fields.Integer(required=True),
                "total": ma.fields.Integer(required=True),
            },
        )
    return _PAGE_SCHEMAS[name]


def paginate_items(items: Sequence[T], args: dict[str, Any]) -> dict[str, Any]:
    """One page of a short list held in memory (catalogues, role templates)."""
    page, size = args["page"], args["page_size"]
    offset = (page - 1) * size
    return {
        "items": list(items[offset : offset + size]),
        "page": page,
        "page_size": size,
        "total": len(items),
    }


def paginate(session: Session, query: Select[Any], args: dict[str, Any]) -> dict[str, Any]:
    """Run ``query`` for one page; ``query`` must be ordered.

    A page that comes back short tells the total by itself, so the count query
    runs only when the page is full (or past the end).
    """
    page, size = args["page"], args["page_size"]
    offset = (page - 1) * size
    items = session.scalars(query.limit(size).offset(offset)).all()
    if 0 < len(items) < size or (page == 1 and not items):
        total = offset + len(items)
    else:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return {"items": items, "page": page, "page_size": size, "total": total or 0}
