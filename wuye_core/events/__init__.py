"""Core events: recorded with the change, delivered to plugins only after it commits.

    record("household_created", community_id, household.id, unit_id=…)
    commit()   # instead of db.session.commit() where events were recorded

Events carry identifiers and plain values, never ORM objects. Today delivery runs in-process
right after the commit; the tickets work moves it to an outbox table written in the same
transaction and relayed to rq workers, without changing this interface.
"""

from __future__ import annotations

from ..extensions import db
from ..plugins.types import Event
from ..tenancy import require_tenant_id

_PENDING = "wuye_pending_events"


def record(name: str, community_id: int | None, object_id: int | None, actor: str | None = None, **data) -> Event:
    event = Event(name=name, tenant_id=require_tenant_id(), community_id=community_id, object_id=object_id,
                  data=data, actor=actor)
    db.session.info.setdefault(_PENDING, []).append(event)
    return event


def discard() -> None:
    db.session.info.pop(_PENDING, None)


def commit() -> None:
    """Commit the session, then deliver the events recorded in it."""
    from ..plugins.dispatch import deliver_event

    try:
        db.session.commit()
    except Exception:
        discard()
        raise
    for event in db.session.info.pop(_PENDING, []):
        deliver_event(event)
