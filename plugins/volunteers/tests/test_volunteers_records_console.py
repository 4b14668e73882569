"""The console's pages of records, certificates, the year's hours and the 在职党员 report: what the
manager sees and does, in Chinese; what an organiser may read and is refused; staff of the
community who are not the alliance's are refused."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from _record_rows import ID_NUMBER, C, beijing, member, record, world
from docx import Document
from openpyxl import load_workbook


def _location_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/(\d+)(#\w+)?$", response.headers["Location"]).group(1))


def test_the_manager_corrects_enters_and_certifies_in_the_console(wuye_app, wuye_make_tenant, wuye_register,
                                                                   wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang = member(w.tenant, w.cid, "张志华", id_number=ID_NUMBER)
    y = w.today.year - 1
    one = record(w.tenant, w.cid, zhang, beijing(date(y, 4, 6), 8, 0), 120, "小区环境清洁", "海景北小区")
    page = w.tenant.console("mgr", "password-123")

    listed = page.get(f"{C}/communities/{w.cid}/records").get_data(as_text=True)
    assert "服务记录" in listed and "小区环境清洁" in listed and "补录服务记录" in listed and "张志华" in listed
    filtered = page.get(f"{C}/communities/{w.cid}/records", query_string={"from": f"{y + 1}-01-01"})
    assert filtered.status_code == 200 and "没有符合条件的服务记录" in filtered.get_data(as_text=True)
    wrong = page.get(f"{C}/communities/{w.cid}/records", query_string={"sort": "content"})
    assert wrong.status_code == 200 and "小区环境清洁" in wrong.get_data(as_text=True)  # the default order, and why

    # a correction: the form sends every input, only the minutes differ
    shown = page.get(f"{C}/records/{one}").get_data(as_text=True)
    assert "更正这条记录" in shown and "未更正过" in shown and f'value="{y}-04-06T08:00"' in shown
    form = {"minutes": "90", "content": "小区环境清洁", "place": "海景北小区", "started_at": f"{y}-04-06T08:00",
            "ended_at": f"{y}-04-06T10:00", "evaluation": "good", "reason": "提前离开"}
    assert _location_id(page.post(f"{C}/records/{one}/correct", data=form)) == one
    shown = page.get(f"{C}/records/{one}").get_data(as_text=True)
    assert "分钟数：120 → 90" in shown and "原因：提前离开" in shown and "未更正过" not in shown
    history = w.mgr.get(f"/api/v1/plugins/volunteers/records/{one}").get_json()["history"]
    assert [h["fields"] for h in history] == [["minutes"]]
    again = page.post(f"{C}/records/{one}/correct", data=form)
    assert again.status_code == 422 and "这次更正没有改变任何内容" in again.get_data(as_text=True)
    no_reason = page.post(f"{C}/records/{one}/correct", data={**form, "minutes": "60", "reason": ""})
    assert no_reason.status_code == 422 and 'aria-describedby="e-reason"' in no_reason.get_data(as_text=True)

    # a record by hand
    assert page.get(f"{C}/communities/{w.cid}/records/new").status_code == 200
    made = page.post(f"{C}/communities/{w.cid}/records/new", data={
        "member_id": str(zhang), "content": "为独居老人代购药品", "place": "3 栋", "started_at": f"{y}-10-01T14:00",
        "ended_at": f"{y}-10-01T15:30"})
    manual = _location_id(made)
    assert "为独居老人代购药品" in page.get(f"{C}/records/{manual}").get_data(as_text=True)
    bad = page.post(f"{C}/communities/{w.cid}/records/new", data={
        "member_id": str(zhang), "content": "x", "place": "y", "started_at": f"{y}-10-01T14:00",
        "ended_at": f"{y}-10-01T13:00"})
    assert bad.status_code == 422 and "结束时间须晚于开始时间" in bad.get_data(as_text=True)

    # the member's page, a certificate issued, its page and its document
    mine = page.get(f"{C}/members/{zhang}/records").get_data(as_text=True)
    assert "出具证明" in mine and "还没有出具过证明" in mine
    assert page.get(f"{C}/members/{zhang}/certificates/new").status_code == 200
    empty = page.post(f"{C}/members/{zhang}/certificates/new", data={
        "period_start": f"{y + 1}-01-01", "period_end": w.today.isoformat()})
    assert empty.status_code == 422 and "该成员在这段期间没有服务记录" in empty.get_data(as_text=True)
    cert = _location_id(page.post(f"{C}/members/{zhang}/certificates/new", data={
        "period_start": f"{y}-01-01", "period_end": f"{y}-12-31", "purpose": "评优"}))
    shown = page.get(f"{C}/certificates/{cert}").get_data(as_text=True)
    assert f"志证〔{w.today.year}〕第 0001 号" in shown and "下载打印" in shown
    document = page.get(f"{C}/certificates/{cert}/download")
    assert document.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(document.data)).paragraphs)
    assert "参加志愿服务 2 次，累计服务时长 3 小时。" in text and "（此证明用于：评优）" in text
    assert f"志证〔{w.today.year}〕第 0001 号" in page.get(f"{C}/members/{zhang}/records").get_data(as_text=True)
    assert f"志证〔{w.today.year}〕第 0001 号" in page.get(f"{C}/communities/{w.cid}/certificates").get_data(
        as_text=True)
    # corrected after the issue: the record and the certificate say the certificate keeps its figures
    page.post(f"{C}/records/{one}/correct", data={**form, "minutes": "60", "reason": "再次核对"})
    assert "证明保留出具时的数字" in page.get(f"{C}/records/{one}").get_data(as_text=True)
    assert "现为 2 次、2.5 小时" in page.get(f"{C}/certificates/{cert}").get_data(as_text=True)


def test_the_hours_and_party_report_pages(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    y = w.today.year - 1
    wang = member(w.tenant, w.cid, "王建军", kind="party_member", party_org="区税务局机关党支部")
    record(w.tenant, w.cid, wang, beijing(date(y, 3, 5), 9), 150)
    record(w.tenant, w.cid, wang, beijing(w.today, 0, 0), 30)
    page = w.tenant.console("mgr", "password-123")
    this_year = page.get(f"{C}/communities/{w.cid}/hours").get_data(as_text=True)
    assert f"{w.today.year} 年服务时长" in this_year and "王建军" in this_year and "0.5" in this_year
    last_year = page.get(f"{C}/communities/{w.cid}/hours", query_string={"year": y}).get_data(as_text=True)
    assert f"{y} 年服务时长" in last_year and "2.5" in last_year and "下载全年统计" in last_year
    wrong = page.get(f"{C}/communities/{w.cid}/hours", query_string={"year": "1999"})
    assert wrong.status_code == 200 and "请选择 2000 年至今年之间的年度" in wrong.get_data(as_text=True)
    book = page.get(f"{C}/communities/{w.cid}/hours/export", query_string={"year": y})
    assert book.status_code == 200
    assert load_workbook(io.BytesIO(book.data))["服务时长"]["B3"].value == "王建军"
    report = page.get(f"{C}/communities/{w.cid}/party-report", query_string={"year": y}).get_data(as_text=True)
    assert "在职党员服务情况报告" in report and "区税务局机关党支部" in report and "未达到" in report
    assert "王建军" in report and "期间内应服务 12 小时" in report
    assert page.get(f"{C}/communities/{w.cid}/party-report").status_code == 200
    both = page.get(f"{C}/communities/{w.cid}/party-report", query_string={"year": y, "from": f"{y}-01-01"})
    assert both.status_code == 200 and "请选择年度或填写期间，不要同时填写" in both.get_data(as_text=True)
    sheet = page.get(f"{C}/communities/{w.cid}/party-report/export", query_string={"year": y})
    assert sheet.status_code == 200 and load_workbook(io.BytesIO(sheet.data)).sheetnames == ["在职党员"]


def test_organisers_read_and_others_are_refused(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang = member(w.tenant, w.cid, "张志华")
    one = record(w.tenant, w.cid, zhang, beijing(w.today - timedelta(days=3), 8), 120)
    cert = w.mgr.post(f"/api/v1/plugins/volunteers/communities/{w.cid}/certificates", json={
        "member_id": zhang, "period_start": (w.today - timedelta(days=10)).isoformat(),
        "period_end": w.today.isoformat()}).get_json()["id"]
    organiser = w.tenant.console("org", "password-123")
    for path in (f"/communities/{w.cid}/records", f"/records/{one}", f"/members/{zhang}/records",
                 f"/communities/{w.cid}/hours"):
        r = organiser.get(C + path)
        assert r.status_code == 200, path
        assert "更正这条记录" not in r.get_data(as_text=True) and "补录服务记录" not in r.get_data(as_text=True)
    for path in (f"/communities/{w.cid}/records/new", f"/communities/{w.cid}/certificates",
                 f"/members/{zhang}/certificates/new", f"/certificates/{cert}", f"/certificates/{cert}/download",
                 f"/communities/{w.cid}/hours/export", f"/communities/{w.cid}/party-report",
                 f"/communities/{w.cid}/party-report/export"):
        assert organiser.get(C + path).status_code == 403, path
    r = organiser.post(f"{C}/records/{one}/correct", data={"minutes": "60", "reason": "组织者想改"})
    assert r.status_code == 403
    assert w.mgr.get(f"/api/v1/plugins/volunteers/records/{one}").get_json()["corrections"] == 0
    clerk = w.tenant.console("clerk", "password-123")
    for path in (f"/communities/{w.cid}/records", f"/records/{one}", f"/communities/{w.cid}/hours"):
        assert clerk.get(C + path).status_code == 403, path
