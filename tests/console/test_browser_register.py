"""The register in a real browser: the household import, its progress bar reaching 100 % and
the row errors shown as a table; browsing down to a household on a phone."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from wuye_core.testing import accept_password, browser_sign_in, page_problems

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

HEADERS = ["小区", "楼栋", "单元", "楼层", "房号", "面积（㎡）", "类型", "户主姓名", "电话", "人数", "身份证号", "标签",
           "入住日期"]


def ledger(path) -> str:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(["小区", "2栋", "1", 3, "301", 89.5, "自住", "李四", "13900000001", 3, None, "党员", "2020-01-05"])
    ws.append(["小区", "2栋", "1", 3, "302", 80, "自住", "王五", "call me", 2, None, None, None])
    ws.append(["没有这个小区", "2栋", "1", 3, "303", 80, "自住", "赵六", None, 2, None, None, None])
    out = io.BytesIO()
    wb.save(out)
    target = path / "台账.xlsx"
    target.write_bytes(out.getvalue())
    return str(target)


def test_import_shows_the_progress_bar_at_100_and_the_row_errors(wuye_make_tenant, wuye_register, wuye_app,
                                                                 wuye_live_server, wuye_page, tmp_path):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    accept_password(wuye_app, "acme", "admin")
    problems = page_problems(wuye_page)
    browser_sign_in(wuye_page, wuye_live_server, "acme", "admin", "admin-pass-123")
    wuye_page.get_by_role("link", name="房屋档案").click()
    wuye_page.get_by_role("link", name="社区").click()
    wuye_page.get_by_role("link", name="导入住户").click()
    assert wuye_page.get_by_role("heading", level=1).inner_text().startswith("导入住户台账")
    wuye_page.get_by_label("住户台账（.xlsx）").set_input_files(ledger(tmp_path))
    wuye_page.get_by_role("button", name="上传并导入").click()
    wuye_page.wait_for_url(f"**/console/register/communities/{ids['community']}/imports/*")
    bar = wuye_page.locator("progress#import-bar")
    bar.wait_for()
    wuye_page.wait_for_function("() => document.querySelector('progress#import-bar').value === 100")
    assert bar.get_attribute("max") == "100"
    assert wuye_page.locator(".import-progress .percent").inner_text() == "100 %"
    table = wuye_page.get_by_role("table", name="行错误")
    table.wait_for()
    assert table.is_visible()
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").nth(0).inner_text() == "3"
    assert "电话" in rows.nth(0).inner_text() and "4" == rows.nth(1).locator("td").nth(0).inner_text()
    assert wuye_page.get_by_role("status").filter(has_text="已完成").is_visible()
    assert problems == []


def test_browse_to_a_household_on_a_phone(wuye_make_tenant, wuye_register, wuye_app, wuye_live_server, wuye_browser):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    accept_password(wuye_app, "acme", "admin")
    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        problems = page_problems(page)
        browser_sign_in(page, wuye_live_server, "acme", "admin", "admin-pass-123")
        page.goto(f"{wuye_live_server}/console/register/households/{ids['household']}")
        assert page.get_by_role("heading", level=1).inner_text() == f"住户 {ids['household']}"
        assert "13800000000" in page.locator("table").inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways on a phone: {width} px"
        page.get_by_role("link", name="新增居民").click()
        page.get_by_label("名称").fill("张三")
        page.get_by_role("button", name="保存").click()
        assert "已有同名居民" in page.locator("#e-name").inner_text()
        page.get_by_label("名称").fill("王五")
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(f"**/console/register/households/{ids['household']}")
        assert "王五" in page.locator("table").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        # the refused form's answer is a 422 by design (the browser logs it); nothing else went wrong
        assert [p for p in problems if "422" not in p] == []
    finally:
        context.close()
