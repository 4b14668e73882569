"""Paged lists, one shape for the core and the plugins (plugins reach it as `wuye_core.plugins.
PageArgs`, `Sort`, `page_schema`, `paginate`):

    class TicketQuery(PageArgs):                  # ?page=2&per_page=20&sort=priority,-id
        sort = Sort("id", "created_at", "priority")

    @blp.arguments(TicketQuery, location="query")
    @blp.response(200, page_schema(TicketOut))
    def get(self, args):
        return paginate(select(Ticket).where(...), Ticket, args, columns={"priority": PRIORITY_RANK})

    → {"items": [...], "total": 42, "page": 2, "per_page": 20}

Every list is newest first unless asked otherwise: `sort` defaults to `-id` (ids grow with
creation; descending on the primary key or on an index ending in `id` costs what ascending
does). `sort` is a comma-separated list of the fields the list declares, each optionally
prefixed with `-` for descending; ties are broken by `id` (in the direction of the last key)
so that paging is stable. A field the list does not declare is a 422 naming `sort` and listing
the fields it has; the OpenAPI document states them (a pattern and a description).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from functools import lru_cache

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Column, ColumnElement, Select, case, func

from ..common.caches import cache
from ..common.dumping import FastDumpSchema
from ..extensions import db
from ..i18n import N_
from ..tenancy import require_tenant_id

MAX_PER_PAGE = 100
NEWEST_FIRST = "-id"
_SORT_MAX_LENGTH = 200


class Sort(fields.String):
    """The `sort` query parameter of a list: `Sort("id", "created_at", "priority")`.

    Loads to a tuple of `(field, descending)`; `default` is what an absent `sort` means
    (newest first). Duplicates are allowed (the first one counts). `descriptions` may say what
    a field's order is when it is not obvious (e.g. priority: by seriousness)."""

    def __init__(self, *names: str, default: str = NEWEST_FIRST, descriptions: Mapping[str, str] | None = None,
                 **kwargs):
        if not names or any(not re.fullmatch(r"[a-z_][a-z0-9_]*", n) for n in names):
            raise ValueError(f"sort fields must be lower-case names: {names!r}")
        self.names = tuple(dict.fromkeys(names))
        one = "-?(" + "|".join(self.names) + ")"
        self.regex = re.compile(f"{one}(,{one})*")
        explained = "".join(f"; {n}: {d}" for n, d in (descriptions or {}).items())
        metadata = {
            "pattern": f"^{self.regex.pattern}$",
            "maxLength": _SORT_MAX_LENGTH,
            "example": f"-{self.names[-1]}" if len(self.names) > 1 else NEWEST_FIRST,
            "description": "排序字段，逗号分隔，`-` 为倒序，相同时按 id；默认 `{d}`（最新在前）。可用：{f} / "
                           "sort fields, comma-separated, `-` for descending, ties by id; default `{d}` (newest "
                           "first). Fields: {f}{x}".format(d=default, f=", ".join(self.names), x=explained),
            "default": default,
            "x-sort-fields": list(self.names),
            **kwargs.pop("metadata", {}),
        }
        self.default_text, self.default_keys = default, self._parse(default)
        super().__init__(load_default=lambda: self.default_keys, metadata=metadata, **kwargs)

    def _parse(self, text: str) -> tuple[tuple[str, bool], ...]:
        keys: dict[str, bool] = {}
        for part in text.split(","):
            name = part.removeprefix("-")
            keys.setdefault(name, part.startswith("-"))
        return tuple(keys.items())

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text == self.default_text:
            return self.default_keys
        if len(text) > _SORT_MAX_LENGTH:
            raise ValidationError(validate.Length.message_max.format(max=_SORT_MAX_LENGTH))
        if self.regex.fullmatch(text) is None:
            names = [part.removeprefix("-") or part for part in text.split(",")]
            unknown = [name for name in names if name not in self.names]
            raise ValidationError(N_("Cannot sort by %(field)s; sort by: %(allowed)s.",
                                     field=", ".join(repr(u) for u in unknown) or repr(text),
                                     allowed=", ".join(self.names)))
        return self._parse(text)


class PageArgs(Schema):
    """`page`, `per_page` and `sort` (by id only, newest first: a list with more sort fields
    declares its own `sort = Sort(...)`)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    sort = Sort("id")


_page_schemas: dict[str, type[Schema]] = {}


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """`{"items": [...], "total", "page", "per_page"}` for the given item schema."""
    if isinstance(item_schema, Schema):
        item_schema = type(item_schema)
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


def ranked(column: ColumnElement, order) -> ColumnElement:
    """A sort key ordering `column` by its place in `order` (an Enum class or a sequence of
    values), e.g. a ticket's priority by seriousness rather than by its name."""
    values = [getattr(v, "value", v) for v in order]
    return case({v: i for i, v in enumerate(values)}, value=column, else_=len(values))


def order_by(model, sort, columns: Mapping[str, ColumnElement] | None = None) -> tuple[ColumnElement, ...]:
    """ORDER BY terms for the loaded `sort` keys: each key a column of `model` (or the
    expression `columns` gives for it), ties broken by `id` in the direction of the last key.
    Nullable columns put their NULLs last either way (as PostgreSQL and SQLite then agree).

    Built once per list and order (a bounded cache: `columns` should be a constant of the module)."""
    keys = tuple(sort or ((NEWEST_FIRST[1:], True),))
    return _order_by(model, keys, tuple((columns or {}).items()))


@lru_cache(maxsize=512)
def _order_by(model, keys: tuple, columns: tuple) -> tuple[ColumnElement, ...]:
    columns = dict(columns)
    terms = []
    for name, descending in keys:
        expression = columns.get(name)
        if expression is None:
            expression = getattr(model, name)
        term = expression.desc() if descending else expression.asc()
        column = getattr(expression, "property", None)
        column = column.columns[0] if column is not None and hasattr(column, "columns") else expression
        if isinstance(column, Column) and column.nullable and not column.primary_key:
            term = term.nulls_last()
        terms.append(term)
    if "id" not in dict(keys):
        terms.append(model.id.desc() if keys[-1][1] else model.id.asc())
    return tuple(terms)


def paginate(stmt: Select, model, args: Mapping, *, columns: Mapping[str, ColumnElement] | None = None,
             total_key: Hashable | None = None) -> dict:
    """One page of `stmt` as `{"items", "total", "page", "per_page"}`, in the order `args["sort"]`
    asks for (newest first without one); `args` is what a `PageArgs` schema loaded. `columns`
    maps sort fields that are not plain columns of `model` to their expression. A statement
    selecting several entities gives rows (tuples) as items, one entity gives the objects.

    Two queries on purpose: an index-only count plus the page beat one query with
    `count(*) over ()`, which must read every matching row (1.5 ms vs 4.6 ms for 10,000 rows).

    `total_key` (the list and its filters, not the page or the order) lets the total come from
    the per-process cache (the cache "list_totals", declared by the feature whose tables it
    counts, e.g. households/totals.py); without a key, or without that cache, the total is
    counted every time."""
    page, per_page = args["page"], args["per_page"]

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
    ordered = stmt.order_by(None).order_by(*order_by(model, args.get("sort"), columns))  # any order it had: replaced
    ordered = ordered.limit(per_page).offset((page - 1) * per_page)
    if len(stmt.column_descriptions) > 1:
        rows = db.session.execute(ordered).all()
    else:
        rows = db.session.scalars(ordered).all()
    return {"items": rows, "total": total, "page": page, "per_page": per_page}
