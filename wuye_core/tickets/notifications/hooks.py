"""The core's hook implementations that notify staff of ticket events. app.py adds them to the
plugin host (`host.add_core(TicketNotifications(), "core_notifications")`); the relay delivers
each event to them like to any plugin, in a savepoint, and commits with the delivery's outcome."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...host.hookspecs import hookimpl
from ...tenancy import direct
from ..models import Ticket
from .models import Notification

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_TICKET = select(Ticket.id, Ticket.title, Ticket.assignee_id).where(Ticket.id == bindparam("ticket_id"))


def _ticket(ticket_id: int | None):
    """The (id, title, assignee_id) of a ticket, or None: the columns a notification needs, not the
    whole entity, read through tenancy/direct.py (a statement built once, on the connection)."""
    return direct.select_rows(_TICKET, {"ticket_id": ticket_id}).first()


def _notify(user_id: int | None, event, kind: str, text: str) -> None:
    """One notification per person and event, however often the event is delivered: one INSERT
    … ON CONFLICT DO NOTHING on (tenant, user, event) instead of a SELECT and then an INSERT (the
    delivery of a batch of ticket events was spending most of its time here, bench/README.md)."""
    if user_id is None:
        return
    insert = _INSERT[db.session.get_bind().dialect.name]
    statement = insert(Notification).on_conflict_do_nothing(index_elements=["tenant_id", "user_id", "event_id"])
    db.session.execute(statement, [{"tenant_id": event.tenant_id, "user_id": user_id, "event_id": event.id,
                                    "kind": kind, "ticket_id": event.object_id, "text": text}])


class TicketNotifications:
    @hookimpl
    def wuye_ticket_assigned(self, event):
        ticket = _ticket(event.object_id)
        if ticket is not None:
            _notify(event.data.get("assignee_id"), event, "assigned", f"新派单 / new ticket #{ticket.id}：{ticket.title}")

    @hookimpl
    def wuye_ticket_sla_breached(self, event):
        ticket = _ticket(event.object_id)
        if ticket is not None:
            what = "到场" if event.data.get("deadline") == "arrive" else "办结"
            _notify(ticket.assignee_id, event, "sla_breached",
                    f"{what}超时 / {event.data.get('deadline')} deadline missed #{ticket.id}：{ticket.title}")


def write_account_notice(user_id: int, kind: str, text: str) -> None:
    """A notification about the user's account (kind "account.*", no ticket, no event: its own
    unique id), added to the current tenant's transaction. Registered with auth/notices.py."""
    import uuid

    db.session.add(Notification(user_id=user_id, event_id=uuid.uuid4().hex,
                                kind=kind[:40], text=text[:300]))
