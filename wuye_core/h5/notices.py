"""The residents' notices (公告): the ones in force for my households, urgent first, unread
marked; opening one records its read receipt (notices/service.open_for_resident: staff's figures
count the household as read). Another building's, a withdrawn or an expired notice is a 404."""

from __future__ import annotations

from flask import g, render_template

from ..console.notices import CATEGORIES
from ..notices import service
from .blueprint import bp
from .pages import account, resident_households


def unread_count() -> int:
    """For the navigation's badge: the notices in force for my households I have not opened
    (once per request)."""
    if "h5_unread" not in g:
        g.h5_unread = service.unread_count(account(), resident_households())
    return g.h5_unread


@bp.route("/notices")
def notices():
    """The notices in force for my households: urgent first, then the newest."""
    return render_template("h5/notices.html", current="notices", categories=dict(CATEGORIES),
                           notices=service.notices_for_resident(account(), resident_households()))


@bp.route("/notices/<int:notice_id>")
def notice(notice_id):
    """A notice (its read receipt recorded for my households it is for: the edge commits)."""
    found = service.open_for_resident(account(), resident_households(), notice_id)
    g.pop("h5_unread", None)
    return render_template("h5/notice.html", current="notices", categories=dict(CATEGORIES), notice=found)
