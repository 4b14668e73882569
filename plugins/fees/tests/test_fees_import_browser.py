"""The "Import and export" tab in a real browser (chromium, zh-CN) on a 375 px phone and an old PC's
1024 px screen: nothing scrolls sideways, buttons are a thumb's size (44 px), the page's security
policy refuses nothing; the fee manager uploads a ledger and sees what it made, then a wrong one
and sees its errors by row."""

from __future__ import annotations

import pytest
from _fees_rows import C, world
from test_fees_import import GOOD, _book, _homes

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

PASSWORD = "password-123"


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width} px: {scroll} px"
    small = page.evaluate("""() => [...document.querySelectorAll('main button, main .button, .fe-tabs a, main select')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => (e.textContent || e.name || e.tagName).trim().slice(0, 30))""")
    assert not small, f"{page.url}: targets under 44 px: {small}"


@pytest.mark.parametrize("width", [375, 1024])
def test_uploading_a_ledger_on_a_phone(tmp_path, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_browser,
                                       wuye_live_server, wuye_sign_in, wuye_page_problems, width):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _homes(w, "102")
    good = tmp_path / "台账.xlsx"
    good.write_bytes(_book(GOOD))
    bad = tmp_path / "错误台账.xlsx"
    bad.write_bytes(_book([["小区", "1栋", "1", "999", "住宅", None, 80, None, "123", None, None, None, None, None]]))
    phone = width < 720
    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": width, "height": 740}, is_mobile=phone, has_touch=phone)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "mgr", PASSWORD)
        url = f"{wuye_live_server}{C}/communities/{w.cid}/import"
        page.goto(url)
        assert page.get_by_role("heading", level=1).count() == 1
        _fits(page, width)
        page.set_input_files("#f-file", str(good))
        page.locator("form.fe-ex-form button[type=submit]").click()
        page.wait_for_url("**/import?done=*")
        result = page.locator("#result").inner_text()
        assert "5" in result and "1,907.54" in result
        _fits(page, width)
        page.set_input_files("#f-file", str(bad))
        page.locator("form.fe-ex-form button[type=submit]").click()
        page.wait_for_load_state()
        table = page.locator(".fe-ex-errors table")
        assert table.count() == 1 and table.locator("tbody tr").count() == 2
        _fits(page, width)
        assert problems == [] or all("422" in p for p in problems), problems
    finally:
        context.close()
