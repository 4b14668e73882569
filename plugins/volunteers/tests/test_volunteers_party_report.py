"""在职党员 report: serving party members by workplace party organisation, with their services and
hours in a year or a period, those below the community's expected hours flagged; the manager's,
as JSON and as a workbook (audited)."""

from __future__ import annotations

import io
from datetime import date

from _record_rows import P, beijing, member, record, world
from openpyxl import load_workbook


def _party_world(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, {"party_member_yearly_hours": 4})
    y = w.today.year - 1
    tax, hospital = "区税务局机关党支部", "市一医院党委"
    wang = member(w.tenant, w.cid, "王建军", kind="party_member", party_org=tax, party_org_contact="刘书记 027-88886666",
                  party_reported_on=date(y - 1, 3, 1))
    li = member(w.tenant, w.cid, "李红梅", kind="party_member", party_org=tax, party_reported_on=date(y, 2, 15))
    zhao = member(w.tenant, w.cid, "赵医生", kind="professional", party_org=hospital)
    qian = member(w.tenant, w.cid, "钱卫东", kind="party_member")
    sun = member(w.tenant, w.cid, "孙志愿", kind="volunteer")
    gone = member(w.tenant, w.cid, "周已走", kind="party_member", party_org=tax, status="left", left_on=date(y - 1, 6, 30))
    left_later = member(w.tenant, w.cid, "吴中途", kind="party_member", party_org=hospital, status="left",
                        left_on=date(y, 8, 31))
    member(w.tenant, w.cid, "郑新来", kind="party_member", party_org=tax, joined_on=date(y + 1, 1, 2))
    from datetime import datetime

    member(w.tenant, w.cid, "已删除", kind="party_member", party_org=tax, erased_at=datetime(y, 1, 1, 12, 0))
    for who, day, minutes in ((wang, date(y, 3, 5), 180), (wang, date(y, 9, 5), 120), (li, date(y, 4, 1), 60),
                              (qian, date(y, 5, 1), 240), (sun, date(y, 5, 1), 600), (left_later, date(y, 7, 1), 300),
                              (gone, date(y - 1, 5, 1), 600), (zhao, date(y + 1, 1, 1), 600)):
        record(w.tenant, w.cid, who, beijing(day, 9), minutes)
    w.year, w.tax, w.hospital = y, tax, hospital
    return w


def test_the_report_groups_by_workplace_and_flags_those_below(wuye_app, wuye_make_tenant, wuye_register,
                                                              wuye_enable_plugin):
    w = _party_world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{w.cid}/party-report"
    r = w.mgr.get(url, query_string={"year": w.year})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["from"], body["to"], body["whole_year"]) == (f"{w.year}-01-01", f"{w.year}-12-31", True)
    assert body["expected_minutes"] == 240
    groups = [(g["name"], g["party_org"], g["contact"], g["people"], g["services"], g["minutes"], g["below"])
              for g in body["groups"]]
    assert groups == [
        ("区税务局机关党支部", w.tax, "刘书记 027-88886666", 2, 3, 360, 1),
        ("市一医院党委", w.hospital, None, 2, 1, 300, 1),
        ("未填写工作单位党组织", None, None, 1, 1, 240, 0),
    ]
    members = {m["name"]: (m["services"], m["minutes"], m["below"], m["party_reported_on"])
               for g in body["groups"] for m in g["members"]}
    assert members == {
        "王建军": (2, 300, False, f"{w.year - 1}-03-01"), "李红梅": (1, 60, True, f"{w.year}-02-15"),
        "吴中途": (1, 300, False, None), "赵医生": (0, 0, True, None),  # served only the year after
        "钱卫东": (1, 240, False, None),  # exactly the expected hours: met
    }
    assert body["totals"] == {"people": 5, "services": 5, "minutes": 900, "below": 2}
    # a period: the expected hours in proportion (4 hours a year, 181 days of 365)
    half = w.mgr.get(url, query_string={"from": f"{w.year}-01-01", "to": f"{w.year}-06-30"}).get_json()
    assert half["whole_year"] is False and half["expected_minutes"] == round(240 * 181 / 365)
    assert {m["name"]: m["minutes"] for g in half["groups"] for m in g["members"]}["王建军"] == 180
    # to alone: from 1 January of its year
    assert w.mgr.get(url, query_string={"to": f"{w.year}-03-31"}).get_json()["from"] == f"{w.year}-01-01"
    # refused
    for bad, field in (({"year": w.year, "from": f"{w.year}-01-01"}, "year"),
                       ({"from": f"{w.year}-05-01", "to": f"{w.year}-04-01"}, "from"),
                       ({"year": 1999}, "year"), ({"from": "2020-01-01", "to": "2024-01-01"}, "to")):
        r = w.mgr.get(url, query_string=bad)
        assert r.status_code == 422 and field in r.get_json()["errors"]["query"], (bad, r.get_json())
    for who in (w.org, w.clerk):
        r = who.get(url)
        assert r.status_code == 403 and r.get_json()["message"] == "只有本社区的联盟管理员可以这样做。"
        assert who.get(f"{url}.xlsx").status_code == 403


def test_the_reports_workbook(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _party_world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = w.mgr.get(f"{P}/communities/{w.cid}/party-report.xlsx", query_string={"year": w.year})
    assert r.status_code == 200, r.get_data()[:300]
    assert f"-{w.year}.xlsx" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    [sheet] = book.worksheets
    assert sheet.title == "在职党员"
    assert sheet.page_setup.orientation == "portrait" and sheet.page_setup.paperSize in (9, "9")
    rows = [tuple(v for v in row if v is not None) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].endswith(f"在职党员进社区服务情况（{w.year} 年度）")
    assert rows[1] == ("期间内应服务 4 小时，未达到的已标出。",)
    assert rows[2] == ("序号", "姓名", "报到日期", "服务次数", "时长（小时）", "是否达到应服务时长", "备注")
    assert rows[3] == ("工作单位党组织：区税务局机关党支部（联系人：刘书记 027-88886666）",)
    assert rows[4][:2] == (1, "李红梅") and rows[4][3:] == (1, 1, "未达到")  # by name
    assert rows[5][:2] == (2, "王建军") and rows[5][3:] == (2, 5, "已达到")
    assert rows[6] == ("小计", "2 人", 3, 6, "未达到 1 人")
    assert rows[7] == ("工作单位党组织：市一医院党委",)
    assert rows[8][1] == "吴中途" and rows[8][-1] == f"{w.year}-08-31 退出联盟"
    assert rows[9][1:] == ("赵医生", 0, 0, "未达到")
    assert rows[11] == ("工作单位党组织：未填写工作单位党组织",)
    assert rows[-1] == ("合计", "5 人", 5, 15, "未达到 2 人")
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.exported"}).get_json()["items"]
    assert [(e["target_type"], e["details"]["rows"]) for e in trail] == [("party_report", 5)]
