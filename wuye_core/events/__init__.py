"""Core events: written to the outbox with the change, delivered to plugins after it commits.

    record("household_created", community_id, household.id, unit_id=…)
    commit()   # instead of db.session.commit() where events were recorded

Events carry identifiers and plain values, never ORM objects. After the commit the relay
hands the new outbox rows to the job queue (rq), or — in the embedded default without Redis —
delivers them in-process at once. Nothing is enqueued before the transaction commits.
"""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..plugins.types import Event
from ..tenancy import require_tenant_id
from .outbox import OutboxEvent

_PENDING = "wuye_pending_outbox"


def record(name: str, community_id: int | None, object_id: int | None, actor: str | None = None, **data) -> Event:
    event = Event(name=name, tenant_id=require_tenant_id(), community_id=community_id, object_id=object_id,
                  data=data, actor=actor)
    row = OutboxEvent(event_id=event.id, name=name, community_id=community_id, object_id=object_id, actor=actor,
                      data=data, occurred_at=datetime.fromisoformat(event.occurred_at), attempts=0)
    db.session.add(row)
    db.session.info.setdefault(_PENDING, []).append(row)
    return event


def commit() -> None:
    """Commit the session, then relay the events recorded in it."""
    from .relay import relay

    try:
        db.session.flush()
        # read the ids now: after the commit the rows are expired and reading them would open
        # another transaction just to reload them
        ids = [(row.tenant_id, row.id) for row in db.session.info.get(_PENDING, [])]
        db.session.commit()
    except Exception:
        db.session.info.pop(_PENDING, None)
        raise
    db.session.info.pop(_PENDING, None)
    if ids:
        relay(ids)
