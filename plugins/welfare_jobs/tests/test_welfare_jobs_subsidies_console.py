"""The subsidies' console page: pick a month, compute it, read the rows and totals, submit it
after a confirmation, download the 花名册; refusals shown on the page; others get a 403 page."""

from __future__ import annotations

import io
from datetime import date

from _subsidy_rows import C, add_days, add_post, placed, setup
from openpyxl import load_workbook

NOV = date(2025, 11, 1)


def test_compute_read_submit_download(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _manager = setup(tenant, wuye_register, wuye_enable_plugin)
    post = add_post(wuye_app, tenant, ids, "张家湾保洁岗")
    worker, placement = placed(wuye_app, tenant, ids, "王大山", post, date(2025, 3, 1))
    add_days(wuye_app, tenant, ids, worker, placement, post, NOV, 11)
    console = tenant.console("mgr", "password-123")
    page_url = f"{C}/communities/{ids['community']}/subsidies"

    page = console.get(page_url, query_string={"month": "2025-11"})
    assert page.status_code == 200
    assert "尚未计算" in page.text and 'type="month"' in page.text and "计算本月" in page.text
    r = console.post(f"{page_url}/compute", data={"month": "2025-11"})
    assert r.status_code == 303 and r.headers["Location"].endswith("month=2025-11")
    page = console.get(r.headers["Location"]).text
    assert "2025-11 已计算：1 人。" in page
    assert "王大山" in page and "420" in page and "*" * 11 in page  # the ID number masked
    assert "1105.00" in page and "1071.49" in page and "2176.49" in page  # 11 of 22 days; insurance; total
    assert "草稿" in page and "重新计算" in page and "下载花名册" in page

    # the submission asks first, shows what will be claimed, then makes it final
    confirm = console.get(f"{page_url}/submit", query_string={"month": "2025-11"})
    assert confirm.status_code == 200 and "确认申报" in confirm.text and "2176.49" in confirm.text
    r = console.post(f"{page_url}/submit", data={"month": "2025-11"})
    assert r.status_code == 303
    page = console.get(r.headers["Location"]).text
    assert "已申报" in page and "重新计算" not in page and "计算本月" not in page

    # a stale form computing the submitted month: refused on the page with the reason
    r = console.post(f"{page_url}/compute", data={"month": "2025-11"})
    assert r.status_code == 409 and "不能再重新计算" in r.text

    xlsx = console.get(f"{page_url}/roster.xlsx", query_string={"month": "2025-11"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    assert sheet["A1"].value == "2025年11月公益性岗位人员实名制花名册及补贴申报表"
    assert sheet["B4"].value == "王大山"
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "welfare_jobs.exported"}).get_json()["items"]
    assert [(e["actor_name"], e["details"]) for e in trail] == [("mgr", {"rows": 1})]


def test_a_wrong_month_is_said_and_others_get_403(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _manager = setup(tenant, wuye_register, wuye_enable_plugin)
    tenant.user("leader", "welfare_jobs_team_leader", [ids["community"]])
    console = tenant.console("mgr", "password-123")
    page_url = f"{C}/communities/{ids['community']}/subsidies"
    page = console.get(page_url, query_string={"month": "2099-01"})
    assert page.status_code == 200 and "2099-01 还没有开始" in page.text  # shown, last month instead
    r = console.post(f"{page_url}/compute", data={"month": "2099-01"})
    assert r.status_code == 422 and "2099-01 还没有开始" in r.text
    # nothing computed: nothing to submit
    r = console.post(f"{page_url}/submit", data={"month": "2025-11"})
    assert r.status_code == 409 and "请先计算本月" in r.text

    leader = tenant.console("leader", "password-123")
    for path in (page_url, f"{page_url}/submit?month=2025-11", f"{C}/communities/{ids['community']}/assessments"):
        r = leader.get(path)
        assert r.status_code == 403 and "只有本社区的公益岗管理员可以这样做" in r.text, path
    assert leader.post(f"{page_url}/compute", data={"month": "2025-11"}).status_code == 403
