"""A staff user's own notifications: list them (unread only, if asked), mark one read."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import fields
from sqlalchemy import func, select, update

from ...api.access import require_staff
from ...api.pagination import PageArgs, Sort, page_schema, paginate
from ...common.schemas import StrictSchema
from ...errors import ErrorSchema
from ...extensions import db
from ...i18n import show_note
from .models import Notification

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="通知 / Notifications")


class NotificationOut(StrictSchema):
    id = fields.Integer()
    kind = fields.String()
    ticket_id = fields.Integer(allow_none=True)
    text = fields.Function(lambda n: show_note(n.text), metadata={
        "type": "string", "description": "按读者的语言（?lang= 或 Accept-Language）/ in the reader's language "
                                         "(?lang= or Accept-Language)"})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationQuery(PageArgs):
    unread = fields.Boolean(metadata={"description": "只看未读 / unread only"})
    sort = Sort("id", "created_at", "read_at")


@blp.route("", endpoint="notifications_collection")
class Notifications(MethodView):
    @blp.arguments(NotificationQuery, location="query")
    @blp.response(200, page_schema(NotificationOut))
    def get(self, args):
        """我的通知（默认最新在前）/ My notifications, newest first"""
        stmt = select(Notification).where(Notification.user_id == require_staff().user_id)
        if args.get("unread"):
            stmt = stmt.where(Notification.read_at.is_(None))
        return paginate(stmt, Notification, args)


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
                           .values(read_at=func.now()))  # committed at the request's edge
