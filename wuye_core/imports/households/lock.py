"""One batch at a time per community: the lock each batch's transaction takes before it plans.

A batch plans against the register (which units, households and heads of household exist)
and then writes what is missing. Two imports of the same file at once would both plan "create"
for the same rows and both write them: duplicate households and residents (the fault probe of
#14 found 300). So each batch first takes its community's lock, plans under it, writes and
commits; the other import's batch waits, then plans against what the first one committed and
finds it there. Imports into other communities do not wait for each other.

PostgreSQL: `pg_advisory_xact_lock(NAMESPACE, community_id)`, released by the batch's commit or
rollback (a batch holds it for well under a second; nothing to release by hand, nothing left
behind by a killed worker). SQLite has one writer for the whole database anyway: `BEGIN
IMMEDIATE` takes its write lock at the start of the batch's transaction rather than at the
first INSERT, so the plan is made under it; a busy database is waited for (busy_timeout) and
retried up to WAIT_SECONDS.

The unique index on a resident's natural key (households/models.py) stays the backstop for
writers that do not take this lock (the API): a batch that meets it is rolled back and planned
again (run.py)."""

from __future__ import annotations

import time
import zlib

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from ...extensions import db

# The first key of the two-key advisory lock: ours alone, so other advisory locks on the same
# ids (another feature's) never collide with it. crc32 of a fixed name: stable across releases.
NAMESPACE = zlib.crc32(b"wuye.imports.households") & 0x7FFFFFFF
WAIT_SECONDS = 600


def hold_community(community_id: int) -> None:
    """Take the import lock of `community_id` for the rest of the current transaction."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(NAMESPACE, community_id)))
    elif dialect == "sqlite":
        _begin_immediate()


def _begin_immediate() -> None:
    connection = db.session.connection()
    if connection.connection.dbapi_connection.in_transaction:
        return  # this transaction has written already: it holds the write lock
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:  # "database is locked": busy_timeout passed, still busy
            if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                raise
