"""Pooled database connections: test the ones that sat idle, not every one.

`pool_pre_ping` costs a round trip on every checkout — one of the five or six a typical
request makes. A connection that was in use a moment ago is as good as the last statement it
ran, so only a connection idle for longer than `IDLE_BEFORE_PING` is tested; a dead one is
replaced before the request sees it (SQLAlchemy retries the checkout on DisconnectionError).
A connection that dies while busy fails its request once, and SQLAlchemy then recycles every
connection of the pool that was opened before the failure.
"""

from __future__ import annotations

import time

from sqlalchemy import event, exc

IDLE_BEFORE_PING = 10.0  # seconds; a database restart or a dropped NAT entry takes longer


def ping_idle_connections(engine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _note_idle_since(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the driver's own error types differ per dialect
            raise exc.DisconnectionError(f"idle connection failed its ping: {error}") from error
