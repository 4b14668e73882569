"""My notifications (every staff user): newest first, unread only if asked, one or all marked
read, each leading to its ticket. The query and the updates are the API's
(tickets/notifications/inbox.py, as GET /api/v1/notifications and PUT …/<id>/read)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..api.access import require_staff
from ..api.pagination import PageArgs, paginate
from ..i18n import show_note
from ..tickets.notifications import inbox
from ..tickets.notifications.models import Notification
from .blueprint import bp
from .forms import console_form


def _back() -> str:
    unread = request.form.get("unread") == "1"
    return url_for("console.notifications", unread=1 if unread else None)


@bp.route("/notifications")
def notifications():
    """我的通知：最新在前，可只看未读。"""
    me = require_staff()
    unread = request.args.get("unread") == "1"
    args, errors = console_form(PageArgs(), {k: v for k, v in request.args.items() if k == "page"})
    if errors:
        args = PageArgs().load({})
    page = paginate(inbox.mine(me.user_id, unread), Notification, args)
    return render_template("console/notifications/list.html", current="notifications", page=page, unread=unread,
                           show_note=show_note, unread_total=inbox.unread_count(me.user_id))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
def notification_read(notification_id):
    """标为已读（与 PUT /api/v1/notifications/<id>/read 相同）。"""
    if not inbox.mark_read(require_staff().user_id, notification_id):
        abort(404)
    return redirect(_back())


@bp.route("/notifications/read-all", methods=["POST"])
def notifications_read_all():
    """全部标为已读。"""
    count = inbox.mark_all_read(require_staff().user_id)
    flash(_("%(count)s notifications marked read.", count=count), "success")
    return redirect(_back())
