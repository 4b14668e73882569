"""Paged lists: stable order (by id), a total, and a cap on page size."""

from __future__ import annotations

from collections.abc import Hashable

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func

from ..common.caches import cache
from ..common.dumping import FastDumpSchema
from ..extensions import db
from ..tenancy import require_tenant_id

MAX_PER_PAGE = 100


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


_page_schemas: dict[str, type[Schema]] = {}


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """`{"items": [...], "total", "page", "per_page"}` for the given item schema."""
    name = item_schema.__name__.removesuffix("Schema") + "Page"
    if name not in _page_schemas:
        _page_schemas[name] = FastDumpSchema.from_dict(
            {
                "items": fields.List(fields.Nested(item_schema)),
                "total": fields.Integer(),
                "page": fields.Integer(),
                "per_page": fields.Integer(),
            },
            name=name,
        )
    return _page_schemas[name]


def paginate(stmt: Select, model, page: int, per_page: int, total_key: Hashable | None = None) -> dict:
    """Two queries on purpose: an index-only count plus the page beat one query with
    `count(*) over ()`, which must read every matching row (1.5 ms vs 4.6 ms for 10,000 rows).

    `total_key` (the list and its filters) lets the total come from the per-process cache
    (the cache "list_totals", declared by the feature whose tables it counts, e.g. households/totals.py);
    without a key, or without that cache, the total is counted every time."""
    def count() -> int:
        return db.session.scalar(stmt.with_only_columns(func.count(model.id)).order_by(None))

    totals = None if total_key is None else cache("list_totals")
    if totals is None:
        total = count()
    else:
        key = (require_tenant_id(), total_key)
        total = totals.get(key)
        if total is None:
            total = count()
            totals.put(key, total)
    rows = db.session.scalars(stmt.order_by(model.id).limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": rows, "total": total, "page": page, "per_page": per_page}
