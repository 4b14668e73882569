"""Exports and histories as people read them (issue #16, items 6 and 8):

- the ticket export carries the reporter (the name given, else the reporter resident's; the
  phone masked for a role that does not see the community's personal data) and the full place
  (site, building, unit, room, then the free location), read with the tickets: no query per row;
- people by their display names, not usernames: the ticket history (`actor_name`, "system" as
  系统/System), the ticket (`created_by_name`), its attachments (`uploaded_by_name`), the export's
  登记人 and 处理人, the red_property follow-ups, the care watermark;
- every .xlsx the platform serves (walked from the OpenAPI document, core and plugins) prints:
  A4, fitted to the page width, title rows repeated, landscape where wide, page numbers in the
  reader's language; every download has a readable name (both forms, no empty part);
- the care watermark in the reader's language only.
"""

from __future__ import annotations

import io
import re
import zipfile
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import event

from tests.test_export_injection import CARE, EXPORTS, FEES, RED, VOLUNTEERS, WELFARE, _seed
from wuye_core.common import dumping
from wuye_core.common.spreadsheets import download_name
from wuye_core.extensions import db
from wuye_core.testing import login
from wuye_core.tickets import service
from wuye_core.tickets.models import Ticket

EN = {"Accept-Language": "en"}


def _today():
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _period():
    return {"from": (_today() - timedelta(days=1)).isoformat(), "to": _today().isoformat()}


def _created(response) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _person(t, username: str, display_name: str | None, role: str, communities: list[int]):
    roles = [{"role": role, "community_id": c} for c in communities]
    r = t.admin.post("/api/v1/users", json={"username": username, "password": "password-123", "roles": roles,
                                            "display_name": display_name})
    assert r.status_code == 201, r.get_json()
    client = login(t.app, t.slug, username, "password-123")
    client.id = r.get_json()["id"]
    return client


@contextmanager
def _statements(app):
    """The SQL statements run inside the block (a list, filled as they run)."""
    seen = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _rows(response, sheet="工单"):
    assert response.status_code == 200, response.get_data()[:300]
    ws = load_workbook(io.BytesIO(response.data))[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _place(t):
    c = _created(t.admin.post("/api/v1/communities", json={"name": "稻香社区", "code": "dx"}))
    site = _created(t.admin.post("/api/v1/sites", json={"community_id": c, "name": "稻香小区", "kind": "compound"}))
    building = _created(t.admin.post("/api/v1/buildings", json={"site_id": site, "name": "3"}))
    unit = _created(t.admin.post("/api/v1/units", json={"building_id": building, "number": "101", "entrance": "1"}))
    household = _created(t.admin.post("/api/v1/households", json={"unit_id": unit, "kind": "owner"}))
    resident = _created(t.admin.post("/api/v1/residents", json={"household_id": household, "name": "余桂兰",
                                                                 "phone": "13812345678"}))
    return {"community": c, "site": site, "building": building, "unit": unit, "household": household,
            "resident": resident}


def _ticket(client, ids, **fields):
    body = {"community_id": ids["community"], "site_id": ids["site"], "channel": "window", "kind": "repair",
            "category": "水电维修", "title": "厨房漏水", **fields}
    return _created(client.post("/api/v1/tickets", json=body))


# --- item 6: reporter and place -----------------------------------------------------------------


def test_the_ticket_export_has_the_reporter_masked_per_role_and_the_full_place(wuye_app, wuye_make_tenant):
    t = wuye_make_tenant("acme")
    ids = _place(t)
    clerk = _person(t, "clerk", "张丽", "community_staff", [ids["community"]])
    viewer = _person(t, "viewer", "李明", "readonly", [ids["community"]])
    worker = _person(t, "worker", "王师傅", "community_staff", [ids["community"]])
    worker_id = worker.id
    # A resident reports a leak at their flat: the reporter is the resident, the place the household
    flat = _ticket(clerk, ids, reporter_resident_id=ids["resident"], household_id=ids["household"], location="厨房")
    assert clerk.post(f"/api/v1/tickets/{flat}/transitions", json={"action": "dispatch", "assignee_id": worker_id}
                      ).status_code == 200
    # Someone off the register calls about the stairwell of building 3
    stairs = _ticket(clerk, ids, reporter_name="王先生", reporter_phone="13900001111", building_id=ids["building"],
                     location="二楼楼道灯")

    full = {row["工单编号"]: row for row in _rows(t.admin.get("/api/v1/tickets/export.xlsx", query_string=_period()))}
    assert full[flat]["报事人"] == "余桂兰" and full[flat]["联系电话"] == "13812345678"
    assert full[flat]["位置"] == "稻香小区 3栋 1单元 101室 厨房"
    assert full[flat]["小区/村湾"] == "稻香小区"
    assert full[flat]["登记人"] == "张丽" and full[flat]["处理人"] == "王师傅"  # names, not usernames
    assert full[stairs]["报事人"] == "王先生" and full[stairs]["联系电话"] == "13900001111"
    assert full[stairs]["位置"] == "稻香小区 3栋 二楼楼道灯"

    masked = {row["工单编号"]: row for row in _rows(viewer.get("/api/v1/tickets/export.xlsx", query_string=_period()))}
    assert masked[flat]["报事人"] == "余桂兰" and masked[flat]["联系电话"] == "138****5678"
    assert masked[stairs]["联系电话"] == "139****1111"
    assert masked[flat]["位置"] == "稻香小区 3栋 1单元 101室 厨房"


def test_the_ticket_export_reads_in_bulk_not_per_row(wuye_app, wuye_make_tenant):
    """The same number of statements for 2 tickets as for 12: reporter, place and people come with them."""
    t = wuye_make_tenant("acme")
    ids = _place(t)

    def export_statements() -> int:
        with _statements(wuye_app) as seen:
            r = t.admin.get("/api/v1/tickets/export.xlsx", query_string=_period())
        assert r.status_code == 200
        return len(seen)

    for _ in range(2):
        _ticket(t.admin, ids, reporter_resident_id=ids["resident"], household_id=ids["household"])
    few = export_statements()
    for i in range(10):
        _ticket(t.admin, ids, reporter_resident_id=ids["resident"], unit_id=ids["unit"], location=f"{i}")
    assert export_statements() == few


# --- item 6: people's names in history views ----------------------------------------------------


def test_the_history_shows_display_names_resolved_once(wuye_app, wuye_make_tenant, monkeypatch):
    t = wuye_make_tenant("acme")
    ids = _place(t)
    clerk = _person(t, "clerk", "张丽", "community_staff", [ids["community"]])
    nameless = _person(t, "li", None, "community_staff", [ids["community"]])
    ticket = _ticket(clerk, ids)
    assert nameless.post(f"/api/v1/tickets/{ticket}/transitions", json={"action": "accept"}).status_code == 200
    with wuye_app.app_context():
        from wuye_core.tenancy import tenant_context

        with tenant_context(t.id):
            row = db.session.get(Ticket, ticket)
            service.transition(row, "cancel", service.SYSTEM, "auto")  # a job's step: actor "system"
            db.session.commit()

    # count as production dumps: without the test configuration's second dump by marshmallow
    # (common/dumping.py CHECK), which dumps a page's items one by one
    monkeypatch.setattr(dumping, "CHECK", False)
    with _statements(wuye_app) as seen:
        history = clerk.get(f"/api/v1/tickets/{ticket}/transitions?sort=id")
    assert history.status_code == 200, history.get_json()
    steps = history.get_json()
    steps = steps["items"] if isinstance(steps, dict) else steps
    assert [(s["actor"], s["actor_name"]) for s in steps] == [("clerk", "张丽"), ("li", "li"), ("system", "系统")]
    # all the names of the page in one query
    assert sum("staff_users.display_name" in statement for statement in seen) == 1

    english = clerk.get(f"/api/v1/tickets/{ticket}/transitions?sort=id", headers=EN).get_json()
    english = english["items"] if isinstance(english, dict) else english
    assert english[-1]["actor_name"] == "System"

    detail = clerk.get(f"/api/v1/tickets/{ticket}").get_json()
    assert (detail["created_by"], detail["created_by_name"]) == ("clerk", "张丽")
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    r = clerk.post(f"/api/v1/tickets/{ticket}/attachments", data={"file": (io.BytesIO(png), "leak.png", "image/png")},
                   json=None)
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["uploaded_by"], r.get_json()["uploaded_by_name"]) == ("clerk", "张丽")
    listed = clerk.get(f"/api/v1/tickets/{ticket}/attachments").get_json()
    listed = listed["items"] if isinstance(listed, dict) else listed
    assert [a["uploaded_by_name"] for a in listed] == ["张丽"]


def test_red_property_follow_ups_and_visits_name_people(wuye_app, wuye_make_tenant, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = _place(t)
    c = ids["community"]
    wuye_enable_plugin(t, "red_property", c)
    clerk = _person(t, "clerk", "张丽", "community_staff", [c])
    meeting = _created(clerk.post(f"{RED}/communities/{c}/meetings", json={"title": "联席会议"}))
    assert clerk.post(f"{RED}/meetings/{meeting}/hold", json={"minutes": "议定"}).status_code == 200
    resolution = _created(clerk.post(f"{RED}/meetings/{meeting}/resolutions",
                                     json={"text": "更换水管", "owner_side": "property", "owner_name": "张经理"}))
    r = clerk.post(f"{RED}/resolutions/{resolution}/follow-ups", json={"note": "已报价", "status": "in_progress"})
    assert r.status_code in (200, 201), r.get_json()
    follow_ups = clerk.get(f"{RED}/resolutions/{resolution}/follow-ups").get_json()
    follow_ups = follow_ups["items"] if isinstance(follow_ups, dict) else follow_ups
    assert [(f["actor"], f["actor_name"]) for f in follow_ups] == [("clerk", "张丽")]
    visit = clerk.post(f"{RED}/communities/{c}/visits", json={"visited_on": _today().isoformat()})
    assert visit.status_code == 201, visit.get_json()
    assert visit.get_json()["officer"] == "张丽"  # the officer by name when not given, not "clerk"


# --- item 8: print setup and file names -------------------------------------------------------

# Sheets that are wider than a portrait page: printed landscape.
LANDSCAPE = {"工单", "按社区", "街道汇总", "议题", "决议", "决议台账", "关爱台账", "住户台账", "Agenda", "Resolutions", "Resolution ledger",
             "Care ledger", "年度考核", "Yearly assessment", "花名册", "Roster",
             "成员名册", "Member list", "成员导入", "Members to import",  # volunteers' 名册 and its import template
             "收费台账", "Fee ledger", "物业费账单", "Property fee bills",
             "收款日记账", "Payments journal"}  # fees: the ledger import template, bills, payments
LANDSCAPE_MONTHS = ("考勤 ", "Attendance ", "Collection ")  # welfare_jobs' month sheets, titled with their month; fees' year
# Sheets that are a document, not a table (a heading, then sections): no row repeats on each page;
# the page header carries the title
DOCUMENTS = {"收支公示", "Statement"}  # fees: the quarterly statement of income and spending
LANDSCAPE_YEARS = ("收缴情况",)  # fees: a year's collection by site and month ("2026年收缴情况")
_FILENAME = re.compile(r'^attachment; filename="([\x20-\x7e]+)"; filename\*=UTF-8\'\'(\S+)$')


def _check_prints(path: str, data: bytes, page_numbers: str) -> list:
    workbook = load_workbook(io.BytesIO(data))
    for ws in workbook:
        where = f"{path} {ws.title}"
        setup = ws.page_setup
        assert str(setup.paperSize) == "9", where  # A4
        assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage, where
        assert (setup.fitToWidth, setup.fitToHeight) in ((1, 0), ("1", "0")), where  # one page wide
        if ws.title not in DOCUMENTS:
            assert ws.print_title_rows and ws.print_title_rows.startswith("$1:$"), where  # title rows repeated
        landscape = ws.title in LANDSCAPE or ws.title.startswith(LANDSCAPE_MONTHS) or ws.title.endswith(LANDSCAPE_YEARS)
        assert setup.orientation == ("landscape" if landscape else "portrait"), where
        assert ws.oddFooter.center.text == page_numbers, where  # 第 &P 页 共 &N 页, in the reader's language
        assert ws.oddHeader.center.text, where
        assert ws.page_margins.left <= 0.5 and ws.page_margins.top <= 0.75, where
    return workbook


def _names(disposition: str) -> tuple[str, str]:
    match = _FILENAME.match(disposition)
    assert match, disposition
    return match.group(1), unquote(match.group(2))


def test_every_xlsx_prints_and_has_a_readable_name(wuye_app, wuye_make_tenant, wuye_enable_plugin):
    world = _seed(wuye_app, wuye_make_tenant, wuye_enable_plugin)
    community = world["community"]
    # The readable part of each download's name (the community's name, made safe for a file system)
    safe_community = download_name(world_name := '=HYPERLINK("http://x","y")', ext="x")[:-2]
    assert safe_community and world_name not in safe_community
    expected = {
        "/api/v1/tickets/export.xlsx": ("tickets-all-", "工单台账-全部社区-"),
        "/api/v1/kpis.xlsx": ("kpis-all-", "工单指标-全部社区-"),
        "/api/v1/communities/{community_id}/kpis.xlsx": (f"kpis-community-{community}-",
                                                          f"工单指标-{safe_community}-"),
        "/api/v1/communities/{community_id}/imports/households/template.xlsx": (
            f"households-template-{community}.xlsx", f"住户台账模板-{safe_community}.xlsx"),
        f"{RED}/meetings/{{meeting_id}}/minutes.xlsx": (f"meeting-{world['meeting']}-minutes-",
                                                         f"联席会议纪要-{safe_community}-"),
        f"{RED}/communities/{{community_id}}/resolutions.xlsx": (f"resolutions-community-{community}-",
                                                                  f"联席会议决议台账-{safe_community}-"),
        f"{CARE}/briefs/{{brief_id}}/ledger.xlsx": (f"care-ledger-{world['brief']}-",
                                                     f"困难群众走访台账-{safe_community}-"),
        "/api/v1/supervision/street-figures.xlsx": ("street-figures-", "街道汇总-"),
        f"{WELFARE}/communities/{{community_id}}/attendance.xlsx": (f"attendance-{community}-",
                                                                     f"月度考勤汇总-{safe_community}-"),
        f"{WELFARE}/communities/{{community_id}}/attendance/template.xlsx": (
            f"attendance-template-{community}-", f"月度考勤表-{safe_community}-"),
        f"{WELFARE}/communities/{{community_id}}/assessments/{{year}}.xlsx": (
            f"welfare-jobs-assessments-{community}-", f"年度考核-{safe_community}-"),
        f"{WELFARE}/communities/{{community_id}}/subsidies/{{month}}/roster.xlsx": (
            f"welfare-jobs-roster-{community}-", f"公益性岗位花名册-{safe_community}-"),
        **volunteers_names(community, safe_community, world["year"]),
        **fees_names(community, safe_community, world),
    }
    assert expected.keys() == EXPORTS.keys()  # every export the app serves (test_export_injection holds that)
    for path, case in EXPORTS.items():
        client, url, query, _texts = case(world)
        for headers, page_numbers in (({}, "第 &P 页 共 &N 页"), (EN, "Page &P of &N")):
            r = client.get(url, query_string=query, headers=headers)
            assert r.status_code == 200, (path, r.status_code)
            if path.startswith(f"{CARE}/briefs/"):  # built by a job in the language of whoever asked for it
                page_numbers = "第 &P 页 共 &N 页"
            _check_prints(path, r.data, page_numbers)
        _, en_name = _names(r.headers["Content-Disposition"])  # an English name is its own fallback
        zh_ascii, zh_name = _names(client.get(url, query_string=query).headers["Content-Disposition"])
        ascii_start, zh_start = expected[path]
        assert re.fullmatch(r"[A-Za-z0-9._-]+\.xlsx", zh_ascii) and zh_ascii.startswith(ascii_start), (path, zh_ascii)
        assert zh_name.startswith(zh_start) and zh_name.endswith(".xlsx"), (path, zh_name)
        for name in (zh_name, en_name, zh_ascii):
            assert name[0] not in "-._" and "--" not in name, (path, name)  # no empty part


def volunteers_names(community, safe_community, year) -> dict:
    """The volunteers plugin's downloads: (ASCII start, readable start) of each."""
    return {
        f"{VOLUNTEERS}/communities/{{community_id}}/members.xlsx": (
            f"volunteers-members-{community}-", f"联盟成员名册-{safe_community}-"),
        f"{VOLUNTEERS}/communities/{{community_id}}/members/template.xlsx": (
            f"volunteers-members-template-{community}.xlsx", f"联盟成员名册模板-{safe_community}.xlsx"),
        f"{VOLUNTEERS}/communities/{{community_id}}/hours/{{year}}.xlsx": (
            f"volunteer-hours-{community}-{year}.xlsx", f"志愿服务时长统计-{safe_community}-{year}.xlsx"),
        f"{VOLUNTEERS}/communities/{{community_id}}/party-report.xlsx": (
            f"volunteers-party-report-{community}-{year}.xlsx", f"在职党员服务情况报告-{safe_community}-{year}.xlsx"),
        f"{VOLUNTEERS}/communities/{{community_id}}/time-bank/balances.xlsx": (
            f"volunteers-time-bank-{community}-", f"时间银行积分余额-{safe_community}-"),
    }


def fees_names(community, safe_community, world) -> dict:
    """The fees plugin's downloads: (ASCII start, readable start) of each."""
    from wuye_fees.periods import quarter_of

    year, quarter = quarter_of(date.fromisoformat(f"{world['fees_period']}-01") - timedelta(days=92))
    return {
        f"{FEES}/communities/{{community_id}}/ledger-template.xlsx": (
            f"fees-ledger-template-{community}.xlsx", f"收费台账导入模板-{safe_community}.xlsx"),
        f"{FEES}/communities/{{community_id}}/bills.xlsx": (
            f"fees-bills-{community}-{world['fees_period']}.xlsx", f"物业费账单-{safe_community}-{world['fees_period']}"),
        f"{FEES}/communities/{{community_id}}/payments.xlsx": (
            f"fees-payments-{community}-", f"物业费收款-{safe_community}-"),
        f"{FEES}/communities/{{community_id}}/collection.xlsx": (
            f"fee-collection-{community}-{world['year']}.xlsx", f"物业费收缴统计-{safe_community}-{world['year']}.xlsx"),
        f"{FEES}/statements/{{statement_id}}/statement.xlsx": (
            f"fees-statement-{community}-{year}Q{quarter}-community-v1.xlsx",
            f"物业费收支公示-{safe_community}-{year}Q{quarter}-v1.xlsx"),
    }


def test_volunteers_workbooks_print_and_have_readable_names(wuye_app, wuye_make_tenant, wuye_enable_plugin):
    """The volunteers plugin's workbooks alone (the test above checks them with every other)."""
    world = _seed(wuye_app, wuye_make_tenant, wuye_enable_plugin)
    safe_community = download_name('=HYPERLINK("http://x","y")', ext="x")[:-2]
    names = volunteers_names(world["community"], safe_community, world["year"])
    assert names.keys() == {path for path in EXPORTS if path.startswith(VOLUNTEERS)}
    for path, (ascii_start, zh_start) in names.items():
        client, url, query, _texts = EXPORTS[path](world)
        for headers, page_numbers in (({}, "第 &P 页 共 &N 页"), (EN, "Page &P of &N")):
            r = client.get(url, query_string=query, headers=headers)
            assert r.status_code == 200, (path, r.status_code)
            _check_prints(path, r.data, page_numbers)
        zh_ascii, zh_name = _names(client.get(url, query_string=query).headers["Content-Disposition"])
        assert zh_ascii.startswith(ascii_start) and zh_name.startswith(zh_start), (zh_ascii, zh_name)


def test_the_minutes_print_as_a_few_pages(wuye_app, wuye_make_tenant, wuye_enable_plugin):
    """Long minutes, agenda items and resolutions wrap within their columns; every sheet is at most
    one landscape page wide at a readable scale (the sum of its column widths), so the pages are
    the rows' pages, not one page per stretch of a long line."""
    t = wuye_make_tenant("acme")
    ids = _place(t)
    c = ids["community"]
    wuye_enable_plugin(t, "red_property", c)
    long = "业主反映楼道堆物严重，影响消防通道；物业、业委会、社区三方现场查看后议定清理方案。" * 20
    meeting = _created(t.admin.post(f"{RED}/communities/{c}/meetings", json={"title": "十二月联席会议"}))
    _created(t.admin.post(f"{RED}/communities/{c}/agenda-items", json={"title": "楼道堆物", "description": long,
                                                                     "meeting_id": meeting}))
    assert t.admin.post(f"{RED}/meetings/{meeting}/hold", json={"minutes": long}).status_code == 200
    _created(t.admin.post(f"{RED}/meetings/{meeting}/resolutions",
                          json={"text": long[:400], "owner_side": "property", "owner_name": "张经理"}))
    r = t.admin.get(f"{RED}/meetings/{meeting}/minutes.xlsx")
    workbook = _check_prints("minutes.xlsx", r.data, "第 &P 页 共 &N 页")
    _, name = _names(r.headers["Content-Disposition"])
    assert re.fullmatch(r"联席会议纪要-稻香社区-\d{4}-\d{2}-\d{2}\.xlsx", name), name
    for ws in workbook:
        widths = sum(ws.column_dimensions[letter].width or 8.43 for letter in ws.column_dimensions)
        assert widths <= (140 if ws.page_setup.orientation == "landscape" else 95), (ws.title, widths)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and len(cell.value) > 100:
                    assert cell.alignment.wrap_text, (ws.title, cell.coordinate)  # wraps, never runs on


def test_download_names():
    assert download_name("联席会议纪要", "径河街社区", "2026-12", ext="xlsx") == "联席会议纪要-径河街社区-2026-12.xlsx"
    assert download_name("联席会议纪要", None, "", "2026-12-05", ext=".xlsx") == "联席会议纪要-2026-12-05.xlsx"
    assert download_name("a/b", 'x:"y"', "  two   words ", ext="docx") == "a_b-x_y-two words.docx"
    assert download_name(None, "", "/", ext="xlsx") == "export.xlsx"  # never an empty name
    assert len(download_name("长" * 500, ext="xlsx")) == 120 + len(".xlsx")


# --- item 8 / 9: the watermark in the reader's language only --------------------------------------


def _document_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))


def test_the_care_watermark_is_in_one_language_and_names_the_person(wuye_app, wuye_make_tenant, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = _place(t)
    c = ids["community"]
    wuye_enable_plugin(t, "care_visits", c, {"first_visit_days": 0})
    boss = _person(t, "boss", "周主任", "care_supervisor", [c])
    _created(boss.post(f"{CARE}/communities/{c}/people", json={"resident_id": ids["resident"], "level": "A",
                                                               "difficulties": ["elderly"]}))
    r = boss.post(f"{CARE}/communities/{c}/briefs", json={"period_start": _today().replace(day=1).isoformat(),
                                                          "period_end": _today().isoformat()})
    assert r.status_code == 202, r.get_json()
    brief = r.get_json()["id"]
    for file in ("ledger.xlsx", "brief.docx"):
        zh = _document_text(boss.get(f"{CARE}/briefs/{brief}/{file}").data)
        en = _document_text(boss.get(f"{CARE}/briefs/{brief}/{file}", headers=EN).data)
        assert "导出人 周主任" in zh and "exported by" not in zh.lower(), file
        assert "exported by 周主任" in en and "导出人" not in en and "仅限" not in en, file
        assert "boss" not in zh and "boss" not in en, file  # the person, not the account
    ledger = boss.get(f"{CARE}/briefs/{brief}/ledger.xlsx")
    _, name = _names(ledger.headers["Content-Disposition"])
    assert re.fullmatch(r"困难群众走访台账-稻香社区-\d{4}-\d{2}-\d{2}至\d{4}-\d{2}-\d{2}\.xlsx", name), name
    docx = boss.get(f"{CARE}/briefs/{brief}/brief.docx")
    ascii_name, name = _names(docx.headers["Content-Disposition"])
    assert re.fullmatch(r"困难群众走访简报-稻香社区-\d{4}-\d{2}-\d{2}至\d{4}-\d{2}-\d{2}\.docx", name), name
    assert ascii_name.startswith(f"care-brief-{brief}-")
