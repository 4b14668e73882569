"""Statements built once and run straight on the session's connection, scoped by the framework.

For the hottest write paths (ticket creation). `session.execute()` and the unit of work cost
SQLAlchemy more Python per statement than the database spends on it (callgrind, bench/README.md
"Fourth session": the community select through the session 1.36 M instructions, on the
connection 0.51 M; the unit of work's three INSERTs about 2 M more than one statement). These
helpers skip that machinery but not the walls:

- `select_rows(stmt, params)`: a select of ORM columns, built once; the tenant condition is added
  here, for every tenant table it reads, joins and outer joins included — the same
  `with_loader_criteria` that scoping.py adds to every ORM statement (the transaction's tenant,
  as the RLS policy says it, on PostgreSQL; the current tenant as a parameter on SQLite).
- `insert_rows(rows)`: one row each into several tenant tables, in ONE statement on PostgreSQL
  (data-modifying CTEs; later rows may name an earlier row's new id with `NewId(i)`), one per
  row on SQLite. Every row's `tenant_id` is the current tenant, written by the framework (the
  transaction's setting on PostgreSQL, so it cannot disagree with row-level security).

Both run in the session's transaction: `after_begin` has run `set_config`, RLS applies, and a
commit or rollback of the session ends them. Both fail closed without a tenant, and inside
`unscoped()` they refuse (platform work has the ORM for that). Objects are not loaded into the
identity map: these return plain rows and ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Integer, bindparam, insert, select, true
from sqlalchemy.engine import Result
from sqlalchemy.orm import with_loader_criteria
from sqlalchemy.sql import Select

from .context import TenantContextError, is_unscoped, require_tenant_id
from .grants import current_grant
from .models import TenantScoped
from .scoping import TENANT_OF_TRANSACTION, TRANSACTION_TENANT

_TENANT = "wuye_tenant_id"  # the parameter that carries the tenant where the database cannot (SQLite)


@dataclass(frozen=True)
class NewId:
    """In `insert_rows`: the new id of the `row`-th row (an earlier one)."""

    row: int


# SQLite: the tenant as a parameter, filled in from the tenant context (PostgreSQL uses the
# criteria of scoping.py as it is: the transaction's setting, what the RLS policy reads).
_PARAMETER_TENANT = bindparam(_TENANT, type_=Integer)
_TENANT_OF_PARAMETER = with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == _PARAMETER_TENANT,
                                            include_aliases=True)


def _connection_and_tenant():
    from ..extensions import db

    if is_unscoped():
        raise TenantContextError("direct statements are tenant work; not inside unscoped()")
    if current_grant() is not None:
        raise TenantContextError("direct statements are tenant work; not under a read grant")
    tenant_id = require_tenant_id()  # fail closed before the transaction starts
    connection = db.session().connection()
    return connection, tenant_id


# --- reads ------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _scoped(stmt: Select, dialect: str) -> Select:
    return stmt.options(TENANT_OF_TRANSACTION if dialect == "postgresql" else _TENANT_OF_PARAMETER)


def select_rows(stmt: Select, params: dict) -> Result:
    """Run a select of ORM columns (built once, at import or in an lru_cache: it is the cache key
    of its scoped form) in the current tenant. Rows, not entities."""
    connection, tenant_id = _connection_and_tenant()
    dialect = connection.dialect.name
    if dialect != "postgresql":
        params = {**params, _TENANT: tenant_id}
    return connection.execute(_scoped(stmt, dialect), params)


# --- writes -----------------------------------------------------------------------------------


def insert_rows(*rows: tuple[type[TenantScoped], dict]) -> tuple[int, ...]:
    """Insert `(Model, {column: value})` rows of tenant tables; returns their new ids, in order.

    A value `NewId(i)` stands for the id that row `i` (an earlier one) gets. `tenant_id` is
    written by the framework; a row may name it only as the current tenant. A column with a
    Python-side default must be named (ValueError otherwise): the one statement would not apply
    it, SQLite's inserts would; columns not named get the database's defaults on both."""
    from ..db_changes import note_written
    from ..extensions import db

    connection, tenant_id = _connection_and_tenant()
    # One pass over the values: the statement's shape (each column, and which earlier row it
    # takes its id from) and its parameters, named r<row>_<column> as _one_statement names them.
    shape, params = [], {}
    for i, (model, row) in enumerate(rows):
        if not issubclass(model, TenantScoped):
            raise TypeError(f"{model.__name__} is not a tenant table")
        columns = []
        for column, value in row.items():
            if column == "tenant_id":
                if value != tenant_id:
                    raise TenantContextError("refusing to write a row for another tenant")
            elif isinstance(value, NewId):
                if not 0 <= value.row < i:
                    raise ValueError(f"row {i}: NewId({value.row}) must name an earlier row")
                columns.append((column, value.row))
            else:
                columns.append((column, None))
                params[f"r{i}_{column}"] = value
        shape.append((model, tuple(columns)))
    note_written(db.session(), {model for model, _ in rows})
    if connection.dialect.name == "postgresql":
        return tuple(connection.execute(_one_statement(tuple(shape)), params).one())
    statements = [_single_insert(model, columns) for model, columns in shape]  # all checked before any runs
    ids: list[int] = []
    for i, ((_, columns), stmt) in enumerate(zip(shape, statements, strict=True)):  # SQLite: no DML in CTEs
        values = {c: ids[ref] if ref is not None else params[f"r{i}_{c}"] for c, ref in columns}
        values[_TENANT] = tenant_id
        ids.append(connection.execute(stmt, values).scalar_one())
    return tuple(ids)


def _named_python_defaults(model, columns: tuple):
    table = model.__table__
    named = {c for c, _ in columns} | {"tenant_id"}
    missing = [c.name for c in table.columns if c.default is not None and c.name not in named]
    if missing:
        raise ValueError(f"{model.__name__}: name {', '.join(missing)} (Python-side defaults are not applied)")
    return table


@lru_cache(maxsize=64)
def _single_insert(model, columns: tuple):
    table = _named_python_defaults(model, columns)
    values = {"tenant_id": bindparam(_TENANT, type_=Integer)}
    values.update({c: bindparam(c, type_=table.c[c].type) for c, _ in columns})
    return insert(table).values(values).returning(table.c.id)


@lru_cache(maxsize=64)
def _one_statement(shape: tuple):
    """WITH r0 AS (INSERT … RETURNING id), r1 AS (INSERT … SELECT …, r0.id FROM r0 RETURNING id), …
    SELECT r0.id, r1.id, …: one round trip and one statement for PostgreSQL to plan and check.
    The composite foreign keys between the rows are checked at the end of the statement, when
    all of them exist. Built once per shape (which columns each row names, which are new ids)."""
    tenant = TRANSACTION_TENANT
    ctes = []
    for i, (model, columns) in enumerate(shape):
        table = _named_python_defaults(model, columns)
        exprs = [tenant] + [ctes[ref].c.id if ref is not None else bindparam(f"r{i}_{c}", type_=table.c[c].type)
                            for c, ref in columns]
        source = select(*exprs)
        ctes.append(insert(table).from_select(["tenant_id", *(c for c, _ in columns)], source, include_defaults=False)
                    .returning(table.c.id).cte(f"r{i}"))
    # one row each: their product is the one row of ids (an explicit ON true keeps the linter quiet)
    joined = ctes[0]
    for cte in ctes[1:]:
        joined = joined.join(cte, true())
    return select(*(cte.c.id for cte in ctes)).select_from(joined)
