"""A staff user's own notifications: list them (unread only, if asked), mark one read."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import fields

from ...api.access import require_staff
from ...api.pagination import PageArgs, Sort, page_schema, paginate
from ...common.schemas import StrictSchema
from ...errors import ErrorSchema
from ...i18n import show_note
from . import inbox
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
        return paginate(inbox.mine(require_staff().user_id, bool(args.get("unread"))), Notification, args)


@blp.route("/<int:notification_id>/read", endpoint="notification_read")
class NotificationRead(MethodView):
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema)
    def put(self, notification_id):
        """标为已读 / Mark as read"""
        if not inbox.mark_read(require_staff().user_id, notification_id):  # committed at the request's edge
            abort(404)
