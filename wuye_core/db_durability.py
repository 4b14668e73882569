"""Transactions that may commit without waiting for the disk: those whose only write says that
something was read.

A supervised read (supervision/grant.py) writes one row: the read, in the audit trail of the
tenant read. Waiting for PostgreSQL to flush that row's WAL to disk at the commit cost a
supervised page more than anything else it does (bench/README.md, "Issue #18: supervision"),
for a row whose loss would not lose any data. Such a transaction calls `commit_without_waiting()`
before it begins: its transaction then starts with `synchronous_commit = off` in the same
statement that sets the tenant (tenancy/scoping.py), so it costs no round trip.

What that means (PostgreSQL's "Asynchronous Commit"): the commit is a commit — visible to every
other transaction at once, kept when the app or its worker dies; only a crash of the DATABASE
SERVER within the last moments (at most three times `wal_writer_delay`, 0.6 s by default) may
lose it. Never corruption, never a partial transaction.

A transaction that writes anything else waits as every other one does: before it commits,
anything it changed through the ORM, or any statement but a SELECT sent through the session or
through tenancy/direct.py (db_changes notes them all), turns the wait back on (`before_commit`). Asked for too late (the transaction has
begun), it is simply not granted: nothing is relaxed behind a statement already sent. SQLite: a
no-op.
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from .db_changes import written_in

_ASKED = "wuye_commit_without_waiting"
_RELAXED = "wuye_commit_relaxed"
_WAIT_AGAIN = text("select set_config('synchronous_commit', 'on', true)")


def commit_without_waiting(session: Session) -> None:
    """Ask that `session`'s next transaction commit without waiting for the disk (see above);
    ignored if its transaction has begun already."""
    if not session.in_transaction():
        session.info[_ASKED] = True


def relax_at_begin(info: dict) -> bool:
    """For the statement that begins a transaction on PostgreSQL (tenancy/scoping.py), given the
    session's `info`: whether to set `synchronous_commit = off` with the tenant. Marks the
    transaction relaxed or not (no listener needed to forget the last one's); a session never
    asked pays two key checks."""
    if _ASKED not in info and _RELAXED not in info:
        return False
    relaxed = info[_RELAXED] = info.pop(_ASKED, False)
    return relaxed


def _wait_if_it_wrote(session: Session) -> None:
    if not session.info.get(_RELAXED):
        return
    if session.new or session.dirty or session.deleted or written_in(session):
        session.connection().execute(_WAIT_AGAIN)
        session.info.pop(_RELAXED, None)


def install() -> None:
    if not event.contains(Session, "before_commit", _wait_if_it_wrote):
        event.listen(Session, "before_commit", _wait_if_it_wrote)
