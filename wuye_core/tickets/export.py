"""Excel (.xlsx) exports: the tickets of a period (工单台账) and a period's KPIs (工单指标).

Written with the core's one spreadsheet writer (common/spreadsheets.py: write-only workbooks,
user text always a string cell, never a formula, characters Excel refuses dropped), and the
database rows are read in batches (`yield_per`), so memory stays flat whatever the number of
tickets. Instants are written as Beijing wall-clock time to the second (Excel has no time
zones).

Each ticket row carries its reporter (报事人: the name given on the ticket, else the reporter
resident's; the phone likewise, masked for a role that does not see the community's personal
data: households/personal_data.py) and its full place (位置: site, building, unit, room, then the
free `location`; a ticket given a household or a unit only gets the rest from it). They are read
with the tickets, in the same statement (outer joins by id), never a query per row; people are
shown by their display names (登记人, 处理人), read once per export.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ..auth.models import StaffUser
from ..auth.names import SYSTEM, system_name
from ..common.spreadsheets import DATETIME_FORMAT, XLSX, Sheet, XlsxWriter
from ..extensions import db
from ..households.models import Building, Community, Household, Resident, Site, Unit
from ..households.personal_data import phone_for
from .kpis import Period, local, period_filter, seconds_between
from .models import Ticket

# A bigger export is refused (422: choose a shorter period). openpyxl writes about 4,000 rows a
# second here (pure-Python XML; bench/kpi_query.py), so this stays well inside gunicorn's 30 s.
MAX_EXPORT_ROWS = 50_000
BATCH = 1000

KIND_LABELS = {"repair": "报修", "complaint": "投诉", "inquiry": "咨询", "suggestion": "建议", "dispute": "矛盾纠纷"}
PRIORITY_LABELS = {"normal": "一般", "urgent": "紧急", "major": "重大", "complex": "特殊复杂"}
STATUS_LABELS = {"submitted": "已提交", "accepted": "已受理", "dispatched": "已派单", "on_site": "已到场",
                 "resolved": "已办结", "closed": "已关闭", "reopened": "重新打开", "cancelled": "已取消"}
CHANNEL_LABELS = {"window": "一站式服务窗口", "phone": "电话", "app": "居民手机端", "wechat": "微信", "walk_in": "上门",
                  "liaison_visit": "三方联动走访", "handoff": "转办"}

# (header, width): the ticket sheet's columns, in order
TICKET_COLUMNS = [
    ("工单编号", 9), ("社区", 14), ("小区/村湾", 14), ("位置", 28), ("渠道", 10), ("类型", 8), ("类别", 12),
    ("标题", 24), ("描述", 36), ("优先级", 8), ("状态", 9), ("报事人", 10), ("联系电话", 14), ("登记人", 10),
    ("处理人", 10), ("班组", 12), ("提交时间", 19), ("受理时间", 19), ("派单时间", 19), ("到场时间", 19),
    ("办结时间", 19), ("关闭时间", 19), ("到场时限", 19), ("办结时限", 19), ("受理时长（分钟）", 10),
    ("办结时长（分钟）", 10), ("重开次数", 8), ("满意度评分", 8), ("评价", 24),
]
# Long text wraps within its column (位置, 标题, 描述, 评价) instead of running across the page.
WRAPPED = [i for i, (header, _) in enumerate(TICKET_COLUMNS, 1) if header in ("位置", "标题", "描述", "评价")]


def _label(labels: dict, value) -> str | None:
    if value is None:
        return None
    value = getattr(value, "value", value)
    return labels.get(value, value)


def _time_cell(sheet: Sheet, at):
    return None if at is None else sheet.cell(local(at).replace(tzinfo=None, microsecond=0),
                                              number_format=DATETIME_FORMAT)


def _minutes(seconds) -> float | None:
    return None if seconds is None else round(int(seconds) / 60, 2)


def _numbered(text: str | None, suffix: str) -> str | None:
    """"3" → "3栋", "1" → "1单元", "101" → "101室"; a name that says it already ("3号楼") as it is."""
    if not text:
        return None
    return f"{text}{suffix}" if text.isdigit() else text


def place_label(site: str | None, building: str | None, entrance: str | None, room: str | None,
                location: str | None) -> str | None:
    """The full place of a ticket as one line: 稻香小区 3栋 1单元 101室 楼道灯."""
    parts = [site, _numbered(building, "栋"), _numbered(entrance, "单元"), _numbered(room, "室"), location]
    return " ".join(part for part in parts if part) or None


def count_tickets(period: Period, community_ids) -> int:
    return db.session.scalar(select(func.count(Ticket.id)).where(*period_filter(period, community_ids)))


def write_tickets(out, period: Period, community_ids) -> int:
    """The tickets created in `period` in `community_ids`, oldest first, as a one-sheet workbook
    written to the binary file `out`. Returns the number of ticket rows."""
    ids = sorted(set(community_ids))
    return write_ticket_rows(out, period_filter(period, ids), ids)


def count_matching(conditions) -> int:
    return db.session.scalar(select(func.count(Ticket.id)).where(*conditions))


def write_ticket_rows(out, conditions, community_ids, order=None) -> int:
    """The tickets matching `conditions` (SQL clauses on Ticket, e.g. a list's filters; they keep to
    `community_ids`, whose names are read), in the `order` given (ORDER BY terms; oldest first without), as the same
    one-sheet workbook. Returns the number of ticket rows."""
    ids = sorted(set(community_ids))  # whose names the sheet shows (the conditions keep to them)
    communities = dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids or [-1]))).all())
    sites = dict(db.session.execute(select(Site.id, Site.name).where(Site.community_id.in_(ids or [-1]))).all())
    # The tenant's staff, once: by id (处理人) and by username (登记人), by their display names.
    staff, staff_names = {}, {SYSTEM: system_name()}
    for uid, display, username in db.session.execute(select(StaffUser.id, StaffUser.display_name,
                                                            StaffUser.username)):
        staff[uid] = staff_names[username] = display or username
    book = XlsxWriter()
    ws = book.sheet("工单", header=[header for header, _ in TICKET_COLUMNS], widths=[w for _, w in TICKET_COLUMNS],
                    freeze="B2", wrap=WRAPPED, landscape=True)
    t = Ticket
    # The place: what the ticket names, the rest from its household (unit, building) or unit (building).
    unit_id = func.coalesce(t.unit_id, Household.unit_id)
    building_id = func.coalesce(t.building_id, Unit.building_id, Household.building_id)
    stmt = (
        select(t.id, t.community_id, t.site_id, t.location, t.channel, t.kind, t.category, t.title, t.description,
               t.priority, t.status, t.reporter_name, t.reporter_phone, t.assignee_id, t.team, t.created_by,
               t.created_at, t.accepted_at, t.dispatched_at, t.on_site_at, t.resolved_at, t.closed_at,
               t.arrive_due_at, t.resolve_due_at, seconds_between(t.created_at, t.accepted_at).label("response_seconds"),
               seconds_between(t.created_at, t.resolved_at).label("resolution_seconds"), t.reopened_count,
               t.rating, t.rating_comment, Resident.name.label("resident_name"),
               Resident.phone.label("resident_phone"), Building.name.label("building"),
               Unit.entrance.label("entrance"), Unit.number.label("room"))
        .select_from(t)
        .outerjoin(Resident, Resident.id == t.reporter_resident_id)
        .outerjoin(Household, Household.id == t.household_id)
        .outerjoin(Unit, Unit.id == unit_id)
        .outerjoin(Building, Building.id == building_id)
        .where(*conditions)
        .order_by(*(order or (t.created_at, t.id)))
        .execution_options(yield_per=BATCH)
    )
    rows = 0
    for r in db.session.execute(stmt):
        ws.append([
            r.id, communities.get(r.community_id), sites.get(r.site_id),
            place_label(sites.get(r.site_id), r.building, r.entrance, r.room, r.location),
            _label(CHANNEL_LABELS, r.channel), _label(KIND_LABELS, r.kind), r.category, r.title, r.description,
            _label(PRIORITY_LABELS, r.priority), _label(STATUS_LABELS, r.status), r.reporter_name or r.resident_name,
            phone_for(r.community_id, r.reporter_phone or r.resident_phone),
            staff_names.get(r.created_by, r.created_by), staff.get(r.assignee_id), r.team,
            *(_time_cell(ws, at) for at in (r.created_at, r.accepted_at, r.dispatched_at, r.on_site_at,
                                            r.resolved_at, r.closed_at, r.arrive_due_at, r.resolve_due_at)),
            _minutes(r.response_seconds), _minutes(r.resolution_seconds), r.reopened_count, r.rating,
            r.rating_comment,
        ])
        rows += 1
    book.save(out)
    return rows


def _percent(ws: Sheet, rate: dict) -> list:
    return [ws.cell(rate["value"], number_format="0.00%"), rate["numerator"], rate["denominator"]]


def write_kpis(out, kpis: dict, scope_name: str, communities: list[dict] | None = None) -> None:
    """A KPI workbook (labels in Chinese): a sheet of figures, then the counts by kind, category,
    status and priority; with `communities` (the tenant's breakdown), a sheet of one row each."""
    book = XlsxWriter()
    ws = book.sheet("指标", header=["指标", "值", "分子", "分母"], widths=[30, 34, 10, 10])
    period = kpis["period"]
    ws.append(["统计范围", scope_name])
    ws.append(["统计期间（按提交时间，北京时间）", f"{period['from'].isoformat()} 至 {period['to'].isoformat()}"])
    ws.append(["统计时刻", _time_cell(ws, kpis["as_of"])])
    ws.append(["工单总数", kpis["total"]])
    ws.append(["未办结工单", kpis["open"]])
    for key, label in (("response", "受理时长"), ("resolution", "办结时长")):
        figures = kpis[key]
        ws.append([f"{label}：统计工单数", figures["count"]])
        ws.append([f"{label}：中位数 P50（分钟）", figures["p50_minutes"]])
        ws.append([f"{label}：P90（分钟）", figures["p90_minutes"]])
    for key, label in (("completion_rate", "办结率"), ("complaint_closure_rate", "投诉办结率"),
                       ("resolve_sla_rate", "办结时限达标率"), ("arrive_sla_rate", "到场时限达标率"),
                       ("reopened_rate", "重开率")):
        ws.append([label, *_percent(ws, kpis[key])])
    ws.append(["平均满意度（1–5 分）", kpis["satisfaction"]["average"], kpis["satisfaction"]["rated"]])
    for title, key, labels in (("按类型", "by_kind", KIND_LABELS), ("按类别", "by_category", {}),
                               ("按状态", "by_status", STATUS_LABELS), ("按优先级", "by_priority", PRIORITY_LABELS)):
        sheet = book.sheet(title, header=[title.removeprefix("按"), "工单数"], widths=[20, 10])
        for value, n in kpis[key].items():
            sheet.append([labels.get(value, value), n])
    if communities is not None:
        _community_sheet(book, communities)
    book.save(out)


# (header, the figure's path in a community's KPIs, a rate shown as a percentage)
COMMUNITY_COLUMNS = [
    ("社区编号", ("community_id",), False), ("社区", ("name",), False), ("工单总数", ("total",), False),
    ("未办结", ("open",), False), ("受理时长中位数（分钟）", ("response", "p50_minutes"), False),
    ("办结时长中位数（分钟）", ("resolution", "p50_minutes"), False),
    ("办结率", ("completion_rate", "value"), True), ("投诉办结率", ("complaint_closure_rate", "value"), True),
    ("办结时限达标率", ("resolve_sla_rate", "value"), True), ("到场时限达标率", ("arrive_sla_rate", "value"), True),
    ("平均满意度（1–5 分）", ("satisfaction", "average"), False), ("评分工单数", ("satisfaction", "rated"), False),
    ("重开率", ("reopened_rate", "value"), True),
]


def _community_sheet(book: XlsxWriter, communities: list[dict]) -> None:
    """按社区: one row per community, the same figures as the JSON breakdown (rates as percentages)."""
    ws = book.sheet("按社区", header=[h for h, _, _ in COMMUNITY_COLUMNS],
                    widths=[10, 16, *[12] * (len(COMMUNITY_COLUMNS) - 2)], freeze="C2")
    for figures in communities:
        row = []
        for _header, path, percent in COMMUNITY_COLUMNS:
            value = figures
            for key in path:
                value = value[key]
            row.append(ws.cell(value, number_format="0.00%") if percent and value is not None else value)
        ws.append(row)


__all__ = ["MAX_EXPORT_ROWS", "XLSX", "count_matching", "count_tickets", "place_label", "write_kpis",
           "write_ticket_rows", "write_tickets"]
