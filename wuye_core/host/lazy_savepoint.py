"""A savepoint that opens only when a plugin's hook runs SQL: hooks that return values.

`Session.begin_nested()` costs ~30 µs of SQLAlchemy bookkeeping even when the hook touches no
table (SQLAlchemy emits the SAVEPOINT itself only at the first statement, but builds the nested
transaction, its snapshot and its commit at once). Hooks that return values (figures, report
sections, links, an SLA policy, a veto) rarely touch the database, so the savepoint is opened by
the session's own events, just before the hook's first statement reaches the database:

- `do_orm_execute`: every `Session.execute` (select, `text()`, `session.get` that misses the
  identity map, lazy loads, refreshes of expired attributes), before its autoflush;
- `before_flush`: an explicit flush, or one SQLAlchemy starts (autoflush, commit).

So a failing statement (which aborts the whole transaction on PostgreSQL) is inside the savepoint
and rolled back alone. Not seen: statements on `session.connection()` (Core, no ORM event), e.g.
tenancy/direct.py's; a value hook must not run them (hookspecs, docs/plugins.md §5). A hook
that ran no SQL but added, changed or deleted objects and then raised has them undone in the
session: added ones expunged, deleted ones put back, changed ones expired.

The listeners are installed once, on SQLAlchemy's Session class; the state lives in the
session's `info`, so another session a hook might open is not touched.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

_KEY = "wuye_lazy_savepoint"


class _Pending:
    """One hook call's savepoint-to-be: `nested` once opened; `whole` on SQLite without a
    transaction (see dispatch.savepoint: a failure then rolls back everything uncommitted,
    which is only the hook's)."""

    __slots__ = ("nested", "whole")

    def __init__(self):
        self.nested = None
        self.whole = False


def _open(session: Session) -> None:
    state = session.info.get(_KEY)
    if state is None or state.nested is not None or state.whole:
        return
    if session.get_bind().dialect.name == "sqlite" and \
            not session.connection().connection.driver_connection.in_transaction:
        state.whole = True
        return
    state.nested = session.begin_nested()  # SAVEPOINT goes out with the statement that follows


def _on_statement(orm_state: ORMExecuteState) -> None:
    _open(orm_state.session)


def _on_flush(session: Session, _flush_context, _instances) -> None:
    _open(session)


def install() -> None:
    if not event.contains(Session, "do_orm_execute", _on_statement):
        event.listen(Session, "do_orm_execute", _on_statement)
        event.listen(Session, "before_flush", _on_flush)


class LazySavepoint:
    """`with LazySavepoint(session):` around one hook call. On success, what the hook left
    pending is flushed in its savepoint, which is released. On an exception (the hook's, or that
    flush's): the savepoint, if one was opened, is rolled back (or, if the hook ended it by
    committing, what is left is); if none was, what the hook did to the session's objects is
    undone. Nests (a hook may call a service that calls another hook)."""

    __slots__ = ("session", "state", "outer")

    def __init__(self, session: Session):
        self.session = session

    def __enter__(self):
        session = self.session
        session.flush()  # the caller's pending changes go to its transaction (no-op when clean)
        self.outer = session.info.get(_KEY)
        self.state = session.info[_KEY] = _Pending()

    def __exit__(self, exc_type, exc, tb) -> None:
        session, state = self.session, self.state
        try:  # the state stays current until the end: a flush here opens this call's savepoint
            if exc_type is None:
                try:
                    if state.nested is None:
                        # what the hook left pending is flushed now, in its savepoint (opened by
                        # the flush), so a failing flush is its failure, not the caller's later
                        session.flush()  # no-op when nothing is pending (~0.2 µs)
                    nested = state.nested
                    if nested is not None and session.get_nested_transaction() is nested:
                        nested.commit()  # RELEASE SAVEPOINT
                except BaseException:
                    _undo(session, state)
                    raise
            else:
                _undo(session, state)
        finally:
            session.info[_KEY] = self.outer


def _undo(session: Session, state: _Pending) -> None:
    nested = state.nested
    if nested is not None:
        if session.get_nested_transaction() is nested:
            nested.rollback()
        else:  # the hook committed (or rolled back) itself: undo what is left of its work
            session.rollback()
    elif state.whole:
        session.rollback()
    else:
        _forget_changes(session)


def _forget_changes(session: Session) -> None:
    """Undo in the session what a failed hook did without SQL (the caller's changes were flushed
    before it, so all that is pending is the hook's)."""
    for obj in list(session.new):
        session.expunge(obj)
    for obj in list(session.deleted):
        session.expunge(obj)  # no longer marked for deletion...
        session.add(obj)  # ...and back as a persistent object
        session.expire(obj)
    for obj in list(session.dirty):
        session.expire(obj)
