"""Excel exports: a meeting's minutes (会议纪要) and a community's resolution ledger (决议台账).

Small workbooks (one meeting, one community's resolutions), built in memory. User text is always
written as text: a title starting with "=" must not become a formula (formula injection), and
characters Excel refuses are dropped.
"""

from __future__ import annotations

import io

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from wuye_core.plugins import ErrorSchema, db

from .common import readable, today
from .models import SIDE_LABELS, AgendaItem, FollowUp, Meeting, Participant, Resolution

blp = Blueprint("red_property_exports", __name__, description="导出 Excel / Excel exports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_DOC = {"schema": {"type": "string", "format": "binary"}, "content_type": XLSX}
MEETING_STATUS = {"planned": "待召开", "held": "已召开", "cancelled": "已取消"}
ITEM_STATUS = {"pending": "待上会", "discussed": "已讨论", "closed": "已关闭"}
ITEM_SOURCE = {"manual": "手动添加", "ticket": "工单升级", "visit": "走访发现"}
RESOLUTION_STATUS = {"open": "待办", "in_progress": "办理中", "done": "已办结", "cancelled": "已撤销"}


def _clean(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _append(ws, values) -> None:
    ws.append([_clean(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never a formula


def _sheet(wb, title: str, header: list[str], rows, widths: list[int] | None = None):
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        _append(ws, row)
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "A2"
    return ws


def _send(wb: Workbook, filename: str):
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=filename)


def _yes(value) -> str | None:
    return None if value is None else ("是" if value else "否")


def minutes_workbook(meeting: Meeting) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    info = wb.create_sheet("会议纪要")
    for key, value in [
        ("会议", meeting.title),
        ("日期", meeting.scheduled_on),
        ("召开日期", meeting.held_on),
        ("地点", meeting.location),
        ("状态", MEETING_STATUS.get(meeting.status)),
        ("纪要", meeting.minutes),
    ]:
        _append(info, [key, value])
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 12, 80
    people = db.session.scalars(
        select(Participant)
        .where(Participant.meeting_id == meeting.id)
        .order_by(Participant.side, Participant.id)
    )
    _sheet(
        wb,
        "参会人员",
        ["所属方", "姓名", "职务", "出席"],
        ([SIDE_LABELS.get(p.side, p.side), p.name, p.post, _yes(p.attended)] for p in people),
        [22, 12, 20, 8],
    )
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.id)
    )
    _sheet(
        wb,
        "议题",
        ["编号", "议题", "说明", "来源", "关联工单", "状态"],
        (
            [i.id, i.title, i.description, ITEM_SOURCE.get(i.source), i.ticket_id, ITEM_STATUS.get(i.status)]
            for i in items
        ),
        [8, 40, 50, 10, 10, 10],
    )
    _sheet(wb, "决议", *_resolution_rows(select(Resolution).where(Resolution.meeting_id == meeting.id)))
    return wb


def _resolution_rows(stmt):
    day = today()
    follow_ups = dict(
        db.session.execute(
            select(FollowUp.resolution_id, func.count(FollowUp.id))
            .where(FollowUp.resolution_id.in_(stmt.with_only_columns(Resolution.id)))
            .group_by(FollowUp.resolution_id)
        ).all()
    )
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
                SIDE_LABELS.get(r.owner_side),
                r.owner_name,
                r.due_on,
                RESOLUTION_STATUS.get(r.status),
                r.done_on,
                _yes(overdue),
                _yes(on_time),
                follow_ups.get(r.id, 0),
            ]
        )
    header = [
        "编号",
        "会议日期",
        "议题编号",
        "决议内容",
        "责任方",
        "责任人",
        "办理期限",
        "状态",
        "办结日期",
        "逾期",
        "按期办结",
        "跟进次数",
    ]
    return header, rows, [8, 12, 8, 50, 20, 12, 12, 10, 12, 6, 8, 8]


@blp.route("/meetings/<int:meeting_id>/minutes.xlsx", endpoint="meeting_minutes_xlsx")
class MinutesXlsx(MethodView):
    @blp.response(200, description="会议纪要 Excel / the minutes as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, meeting_id):
        """导出会议纪要（Excel）/ Export a meeting's minutes, participants, agenda and resolutions (.xlsx)"""
        meeting = readable(Meeting, meeting_id)
        return _send(minutes_workbook(meeting), f"三方联席会议纪要-{meeting.scheduled_on.isoformat()}.xlsx")


@blp.route("/communities/<int:community_id>/resolutions.xlsx", endpoint="resolutions_xlsx")
class LedgerXlsx(MethodView):
    @blp.response(200, description="决议台账 Excel / the resolution ledger as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """导出决议台账（Excel）/ Export a community's resolution ledger (.xlsx)"""
        wb = Workbook()
        wb.remove(wb.active)
        _sheet(
            wb,
            "决议台账",
            *_resolution_rows(select(Resolution).where(Resolution.community_id == community_id)),
        )
        return _send(wb, f"三方联席会议决议台账-{today().isoformat()}.xlsx")
