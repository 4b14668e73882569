"""The one mechanism that scopes ORM work to the current tenant.

Installed once on the SQLAlchemy Session class:
- reads: `with_loader_criteria(TenantScoped, tenant_id == current)` on every ORM statement,
  which also reaches joins, subqueries and relationship loads;
- no tenant set and a tenant table at the top of a statement: TenantContextError (fail closed);
- writes: new rows are stamped with the current tenant; changing or mixing tenants is refused;
- PostgreSQL: each transaction starts with `set_config('app.tenant_id', …, true)` so that
  row-level security (tenancy/rls.py) checks the same tenant a second time.

Rows two tenants share (shared.py) get "the current tenant is one of the two parties" instead;
under a read grant (grants.py) a granted model gets the grant's condition and any other tenant
table is refused.

Known holes, closed elsewhere: `text()` SQL is not scoped (no raw SQL on tenant tables outside
this package); Core statements on tenant tables go through tenancy/direct.py, which scopes and
stamps them the same way.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Integer, event, false, inspect, literal_column, text
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from .. import db_durability
from ..db_durability import relax_at_begin
from .bound import TenantBound
from .context import TenantContextError, current_tenant_id, is_unscoped, require_tenant_id
from .grants import current_grant
from .models import TenantScoped
from .rls import CURRENT_TENANT_SQL
from .shared import SharedBetweenTenants

_SET_TENANT = text("select set_config('app.tenant_id', :tenant_id, true)")


def _is_tenant_mapper(mapper) -> bool:
    return issubclass(mapper.class_, TenantScoped)


def _is_shared_mapper(mapper) -> bool:
    return issubclass(mapper.class_, SharedBetweenTenants)


def _scope_under_grant(state: ORMExecuteState, grant) -> None:
    """Inside reading_under(grant): granted models get the grant's condition, other tenant
    tables are refused, and nothing is changed through the ORM."""
    if not state.is_select:
        raise TenantContextError("a read grant is read-only")
    mappers = set(state.all_mappers)  # worked out afresh on each call: one per column of a column select
    refused = sorted({m.class_.__name__ for m in mappers if _is_tenant_mapper(m) and not grant.admits(m.class_)})
    if refused:
        raise TenantContextError(f"not covered by the read grant: {', '.join(refused)} (fail closed)")
    options = grant.options()
    if any(_is_shared_mapper(m) for m in mappers):
        options += _shared_criteria(current_tenant_id(), state)
    state.statement = state.statement.options(*options)


def _shared_criteria(tenant_id: int | None, state: ORMExecuteState) -> tuple:
    if tenant_id is None:
        return (_NO_SHARED,)
    if state.session.get_bind().dialect.name == "postgresql":
        return (SHARED_OF_TRANSACTION,)
    return (_shared_criteria_for(tenant_id),)


def _scope_statement(state: ORMExecuteState) -> None:
    if is_unscoped():
        return
    grant = current_grant()
    if grant is not None:
        _scope_under_grant(state, grant)
        return
    tenant_id = current_tenant_id()
    if state.is_insert:
        if any(_is_tenant_mapper(m) for m in state.all_mappers):
            rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
            if tenant_id is None or any(r.get("tenant_id") != tenant_id for r in rows):
                raise TenantContextError("bulk insert into a tenant table must carry the current tenant_id")
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if tenant_id is None:
        if any(_is_tenant_mapper(m) or _is_shared_mapper(m) for m in state.all_mappers):
            raise TenantContextError("tenant data queried with no tenant set (fail closed)")
        # A tenant table hidden in a subquery of a platform query sees nothing.
        state.statement = state.statement.options(_NO_TENANT, _NO_SHARED)
        return
    # Both conditions on every statement, whether it reads a shared table or not: finding out
    # (`state.all_mappers`) cost more than a lambda option the statement ignores (callgrind: +1 %
    # instructions on a household list request; bench/README.md, issue #18).
    if state.session.get_bind().dialect.name == "postgresql":
        state.statement = state.statement.options(TENANT_OR_PARTY_OF_TRANSACTION)
    else:
        state.statement = state.statement.options(_tenant_criteria(tenant_id), _shared_criteria_for(tenant_id))


_NO_TENANT = with_loader_criteria(TenantScoped, lambda cls: false(), include_aliases=True)
_NO_SHARED = with_loader_criteria(SharedBetweenTenants, lambda cls: false(), include_aliases=True)

# On PostgreSQL the filter names the transaction's tenant the way the row-level security policy
# does (`set_config` at the start of each transaction, from the same identity). Comparing with a
# literal instead (`tenant_id = 51`) made the planner pair the two conditions into a Result node
# that every scanned row passed through: +40 % on an OFFSET page, +20 % on a count (bench/README.md).
# Unset, it matches nothing: it fails closed exactly like the policy.
# Literally the policy's text: PostgreSQL merges the two conditions only when they are equal.
TRANSACTION_TENANT = literal_column(CURRENT_TENANT_SQL, Integer)
TENANT_OF_TRANSACTION = with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == TRANSACTION_TENANT,
                                              include_aliases=True)


# "The tenant is one of the two parties" on every shared table (shared.py): a lambda option like
# the tenant's (SQLAlchemy calls it with each shared model the statement reads, and once with the
# mixin itself to analyse it).
SHARED_OF_TRANSACTION = with_loader_criteria(SharedBetweenTenants, lambda cls: cls.party_clause(TRANSACTION_TENANT),
                                             include_aliases=True)


# Both in one option (one coercion, one cache key per statement instead of two): each class of
# TenantBound gives its own condition, the same as the two options above.
TENANT_OR_PARTY_OF_TRANSACTION = with_loader_criteria(TenantBound, lambda cls: cls.tenant_criterion(TRANSACTION_TENANT),
                                                      include_aliases=True)


@lru_cache(maxsize=4096)
def _shared_criteria_for(tenant_id: int):
    return with_loader_criteria(SharedBetweenTenants, lambda cls: cls.party_clause(tenant_id), include_aliases=True)


@lru_cache(maxsize=4096)
def _tenant_criteria(tenant_id: int):
    """SQLite (no row-level security, no session settings): the tenant as a value. One option
    object per tenant, built once: constructing it on every statement was measurable."""
    return with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)


def _stamp_writes(session: Session, flush_context, instances) -> None:
    if is_unscoped():
        return
    grant = current_grant()
    if grant is not None:
        _check_writes_under_grant(session, grant)
        return
    for obj in session.new:
        if isinstance(obj, SharedBetweenTenants):
            if require_tenant_id() not in obj.parties():
                raise TenantContextError("a shared row must name the current tenant as one of its parties")
            continue
        if isinstance(obj, TenantScoped):
            tenant_id = require_tenant_id()
            if obj.tenant_id is None:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise TenantContextError("refusing to write a row for another tenant")
    for obj in session.dirty:
        if isinstance(obj, TenantScoped):
            if inspect(obj).attrs.tenant_id.history.deleted:
                raise TenantContextError("a row's tenant can never change")
        elif isinstance(obj, SharedBetweenTenants):
            attrs = inspect(obj).attrs
            if any(attrs[column].history.deleted for column in obj.__tenant_columns__):
                raise TenantContextError("a shared row's parties can never change")


def _check_writes_under_grant(session: Session, grant) -> None:
    if session.dirty or session.deleted:
        raise TenantContextError("a read grant is read-only")
    if session.new:
        raise TenantContextError("a read grant is read-only (the read's audit row: audit.record_in_partner_trail)")


_SET_TENANT_RAW = "select set_config('app.tenant_id', %s, true)"
# the same, for a transaction that may commit without waiting for the disk (db_durability.py)
_SET_TENANT_RELAXED_RAW = "select set_config('app.tenant_id', %s, true), set_config('synchronous_commit', 'off', true)"


def _set_rls_tenant(session: Session, transaction, connection) -> None:
    if connection.dialect.name != "postgresql" or transaction.nested:
        return  # a savepoint (a plugin's hook, host/dispatch.py) runs in its transaction's setting
    info = session.info
    if "joins_reader_transaction" in info:
        return  # a read grant's session in the reader's transaction (grants.py): set already
    tenant_id = current_tenant_id()
    value = "" if tenant_id is None else str(tenant_id)
    # Straight to the driver, prepared once per connection: this runs at the start of every
    # transaction, and SQLAlchemy's statement machinery cost more than the round trip itself.
    statement = _SET_TENANT_RELAXED_RAW if relax_at_begin(info) else _SET_TENANT_RAW
    try:
        connection.connection.driver_connection.execute(statement, (value,), prepare=True)
    except Exception:
        # Let SQLAlchemy see the failure (a lost connection invalidates the pool) and raise it.
        connection.execute(_SET_TENANT, {"tenant_id": value})
        raise


def apply_tenant_to_open_transaction(tenant_id: int) -> None:
    """After login resolved the tenant mid-transaction, tell PostgreSQL too."""
    from ..extensions import db

    session = db.session()
    if session.in_transaction():
        connection = session.connection()  # the open one; we have a single bind
        if connection.dialect.name == "postgresql":
            connection.execute(_SET_TENANT, {"tenant_id": str(tenant_id)})


_installed = False


def install_tenant_scoping() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "do_orm_execute", _scope_statement)
    event.listen(Session, "before_flush", _stamp_writes)
    event.listen(Session, "after_begin", _set_rls_tenant)
    db_durability.install()  # the wait for the disk turned back on for a relaxed transaction that writes
    _installed = True
