"""The attendance sheet in a real browser on a phone (chromium, 375 px, touch, zh-CN): the manager
ticks who attended and who passed, saves, and reads which skills were confirmed; the page does
not scroll sideways, each checkbox is a touch target of at least 44 px, nothing is refused by
the page's security policy."""

from __future__ import annotations

import pytest
from _bank_rows import C, P, member, skills_of, world

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def _phone(browser):
    return browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 375, "height": 740},
                               is_mobile=True, has_touch=True)


def test_the_manager_records_the_sheet_on_a_phone(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                  wuye_browser, wuye_sign_in, wuye_page_problems):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    for name in ("钱芳", "孙丽娟", "周建华"):
        member(w.tenant, w.cid, name)
    training = w.mgr.post(f"{P}/communities/{w.cid}/trainings", json={
        "title": "电器维修志愿者培训", "skill": "electrical_repair", "level": "skilled", "held_on": "2026-03-01",
        "minutes": 120, "trainer": "供电所 刘师傅"}).get_json()["id"]
    context = _phone(wuye_browser)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "mgr", "password-123")
        page.goto(page.url.split("/console")[0] + f"{C}/trainings/{training}")
        assert page.get_by_role("heading", level=1).inner_text() == "电器维修志愿者培训"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        wang = page.get_by_role("group", name="王秀英")
        box = wang.get_by_text("合格").bounding_box()
        assert box["height"] >= 44, box
        wang.get_by_role("checkbox", name="参加").tap()
        wang.get_by_role("checkbox", name="合格").tap()
        page.get_by_role("group", name="钱芳").get_by_role("checkbox", name="参加").tap()
        with page.expect_navigation():
            page.get_by_role("button", name="保存签到表").tap()
        assert "已确认技能：王秀英" in page.locator("main").inner_text()
        assert page.get_by_role("group", name="王秀英").get_by_role("checkbox", name="合格").is_checked()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert problems == []
    finally:
        context.close()
    assert skills_of(w.tenant, w.wang)["electrical_repair"][0] == "skilled"
    assert w.mgr.get(f"{P}/trainings/{training}").get_json()["attended"] == 2
