"""红色物业 · 三方联动 in a real browser (Debian's chromium through Playwright): enabled for one
community, its menu entry leads to that community's meetings, a meeting is scheduled by clicking;
the other community's page and another tenant's meeting answer 404."""

from __future__ import annotations

import re

import pytest

P = "/api/v1/plugins/red_property"
C = "/console/plugins/red_property"

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def test_meetings_by_clicking_only_where_the_plugin_is_on(wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                          wuye_live_server, wuye_page, wuye_browser, wuye_sign_in,
                                                          wuye_page_problems):
    acme = wuye_make_tenant("acme")
    ids = wuye_register(acme, "东湖")
    other = acme.admin.post("/api/v1/communities", json={"name": "西湖社区", "code": "c2"}).get_json()["id"]
    wuye_enable_plugin(acme, "red_property", ids["community"])

    page = wuye_page
    problems = wuye_page_problems(page)
    wuye_sign_in(page, "acme", "admin", "admin-pass-123")
    menu = page.get_by_role("navigation", name="主菜单")
    menu.get_by_role("link", name="三方联席会议").click()
    page.wait_for_url(re.compile(rf".*{C}/communities/{ids['community']}/meetings$"))
    assert page.get_by_role("heading", level=1).inner_text() == "三方联席会议 · 东湖社区"
    assert menu.get_by_role("link", name="三方联席会议").get_attribute("aria-current") == "page"

    page.get_by_label("标题").fill("五月三方联席会议")
    page.get_by_label("日期").fill("2026-05-20")
    page.get_by_label("地点").fill("党群服务中心")
    page.get_by_role("button", name="安排", exact=True).click()
    page.wait_for_url(re.compile(rf".*{C}/meetings/\d+$"))
    assert page.get_by_role("status").inner_text().strip() == "会议已安排。"
    assert "五月三方联席会议" in page.get_by_role("heading", level=1).inner_text()
    meeting_url = page.url

    # a participant and their attendance, by clicking
    page.get_by_text("添加参会人").click()
    page.get_by_label("所属方").select_option("residents")
    page.get_by_label("姓名").fill("周阿姨")
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_url(meeting_url)
    page.get_by_role("button", name="周阿姨 出席").click()
    page.wait_for_url(meeting_url)
    assert "应到 1 人，实到 1 人" in page.content()
    assert problems == []

    meetings = acme.admin.get(f"{P}/communities/{ids['community']}/meetings").get_json()["items"]
    assert [(m["title"], m["scheduled_on"]) for m in meetings] == [("五月三方联席会议", "2026-05-20")]

    # where the plugin is off: 404, a page in Chinese
    response = page.goto(f"{wuye_live_server}{C}/communities/{other}/meetings")
    assert response.status == 404

    # another tenant's user cannot open acme's meeting
    wuye_make_tenant("beta")
    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        stranger = context.new_page()
        wuye_sign_in(stranger, "beta", "admin", "admin-pass-123")
        assert stranger.get_by_role("link", name="三方联席会议").count() == 0
        response = stranger.goto(meeting_url)
        assert response.status == 404
        assert "五月三方联席会议" not in stranger.content()
    finally:
        context.close()


def test_the_meetings_page_fits_a_phone(wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                        wuye_live_server, wuye_browser, wuye_sign_in, wuye_page_problems):
    acme = wuye_make_tenant("acme")
    ids = wuye_register(acme, "东湖")
    wuye_enable_plugin(acme, "red_property", ids["community"])
    acme.admin.post(f"{P}/communities/{ids['community']}/meetings", json={"title": "三方联席会议（第一次）"})
    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "admin", "admin-pass-123")
        for path in (f"/communities/{ids['community']}/meetings", f"/communities/{ids['community']}/visits",
                     f"/communities/{ids['community']}/coverage"):
            page.goto(f"{wuye_live_server}{C}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} scrolls sideways on a phone: {width} px"
        assert problems == []
    finally:
        context.close()
