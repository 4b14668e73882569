"""The cashier's desk on a phone (chromium, 375 px): find a unit, take a payment, see the receipt."""

from __future__ import annotations

import pytest
from _fees_rows import C, bill, unit, world

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def test_take_a_payment_on_a_phone(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_browser,
                                   wuye_sign_in, wuye_page_problems):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    fee_unit = unit(w.tenant, w.cid, w.site, label="3栋1单元301")
    bill(w.tenant, w.cid, w.site, fee_unit, amount_fen=3931, period="2026-09")
    bill(w.tenant, w.cid, w.site, fee_unit, amount_fen=3931, period="2026-10")
    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "cashier", "password-123")
        page.goto(page.url.split("/console")[0] + f"{C}/communities/{w.cid}/cashier")
        page.locator("#f-q").fill("301")
        with page.expect_navigation():
            page.locator("#f-q").press("Enter")
        assert page.locator("#h-unit").inner_text() == "3栋1单元301"
        assert page.locator("#f-amount").input_value() == "78.62"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.locator("#f-amount").fill("100")
        page.locator("#f-payer_name").fill("张三")
        with page.expect_navigation():
            page.locator("button.fp-big").tap()
        receipt = page.locator(".fp-receipt").inner_text()
        assert f"SF{w.today.year}-000001" in receipt and "壹佰元整" in receipt and "张三" in receipt
        assert "21.38" in receipt  # the rest: credit
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert problems == [], problems
    finally:
        context.close()
