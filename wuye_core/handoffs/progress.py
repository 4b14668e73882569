"""The core's hook implementations that mirror a ticket's progress onto its hand-off. app.py adds
them to the plugin host (`host.add_core(HandoffProgress(), "core_handoffs")`); the relay delivers
ticket events to them like to any plugin, in the tenant's delivery transaction.

Hot path: every ticket event of every tenant reaches these hooks. A ticket that is part of a
hand-off carries its id in its events (tickets/service.py); any other event is passed by on
reading `event.data`, without a query.

The receiving side's progress (accepted, dispatched, on site, resolved, rated, closed, missed
deadlines) is written to the hand-off's `to_*` fields and as steps, and the sender is told
(delivery.announce_handoff, after the commit); the sending side's status and missed deadlines go to
the `from_*` fields, for the receiving side to see."""

from __future__ import annotations

from datetime import UTC, datetime

from ..common.locking import get_for_update
from ..host.hookspecs import hookimpl
from ..tenancy import require_tenant_id
from .models import Handoff, HandoffState
from .service import add_step, announce_later

# a transition of the receiving ticket: the step it is, and the field that keeps its time
STEPS = {"accept": ("accepted", "to_accepted_at"), "dispatch": ("dispatched", "to_dispatched_at"),
         "arrive": ("on_site", "to_on_site_at"), "resolve": ("resolved", "to_resolved_at"),
         "close": ("closed", None), "cancel": ("cancelled", None), "reopen": ("reopened", None)}
FOLLOWED = (HandoffState.delivered, HandoffState.closed)


def _at(event) -> datetime:
    try:
        at = datetime.fromisoformat(event.occurred_at)
    except (TypeError, ValueError):
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _handoff(event) -> tuple[Handoff | None, str | None]:
    """The hand-off an event's ticket is part of, locked, and our side of it ("to": we received
    it, "from": we sent it), or (None, None) when it is not followed any more."""
    handoff = get_for_update(Handoff, event.data["handoff_id"])
    if handoff is None or handoff.state not in FOLLOWED and handoff.state != HandoffState.sent:
        return None, None
    tenant_id = require_tenant_id()
    if tenant_id == handoff.to_tenant_id and event.object_id == handoff.to_ticket_id \
            and handoff.state in FOLLOWED:
        return handoff, "to"
    if tenant_id == handoff.from_tenant_id and event.object_id == handoff.from_ticket_id:
        return handoff, "from"
    return None, None


def _step(handoff: Handoff, step: str, note: str | None, at: datetime) -> None:
    add_step(handoff, step, note, at)
    announce_later(handoff)


class HandoffProgress:
    @staticmethod
    def wants_event(event) -> bool:
        """Only the events of a ticket that is part of a hand-off (the relay asks first:
        host/dispatch.event_filters, so other events get no savepoint and no delivery row)."""
        return event.data.get("handoff_id") is not None

    @hookimpl
    def wuye_ticket_transitioned(self, event):
        if event.data.get("handoff_id") is None:
            return
        handoff, side = _handoff(event)
        if handoff is None:
            return
        status, action = event.data.get("to_status"), event.data.get("action")
        if side == "from":
            handoff.from_status = status
            return
        at = _at(event)
        handoff.to_status = status
        step, field = STEPS.get(action, (action, None))
        if field is not None and getattr(handoff, field) is None:
            setattr(handoff, field, at)
        if action in ("close", "cancel"):
            handoff.state = HandoffState.closed
        elif action == "reopen":
            handoff.state = HandoffState.delivered
            handoff.to_resolved_at = handoff.to_rating = None
        _step(handoff, step, None, at)

    @hookimpl
    def wuye_ticket_rated(self, event):
        if event.data.get("handoff_id") is None:
            return
        handoff, side = _handoff(event)
        if handoff is None or side != "to":
            return
        handoff.to_rating = event.data.get("rating")
        _step(handoff, "rated", str(event.data.get("rating")), _at(event))

    @hookimpl
    def wuye_ticket_deadlines_changed(self, event):
        """A priority changed on either side: that side's deadlines on the hand-off follow, its
        missed ones are missed no longer (they count again, tickets/service.update_ticket)."""
        if event.data.get("handoff_id") is None:
            return
        handoff, side = _handoff(event)
        if handoff is None:
            return
        for deadline in ("arrive", "resolve"):
            due = event.data.get(f"{deadline}_due_at")
            setattr(handoff, f"{side}_{deadline}_due_at", None if due is None else datetime.fromisoformat(due))
            setattr(handoff, f"{side}_{deadline}_breached_at", None)
        priority = event.data.get("priority")
        if side == "to":
            _step(handoff, "deadlines", priority, _at(event))
        else:
            add_step(handoff, "deadlines", priority, _at(event))  # the sender's own: seen by the receiver

    @hookimpl
    def wuye_ticket_sla_breached(self, event):
        if event.data.get("handoff_id") is None:
            return
        handoff, side = _handoff(event)
        deadline = event.data.get("deadline")
        if handoff is None or deadline not in ("arrive", "resolve"):
            return
        at = _at(event)
        field = f"{side}_{deadline}_breached_at"
        if getattr(handoff, field) is None:
            setattr(handoff, field, at)
        if side == "to":
            _step(handoff, "breached", deadline, at)
        else:
            add_step(handoff, "breached", deadline, at)  # the sender's own: seen by the receiver, not announced
