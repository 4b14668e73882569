"""Console pages of insurance, health checks and the figures: the overview, the home panel, the
insurance page with its add-policy form, the health page with scheduling and recording."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _coverage_rows import Rows

from wuye_core.plugins import local_today

BASE = "/console/plugins/welfare_jobs/communities"


@pytest.fixture
def roster(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"])
    tenant.user("mgr", "welfare_jobs_manager", [ids["community"]])
    tenant.user("leader", "welfare_jobs_team_leader", [ids["community"]])
    today = local_today()
    with Rows(wuye_app, tenant.id, ids["community"], ids["site"]) as rows:
        post = rows.post(headcount=3)
        w1, w2 = rows.worker("王芳"), rows.worker("李强", gender="male")
        rows.placement(w1, post, starts_on=today - timedelta(days=200))
        rows.placement(w2, post, starts_on=today - timedelta(days=200))
        rows.insure(w1)
        rows.policy(w2, "pension", starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=12))
        check = rows.check(w1, due_on=today - timedelta(days=2))
    return {"tenant": tenant, "community": ids["community"], "w1": w1, "w2": w2, "check": check, "today": today}


def test_overview_shows_the_figures_and_what_needs_doing(roster):
    page = roster["tenant"].console("mgr", "password-123").get(f"{BASE}/{roster['community']}").get_data(as_text=True)
    assert "在岗人数" in page and "核定 3 人" in page and "50.0%" in page  # 1 of 2 insured
    assert "缺少必备险种的在岗人员：1 人" in page and "即将到期的保单：1 份" in page
    assert "逾期未体检：1 人" in page and f"{BASE}/{roster['community']}/health?year=" in page


def test_home_panel_shows_the_counts(roster):
    page = roster["tenant"].console("leader", "password-123").get("/console/").get_data(as_text=True)
    assert "公益岗位在岗人数" in page and "空岗报告逾期" in page and "50.0%" in page


def test_insurance_page_lists_alerts_and_adds_a_policy(roster):
    console = roster["tenant"].console("mgr", "password-123")
    url = f"{BASE}/{roster['community']}/insurance"
    page = console.get(url).get_data(as_text=True)
    assert "李强" in page and "缺少" in page and "意外伤害保险" in page and "还剩 12 天" in page
    page = console.get(url, query_string={"worker": roster["w2"]}).get_data(as_text=True)
    assert "李强 的保单" in page and "登记保单" in page and "养老保险" in page
    today = roster["today"]
    form = {"worker_id": roster["w2"], "kind": "accident", "insurer": "平安财险", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=364)).isoformat(), "premium_yuan": "150.50"}
    r = console.post(f"{url}?worker={roster['w2']}", data=form)
    assert r.status_code == 303
    page = console.get(r.headers["Location"]).get_data(as_text=True)
    assert "保单已登记" in page and "平安财险" in page and "150.50" in page
    r = console.post(f"{url}?worker={roster['w2']}", data=form)  # the same period again
    assert r.status_code == 409 and "不能重叠" in r.get_data(as_text=True)
    r = console.post(f"{url}?worker={roster['w2']}", data={**form, "kind": "injury", "premium_yuan": "1.234"})
    assert r.status_code == 422 and "最多两位小数" in r.get_data(as_text=True)


def test_insurance_forms_are_the_managers(roster):
    console = roster["tenant"].console("leader", "password-123")
    url = f"{BASE}/{roster['community']}/insurance"
    page = console.get(url, query_string={"worker": roster["w2"]}).get_data(as_text=True)
    assert "李强 的保单" in page and "登记保单" not in page
    today = roster["today"]
    r = console.post(f"{url}?worker={roster['w2']}", data={
        "worker_id": roster["w2"], "kind": "accident", "insurer": "平安财险", "starts_on": today.isoformat(),
        "ends_on": today.isoformat()})
    assert r.status_code == 403 and "公益岗管理员" in r.get_data(as_text=True)


def test_health_page_schedules_and_records(roster):
    console = roster["tenant"].console("mgr", "password-123")
    url = f"{BASE}/{roster['community']}/health"
    page = console.get(url).get_data(as_text=True)
    assert "王芳" in page and "已逾期" in page and "为当年在岗人员排定年度体检" in page
    r = console.post(f"{url}/schedule", data={"year": roster["today"].year})
    assert r.status_code == 303
    page = console.get(r.headers["Location"]).get_data(as_text=True)
    assert "已排定" in page and "1 人" in page and "李强" in page  # 王芳 had hers already
    r = console.post(f"{url}/{roster['check']}", data={"done_on": roster["today"].isoformat(),
                                                       "institution": "区人民医院", "result": "unfit",
                                                       "note": "高血压"})
    assert r.status_code == 303
    page = console.get(url, query_string={"state": "done"}).get_data(as_text=True)
    assert "不适合本岗位：请考虑调整安置" in page and "高血压" in page
    r = console.post(f"{url}/{roster['check']}",
                     data={"done_on": (roster["today"] + timedelta(days=3)).isoformat()})
    assert r.status_code == 422 and "体检日期不能晚于今天" in r.get_data(as_text=True)

    leader = roster["tenant"].console("leader", "password-123")
    page = leader.get(url, query_string={"state": "done"}).get_data(as_text=True)
    assert "王芳" in page and "高血压" not in page and "不适合本岗位" not in page and "记录体检结果" not in page
    assert leader.post(f"{url}/{roster['check']}", data={"done_on": roster["today"].isoformat()}).status_code == 403
