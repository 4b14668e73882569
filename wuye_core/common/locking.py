"""Check-then-write under a row lock: a write loads the row it will change with `get_for_update`.

A state change reads the row's state, decides, and writes (a ticket's status, a counter, "already
converted?"). Two requests doing that at once both read the old state and both win. So a write
loads its row with `SELECT … FOR UPDATE`, in the transaction that writes: a second request for the
same row waits at that statement until the first commits, then reads the committed state
(`populate_existing`: the session's copy — e.g. the one the plugin route gate loaded — is
overwritten) and its state machine refuses it (409 with the current state). Concurrent identical
changes have exactly one winner; a counter (`reopened_count`) cannot lose an update.

Why a lock and not a version column (If-Match): every state change here is short and addressed
by id, the loser must learn the *current* state (which it reads once the lock is free), and no
client has to send a version. docs/architecture.md, "Concurrent changes", says more.

Rules for callers:
- lock before changing anything of the row: `populate_existing` discards unflushed changes to it;
- lock the object the URL addresses first, then what it links to (a resolution, its agenda item,
  the ticket): always in that order, so two requests cannot wait for each other;
- do not hold a lock across slow work (building a document, a remote call): commit first.

SQLite, the embedded single-user default, has no row locks (SQLAlchemy does not emit FOR UPDATE
there). Its Python driver opens a transaction only at the first write, so a read would not be
protected by SQLite's one-writer lock; `get_for_update` therefore takes that lock first, with a
no-op UPDATE of the row (a whole-database lock: writes queue behind it, up to busy_timeout)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import inspect, update

from ..extensions import db

T = TypeVar("T")
_BIGINT = 2**63  # ids are at most signed 64-bit integers


def get_for_update(model: type[T], object_id) -> T | None:
    """The row of `model` with primary key `object_id`, locked until the transaction ends, as
    committed now (None when there is none, or it is another tenant's). See the module's rules."""
    if isinstance(object_id, int) and not -_BIGINT <= object_id < _BIGINT:
        return None  # no row has it (and SQLite's driver raises OverflowError on such a parameter)
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        key = inspect(model).primary_key[0]
        # the driver BEGINs here: SQLite's write lock is held from now until commit or rollback
        session.execute(update(model).where(key == object_id).values({key.name: key})
                        .execution_options(synchronize_session=False))
    return session.get(model, object_id, with_for_update=True, populate_existing=True)
