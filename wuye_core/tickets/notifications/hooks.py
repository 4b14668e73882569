"""The core's hook implementations that notify staff of ticket events. app.py adds them to the
plugin host (`host.add_core(TicketNotifications(), "core_notifications")`); the relay delivers
each event to them like to any plugin, in a savepoint, and commits with the delivery's outcome."""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...host.hookspecs import hookimpl
from ..models import Ticket
from .models import Notification


def _notify(user_id: int | None, event, kind: str, text: str) -> None:
    if user_id is None:
        return
    exists = db.session.scalar(select(Notification.id).where(Notification.user_id == user_id,
                                                             Notification.event_id == event.id))
    if exists:
        return
    db.session.add(Notification(user_id=user_id, event_id=event.id, kind=kind, ticket_id=event.object_id, text=text))


class TicketNotifications:
    @hookimpl
    def wuye_ticket_assigned(self, event):
        ticket = db.session.get(Ticket, event.object_id)
        if ticket is not None:
            _notify(event.data.get("assignee_id"), event, "assigned", f"新派单 / new ticket #{ticket.id}：{ticket.title}")

    @hookimpl
    def wuye_ticket_sla_breached(self, event):
        ticket = db.session.get(Ticket, event.object_id)
        if ticket is not None:
            what = "到场" if event.data.get("deadline") == "arrive" else "办结"
            _notify(ticket.assignee_id, event, "sla_breached",
                    f"{what}超时 / {event.data.get('deadline')} deadline missed #{ticket.id}：{ticket.title}")
