"""A care worker on a phone (375 px, touch) in a real browser: this month's plan, a visit recorded
by tapping, the person's history; and a community where the plugin is off shows nothing of it."""

from __future__ import annotations

import pytest
from wuye_care_visits.clock import today as clock_today

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

P = "/api/v1/plugins/care_visits"
C = "/console/plugins/care_visits"


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} scrolls sideways on a phone: {width} px"


def _phone(browser):
    return browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 375, "height": 740},
                               is_mobile=True, has_touch=True)


def test_a_care_worker_records_a_visit_on_a_phone(wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                   wuye_live_server, wuye_browser, wuye_sign_in, wuye_page_problems):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    community = ids["community"]
    other = tenant.admin.post("/api/v1/communities", json={"name": "三店社区", "code": "c2"}).get_json()["id"]
    wuye_enable_plugin(tenant, "care_visits", community, {"first_visit_days": 0})  # this community only
    worker_api = tenant.user("guanai", "care_worker", [community, other])
    person = worker_api.post(f"{P}/communities/{community}/people",
                             json={"resident_id": ids["resident"], "level": "A", "difficulties": ["elderly"]})
    assert person.status_code == 201, person.get_json()
    person_id = person.get_json()["id"]
    tenant.user("sandian", "community_staff", [other])

    context = _phone(wuye_browser)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "guanai", "password-123")
        page.get_by_role("button", name="菜单").tap()
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="关爱走访").tap()
        page.wait_for_url(f"**{C}/")
        page.get_by_role("link", name="本月走访计划").tap()
        page.wait_for_url(f"**{C}/communities/{community}/plan")
        assert page.get_by_role("heading", level=1).inner_text().startswith("本月走访计划")
        page.get_by_role("button", name="生成本月计划").tap()
        page.wait_for_url(f"**{C}/communities/{community}/plan")
        assert "本月计划已加入 1 人" in page.get_by_role("status").inner_text()
        assert page.get_by_text("张*").is_visible()
        _no_sideways_scroll(page)

        page.get_by_role("link", name="记录走访").tap()
        page.wait_for_url(f"**{C}/people/{person_id}/visits/new")
        today = clock_today().isoformat()
        assert page.get_by_label("走访日期").input_value() == today  # today, Beijing time
        assert page.get_by_role("radio", name="已走访").is_checked()
        _no_sideways_scroll(page)
        health = page.get_by_role("group", name="健康风险")
        health.get_by_text("中", exact=True).tap()
        assert health.get_by_role("radio", name="中").is_checked()
        page.get_by_role("group", name="主要诉求").get_by_text("精神孤独").tap()
        page.get_by_role("group", name="帮扶措施").get_by_text("心理慰藉").tap()
        box = page.get_by_role("button", name="保存走访记录").bounding_box()
        assert box["height"] >= 44  # a thumb's target
        page.get_by_role("button", name="保存走访记录").tap()

        page.wait_for_url(f"**{C}/people/{person_id}#visits")
        assert f"{today} 的走访已记录" in page.get_by_role("status").inner_text()
        history = page.locator("table.care-list tbody tr")
        assert history.count() == 1
        row = history.first.inner_text()
        assert today in row and "已走访" in row and "健康风险：中" in row and "精神孤独" in row
        _no_sideways_scroll(page)
        assert problems == []
        visit = worker_api.get(f"{P}/communities/{community}/visits").get_json()["items"][0]
        assert (visit["visited_on"], visit["risk_health"]) == (today, "medium")

        # the community where the plugin is off: 404 for the same care worker
        answer = page.goto(f"{wuye_live_server}{C}/communities/{other}/plan")
        assert answer.status == 404
    finally:
        context.close()

    # someone of that community only: no menu entry, and 404
    context = _phone(wuye_browser)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "sandian", "password-123")
        page.get_by_role("button", name="菜单").tap()
        nav = page.get_by_role("navigation", name="主菜单")
        assert nav.is_visible() and nav.get_by_role("link", name="关爱走访").count() == 0
        _no_sideways_scroll(page)
        assert problems == []
        assert page.goto(f"{wuye_live_server}{C}/communities/{other}/people").status == 404
    finally:
        context.close()
