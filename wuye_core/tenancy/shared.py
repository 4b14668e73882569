"""Rows that belong to two tenants at once, and the PostgreSQL policies behind them.

A service link between a street and a company, a hand-off of a ticket from one to the other:
each party reads the row, a third tenant never does. Such a model mixes in `SharedBetweenTenants`
and names its two tenant columns; the framework (scoping.py) then adds "the current tenant is one
of the two" to every ORM statement on it, fails closed with no tenant set, and refuses a new row
that does not name the current tenant as a party. On PostgreSQL, `enable_shared_rls` gives the
table the same rule as a row-level security policy.

These are the only rows two tenants share. Everything else one tenant may see of another's goes
through a read grant (grants.py), which the owner of the data can see and revoke.
"""

from __future__ import annotations

from sqlalchemy import literal_column, or_

from .bound import TenantBound
from .rls import CURRENT_TENANT_SQL

SHARED_POLICY = "shared_between_tenants"


SHARED_MODELS: list[type] = []  # every model that mixes SharedBetweenTenants in (scoping.py reads it)


class SharedBetweenTenants(TenantBound):
    """Mixin: a row both tenants named in `__tenant_columns__` (two column names) may read and change."""

    __tenant_columns__: tuple[str, str] = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if len(cls.__dict__.get("__tenant_columns__", ())) == 2:
            SHARED_MODELS.append(cls)

    @classmethod
    def party_clause(cls, tenant):
        """`tenant` (a value or a SQL expression) is one of the row's two parties."""
        if not cls.__tenant_columns__:  # the mixin itself: SQLAlchemy's lambda analysis calls it so,
            return or_(literal_column("0") == tenant, literal_column("0") == tenant)  # same shape, no table
        first, second = cls.__tenant_columns__
        return or_(getattr(cls, first) == tenant, getattr(cls, second) == tenant)

    @classmethod
    def tenant_criterion(cls, tenant):
        return cls.party_clause(tenant)

    def parties(self) -> tuple[int, int]:
        first, second = self.__tenant_columns__
        return getattr(self, first), getattr(self, second)


def shared_rls_statements(table: str, first: str, second: str) -> list[str]:
    predicate = f"{CURRENT_TENANT_SQL} IN ({first}, {second})"
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {SHARED_POLICY} ON "{table}"',
        f'CREATE POLICY {SHARED_POLICY} ON "{table}" USING ({predicate}) WITH CHECK ({predicate})',
    ]


def enable_shared_rls(table: str, first: str, second: str) -> None:
    """For an Alembic migration: rows of `table` are visible to, and writable by, the tenants in
    its columns `first` and `second` only. A no-op on SQLite."""
    from alembic import op

    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in shared_rls_statements(table, first, second):
        op.execute(statement)
