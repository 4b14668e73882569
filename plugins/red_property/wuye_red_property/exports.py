"""Excel exports: a meeting's minutes (会议纪要) and a community's resolution ledger (决议台账).

Written with wuye's spreadsheet writer (`XlsxWriter`): user text is always a string cell, so a
title starting with "=" never becomes a formula (formula injection), and characters Excel
refuses are dropped. Every sheet prints on A4, fitted to the page width, its header row on every
page; long text (minutes, descriptions, resolutions) wraps within its column, so the minutes
print as a few pages, not one page per stretch of a long line. Files are named
`联席会议纪要-<社区>-<日期>.xlsx` (`download_name`, an ASCII fallback beside it).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from wuye_core.plugins import (
    XLSX_DOC,
    Community,
    ErrorSchema,
    XlsxWriter,
    db,
    download_name,
    record_audit,
    xlsx_response,
)

from .common import NAME, readable, today
from .i18n import N_, _
from .models import SIDE_LABELS, AgendaItem, FollowUp, Meeting, Participant, Resolution
from .partners import company, partner_names

blp = Blueprint("red_property_exports", __name__, description="导出 Excel / Excel exports")

# Codes as people read them (translated when the workbook is written).
MEETING_STATUS = {"planned": N_("Planned"), "held": N_("Held"), "cancelled": N_("Cancelled")}
ITEM_STATUS = {"pending": N_("Waiting for a meeting"), "discussed": N_("Discussed"), "closed": N_("Closed")}
ITEM_SOURCE = {"manual": N_("Added by hand"), "ticket": N_("Escalated ticket"), "visit": N_("Found on a visit")}
RESOLUTION_STATUS = {"open": N_("To do"), "in_progress": N_("In progress"), "done": N_("Done"),
                     "cancelled": N_("Withdrawn")}


def _label(labels: dict, code: str | None) -> str | None:
    return labels[code].translate() if code in labels else code


def _sheet(book: XlsxWriter, title: str, header: list[str], rows, widths: list[int] | None = None,
           wrap: tuple[int, ...] = ()):
    sheet = book.sheet(title, header=header, widths=widths or [], freeze="A2", wrap=wrap)
    for row in rows:
        sheet.append(row)
    return sheet


def _yes(value) -> str | None:
    return None if value is None else (_("Yes") if value else _("No"))


def minutes_workbook(meeting: Meeting) -> XlsxWriter:
    book = XlsxWriter()
    # Portrait: the label and the text, which wraps (one long line of minutes printed as pages).
    info = book.sheet(_("Meeting minutes"), widths=[14, 76], wrap=[2], landscape=False)
    for key, value in [
        (_("Meeting"), meeting.title),
        (_("Date"), meeting.scheduled_on),
        (_("Held on"), meeting.held_on),
        (_("Place"), meeting.location),
        (_("Status"), _label(MEETING_STATUS, meeting.status)),
        (_("Minutes"), meeting.minutes),
    ]:
        info.append([key, value])
    people = db.session.scalars(
        select(Participant)
        .where(Participant.meeting_id == meeting.id)
        .order_by(Participant.side, Participant.id)
    )
    _sheet(
        book,
        _("Participants"),
        [_("Side"), _("Name"), _("Post"), _("Attended")],
        ([_label(SIDE_LABELS, p.side), p.name, p.post, _yes(p.attended)] for p in people),
        [24, 16, 24, 8],
        wrap=(3,),
    )
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.id)
    )
    _sheet(
        book,
        _("Agenda"),
        [_("No."), _("Item"), _("Description"), _("Source"), _("Ticket"), _("Status")],
        (
            [i.id, i.title, i.description, _label(ITEM_SOURCE, i.source), i.ticket_id, _label(ITEM_STATUS, i.status)]
            for i in items
        ),
        [7, 28, 44, 12, 8, 10],
        wrap=(2, 3, 4),
    )
    _sheet(book, _("Resolutions"), *_resolution_rows(select(Resolution).where(Resolution.meeting_id == meeting.id)),
           wrap=RESOLUTION_WRAP)
    return book


def _resolution_rows(stmt):
    day = today()
    follow_ups = dict(
        db.session.execute(
            select(FollowUp.resolution_id, func.count(FollowUp.id))
            .where(FollowUp.resolution_id.in_(stmt.with_only_columns(Resolution.id)))
            .group_by(FollowUp.resolution_id)
        ).all()
    )
    names = partner_names()  # the company a resolution is assigned to: its link's partner, else as recorded
    rows = []
    listed = stmt.add_columns(Meeting.scheduled_on).join(Meeting, Meeting.id == Resolution.meeting_id)
    for r, scheduled_on in db.session.execute(listed.order_by(Resolution.due_on, Resolution.id)):
        overdue = r.status in ("open", "in_progress") and r.due_on < day
        on_time = None if r.done_on is None else r.done_on <= r.due_on
        rows.append(
            [
                r.id,
                scheduled_on,
                r.agenda_item_id,
                r.text,
                _label(SIDE_LABELS, r.owner_side),
                r.owner_name,
                r.due_on,
                _label(RESOLUTION_STATUS, r.status),
                r.done_on,
                _yes(overdue),
                _yes(on_time),
                follow_ups.get(r.id, 0),
                company(r.service_link_id, r.company_name, names)[0],
            ]
        )
    header = [
        _("No."),
        _("Meeting date"),
        _("Agenda item no."),
        _("Resolution"),
        _("Owner side"),
        _("Owner"),
        _("Deadline"),
        _("Status"),
        _("Done on"),
        _("Overdue"),
        _("Done on time"),
        _("Follow-ups"),
        _("Company"),
    ]
    return header, rows, [7, 10, 7, 32, 11, 10, 11, 9, 11, 6, 7, 7, 12]  # 140: one landscape page wide


RESOLUTION_WRAP = (4, 5, 6, 13)  # the resolution, the owner side, the owner and the company wrap in their columns


def _community_name(community_id: int) -> str | None:
    community = db.session.get(Community, community_id)
    return community.name if community is not None else None


def minutes_download(meeting: Meeting):
    """The meeting's minutes as an .xlsx download, recorded in the audit trail (API and console)."""
    day = meeting.scheduled_on.isoformat()
    record_audit(NAME, "exported", target_type="meeting", target_id=meeting.id, details={"file": "minutes.xlsx"})
    return xlsx_response(minutes_workbook(meeting).save,
                         download_name("meeting", meeting.id, "minutes", day, ext="xlsx"),
                         download_name(_("Joint meeting minutes"), _community_name(meeting.community_id), day,
                                       ext="xlsx"))


def ledger_download(community_id: int):
    """The community's resolution ledger as an .xlsx download, recorded in the audit trail."""
    record_audit(NAME, "exported", target_type="community", target_id=community_id,
                 details={"file": "resolutions.xlsx"})
    book = XlsxWriter()
    _sheet(
        book,
        _("Resolution ledger"),
        *_resolution_rows(select(Resolution).where(Resolution.community_id == community_id)),
        wrap=RESOLUTION_WRAP,
    )
    day = today().isoformat()
    return xlsx_response(book.save, download_name("resolutions", "community", community_id, day, ext="xlsx"),
                         download_name(_("Joint meeting resolution ledger"), _community_name(community_id), day,
                                       ext="xlsx"))


@blp.route("/meetings/<int:meeting_id>/minutes.xlsx", endpoint="meeting_minutes_xlsx")
class MinutesXlsx(MethodView):
    @blp.response(200, description="会议纪要 Excel / the minutes as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, meeting_id):
        """导出会议纪要（Excel）/ Export a meeting's minutes, participants, agenda and resolutions (.xlsx)"""
        return minutes_download(readable(Meeting, meeting_id))


@blp.route("/communities/<int:community_id>/resolutions.xlsx", endpoint="resolutions_xlsx")
class LedgerXlsx(MethodView):
    @blp.response(200, description="决议台账 Excel / the resolution ledger as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """导出决议台账（Excel）/ Export a community's resolution ledger (.xlsx)"""
        return ledger_download(community_id)
