"""Core events: written to the outbox with the change, delivered to plugins after it commits.

    record("household_created", community_id, household.id, unit_id=…)
    commit()   # at the edge (events/edge.py), instead of db.session.commit()

The hottest write path (ticket creation) writes its outbox row in the same statement as the
change instead (tenancy/direct.py):

    ids = insert_rows((Ticket, {...}), outbox_row("ticket_created", community_id, NewId(0), …))
    recorded(ids[-1])   # relayed by the edge's commit()

Events carry identifiers and plain values, never ORM objects. After the commit the relay
hands the new outbox rows to the job queue (rq), or — in the embedded default without Redis —
delivers them in-process at once. Nothing is enqueued before the transaction commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ..extensions import db
from ..host.types import Event
from ..tenancy import require_tenant_id
from .deliveries import PluginDelivery  # noqa: F401 - a model: in the metadata from the start
from .outbox import OutboxEvent

_PENDING = "wuye_pending_outbox"
_PENDING_IDS = "wuye_pending_outbox_ids"
_AFTER_COMMIT = "wuye_after_commit"


def outbox_row(name: str, community_id: int | None, object_id, actor: str | None = None,
               **data) -> tuple[type[OutboxEvent], dict]:
    """The outbox row of a new event, as (model, values). `object_id` may be a tenancy NewId."""
    return OutboxEvent, {"event_id": uuid.uuid4().hex, "name": name, "community_id": community_id,
                         "object_id": object_id, "actor": actor, "data": data, "occurred_at": datetime.now(UTC),
                         "attempts": 0}


def record(name: str, community_id: int | None, object_id: int | None, actor: str | None = None, **data) -> Event:
    row = OutboxEvent(tenant_id=require_tenant_id(), **outbox_row(name, community_id, object_id, actor, **data)[1])
    db.session.add(row)
    db.session.info.setdefault(_PENDING, []).append(row)
    return row.to_event()


def recorded(outbox_id: int) -> None:
    """An outbox row written outside the unit of work (with `outbox_row`): relay it after commit()."""
    db.session.info.setdefault(_PENDING_IDS, []).append((require_tenant_id(), outbox_id))


def after_commit(fn, *args, **kwargs) -> None:
    """Call `fn(*args, **kwargs)` once the current transaction has committed through commit()
    (like the relay: e.g. `after_commit(enqueue, deliver_handoff, tenant_id=…, handoff_id=…)`);
    forgotten if it rolls back. A failing callback is logged: what it was to wake is found again by
    its sweep."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append((fn, args, kwargs))


def _run_after_commit(callbacks) -> None:
    import logging

    for fn, args, kwargs in callbacks:
        try:
            fn(*args, **kwargs)
        except Exception:
            logging.getLogger(__name__).exception("after-commit callback %r failed", fn)


def commit() -> None:
    """Commit the session, then relay the events recorded in it."""
    from .relay import relay

    session = db.session()
    info = session.info

    try:
        session.flush()
        # read the ids now: after the commit the rows are expired and reading them would open
        # another transaction just to reload them
        ids = info.pop(_PENDING_IDS, [])
        # a row recorded in a savepoint that was rolled back (a failed plugin hook) is gone
        ids += [(row.tenant_id, row.id) for row in info.get(_PENDING, []) if row in session]
        callbacks = info.pop(_AFTER_COMMIT, None)
        session.commit()
    except Exception:
        info.pop(_PENDING, None)
        info.pop(_PENDING_IDS, None)
        info.pop(_AFTER_COMMIT, None)
        raise
    info.pop(_PENDING, None)
    if ids:
        relay(ids)
    if callbacks:
        _run_after_commit(callbacks)


def rollback() -> None:
    """Roll the session back and forget the events recorded in it: they did not happen (a later
    commit() of the same session must not relay them)."""
    db.session.info.pop(_PENDING, None)
    db.session.info.pop(_PENDING_IDS, None)
    db.session.info.pop(_AFTER_COMMIT, None)
    db.session.rollback()
