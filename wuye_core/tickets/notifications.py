"""Notifications for staff: a ticket dispatched to you, a deadline missed on your ticket.

Built on the same events as any plugin (the core is the always-on plugin "core"), so they
arrive through the outbox and the job queue, and a redelivered event notifies only once.
"""

from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import fields
from sqlalchemy import Index, Integer, String, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..api.access import require_staff
from ..api.pagination import PageArgs, page_schema, paginate
from ..common.schemas import StrictSchema
from ..common.types import UTCDateTime
from ..errors import ErrorSchema
from ..extensions import db
from ..host.hookspecs import hookimpl
from ..tenancy import TenantScoped
from .models import Ticket


class Notification(TenantScoped, db.Model):
    __tablename__ = "notifications"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "event_id"),  # one per event and person, however often delivered
        Index(None, "tenant_id", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def _notify(user_id: int | None, event, kind: str, text: str) -> None:
    if user_id is None:
        return
    exists = db.session.scalar(select(Notification.id).where(Notification.user_id == user_id,
                                                             Notification.event_id == event.id))
    if exists:
        return
    db.session.add(Notification(user_id=user_id, event_id=event.id, kind=kind, ticket_id=event.object_id, text=text))
    db.session.commit()


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


core_notifications = TicketNotifications()

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="通知 / Notifications")


class NotificationOut(StrictSchema):
    id = fields.Integer()
    kind = fields.String()
    ticket_id = fields.Integer(allow_none=True)
    text = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationQuery(PageArgs):
    unread = fields.Boolean(metadata={"description": "只看未读 / unread only"})


@blp.route("", endpoint="notifications_collection")
class Notifications(MethodView):
    @blp.arguments(NotificationQuery, location="query")
    @blp.response(200, page_schema(NotificationOut))
    def get(self, args):
        """我的通知 / My notifications, newest last"""
        stmt = select(Notification).where(Notification.user_id == require_staff().user_id)
        if args.get("unread"):
            stmt = stmt.where(Notification.read_at.is_(None))
        return paginate(stmt, Notification, args["page"], args["per_page"])


@blp.route("/<int:notification_id>/read", endpoint="notification_read")
class NotificationRead(MethodView):
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema)
    def put(self, notification_id):
        """标为已读 / Mark as read"""
        note = db.session.get(Notification, notification_id)
        if note is None or note.user_id != require_staff().user_id:
            abort(404)
        db.session.execute(update(Notification).where(Notification.id == note.id, Notification.read_at.is_(None))
                           .values(read_at=func.now()))
        db.session.commit()
