"""A member's time bank on a phone (chromium, 375 px, touch, zh-CN): the organiser spends points
for a service from another member; the ledger reads on a phone without sideways scrolling."""

from __future__ import annotations

import pytest
from _bank_rows import C, service_record, world

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def test_spend_points_on_a_phone(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_browser,
                                 wuye_sign_in, wuye_page_problems):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    service_record(w.tenant, w.wang, 180, content="为独居老人上门理发、打扫卫生并陪同就医")  # 30
    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "org", "password-123")
        page.goto(page.url.split("/console")[0] + f"{C}/members/{w.wang}/time-bank")
        assert page.get_by_role("heading", level=1).inner_text() == "时间银行 · 王秀英"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.get_by_label("积分", exact=True).fill("40")
        page.get_by_label("兑换的服务").fill("陪护老人 4 小时")
        page.get_by_label("服务提供人").select_option(label="李建国")
        with page.expect_navigation():
            page.get_by_role("button", name="确认兑换").tap()
        assert "积分不足：余额 30 分，本次服务需要 40 分。" in page.locator("#e-points").inner_text()
        assert page.get_by_label("兑换的服务").input_value() == "陪护老人 4 小时"  # what was typed is kept
        assert [p for p in problems if "409" not in p] == []  # the refusal is the page's answer (409), nothing else
        problems.clear()
        page.get_by_label("积分", exact=True).fill("12")
        with page.expect_navigation():
            page.get_by_role("button", name="确认兑换").tap()
        main = page.locator("main").inner_text()
        assert "已兑换 12 分。" in main and "由李建国提供" in main and "18" in main
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert problems == [], problems
    finally:
        context.close()
