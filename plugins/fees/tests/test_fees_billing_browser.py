"""The bills of a community on a phone (chromium, 375 px, touch; English: the catalog is compiled by
the integrator): the list with its totals, a bill, a discount asked for; no sideways scrolling."""

from __future__ import annotations

import pytest
from _fees_rows import C, bill, unit, world

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def test_bills_on_a_phone(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_browser, wuye_sign_in,
                          wuye_page_problems):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    home = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    bill_id = bill(w.tenant, w.cid, w.site, home, amount_fen=3931, period="2026-11")
    context = wuye_browser.new_context(locale="en", timezone_id="Asia/Shanghai",
                                       viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "cashier", "password-123")
        base = page.url.split("/console")[0]
        page.goto(base + f"{C}/communities/{w.cid}/bills?lang=en")
        assert "39.31" in page.locator("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.goto(base + f"{C}/bills/{bill_id}?lang=en")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.get_by_label("Discount or waiver", exact=True).select_option("discount")
        page.get_by_label("Amount (yuan)").fill("9.31")
        page.get_by_label("Reason", exact=True).select_option("hardship")
        page.get_by_label("Explanation", exact=True).fill("低保证 2026-001")
        with page.expect_navigation():
            page.get_by_role("button", name="Ask for it").tap()
        main = page.locator("main").inner_text()
        assert "9.31" in main and "Awaiting approval" in main
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert problems == [], problems
    finally:
        context.close()
