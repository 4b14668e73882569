"""Commit at the edge, raise in the middle: where a unit of work ends.

Services change the session and raise DomainError (errors.py) when a rule refuses; they never
commit, so a request, a job, a command, an import or a plugin can call several of them in one
transaction. Each entry point commits once, at its end, through events.commit() (the events
recorded in the transaction are relayed after it commits):

- a request: `install(app)` — a successful response (< 400) commits, any other rolls back, so
  nothing of a refused or failed request is kept, whatever the view changed before the refusal;
- a job or a command: `with unit_of_work(): ...` — commits when the block ends, rolls back when
  it raises.

A view may still commit earlier itself (an audit row that must outlive the response); the second
commit has nothing left to do. A streamed body runs after the commit: it must not write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..extensions import db
from . import commit, rollback


def install(app) -> None:
    """Register the request edge. Register it before the other after_request hooks: Flask runs
    them in reverse order, so the commit comes last, after every hook that may still fail."""

    @app.after_request
    def _commit_at_the_edge(response):
        if not db.session.registry.has():  # the request never touched the database
            return response
        if not db.session.registry().in_transaction():
            # nothing begun since the last commit (an identity from the cache, a view that committed
            # itself): nothing to end. Any change — add, delete, setting an attribute — begins a
            # transaction (tests/test_edge.py checks the last). commit() would begin and end an empty
            # one: 0.2 M instructions per request (bench/README.md, fifth session)
            return response
        if response.status_code >= 400:
            rollback()
            return response
        try:
            commit()
        except Exception as exc:  # refused by the database at commit (a constraint): answered like in a view
            rollback()
            return app.make_response(app.handle_user_exception(exc))
        return response


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One transaction for a job or a command: commit at the end, roll back on any exception."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()


def in_every_tenant(fn: Callable[[], int]) -> int:
    """Periodic work: `fn()` once in each active tenant's context, each its own unit of work (a
    tenant whose run raises keeps nothing of it, and stops the round); the sum of what it returns."""
    from sqlalchemy import select

    from ..tenancy import Tenant, tenant_context

    total = 0
    tenant_ids = db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)).all()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id), unit_of_work():
            total += fn()
    return total
