"""Read grants: one tenant reads a stated part of another tenant's data, read-only.

A street supervises the companies that serve its communities: through an accepted service link
it reads the company's tickets of the linked sites, and nothing else of the company. Such a read
runs inside `reading_under(grant)`:

- a fresh database session (`db.session` is the grant's within the block), so nothing read for
  the owner lands in the reader's identity map, and nothing of the reader's unit of work is in it; it reads in the
  reader's own connection and transaction (no second connection, BEGIN, set_config or ROLLBACK
  per read: bench/README.md, "Issue #18: supervision"), which it never commits nor ends;
- ORM statements on a model the grant names see the owner's rows its condition admits, and only
  those (the framework adds the condition, as it adds the tenant everywhere else); a statement on
  any other tenant table fails closed (TenantContextError): the grant is a list of what may be
  read, not of what may not;
- nothing may be written through the ORM, and direct statements (direct.py) are refused; the
  one write is the owner's audit row of the read (audit.record_in_partner_trail), which the
  PostgreSQL policy on the audit trail admits only between linked tenants;
- the transaction still runs as the reader (`app.tenant_id`): on PostgreSQL the granted tables
  carry a policy that admits the owner's rows only where a live grant row says so (the links
  migration), so a revoked link ends the reads at once, whatever the application believes.

Grants are built by the feature that owns the grant rows (links/supervision.py), never by a view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Integer, and_, literal_column
from sqlalchemy.orm import Session, with_loader_criteria

_grant: ContextVar[ReadGrant | None] = ContextVar("wuye_read_grant", default=None)


@dataclass(frozen=True)
class ReadGrant:
    """What a reader may read of `owner_tenant_id`: for each model, a condition on its rows (a
    function of the model class, returning a SQL expression)."""

    owner_tenant_id: int
    conditions: Mapping[type, Callable] = field(default_factory=dict)
    description: str = ""

    def options(self) -> list:
        return list(self._options)

    @cached_property
    def _options(self) -> tuple:
        # built once per grant, not per statement (a supervised list sends two statements or more)
        return tuple(with_loader_criteria(model, and_(model.tenant_id == sql_integer(self.owner_tenant_id),
                                                      condition(model)), include_aliases=True)
                     for model, condition in self.conditions.items())

    def admits(self, model: type) -> bool:
        return model in self.conditions


def sql_integer(value: int):
    """An integer written into the SQL, not bound: a grant's ids are the same on every statement
    it scopes, and its bound parameters cost each statement more than its own (matching the
    compiled statement's parameters to the grant's, bench/README.md, "Issue #18: supervision").
    One compiled statement per grant in the statement cache, as for any other constant."""
    return literal_column(str(int(value)), Integer)


def current_grant() -> ReadGrant | None:
    return _grant.get()


@contextmanager
def reading_under(grant: ReadGrant):
    """Run a block of reads of another tenant's data under `grant` (see the module's docstring).
    The audit row of the read is the caller's to write (supervision/grant.py writes it in the
    caller's unit of work)."""
    from ..extensions import db

    if _grant.get() is not None:
        raise RuntimeError("already reading under a grant")
    # The caller's connection and transaction (begun now if it was not): the grant's session reads
    # in it, so a read costs no second connection, BEGIN, set_config and ROLLBACK (bench/README.md,
    # "Issue #18: supervision"); the transaction is still the reader's (app.tenant_id), and the
    # session, its identity map and its unit of work are still the grant's own.
    connection = db.session.connection()
    registry = db.session.registry
    callers = registry()
    # joins the caller's transaction; close() leaves it as it is (the caller commits or not)
    session = Session(bind=connection, join_transaction_mode="rollback_only", autoflush=False, expire_on_commit=False)
    session.info["joins_reader_transaction"] = True  # app.tenant_id is set already (scoping.py)
    token = _grant.set(grant)
    # `db.session` is the grant's for the block, the caller's again after it (the same scope: a
    # nested application context for it cost a supervised page more than its own statements)
    registry.set(session)
    try:
        yield
    finally:
        registry.set(callers)
        session.close()
        _grant.reset(token)
