"""The console's door in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import pytest

from wuye_core.testing import accept_password, browser_sign_in, page_problems

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def test_sign_in_by_the_form_and_out_again(wuye_make_tenant, wuye_app, wuye_live_server, wuye_page):
    wuye_make_tenant("acme")
    accept_password(wuye_app, "acme", "admin")
    problems = page_problems(wuye_page)
    wuye_page.goto(wuye_live_server + "/")
    assert wuye_page.url.endswith("/console/sign-in?next=/console/")
    assert wuye_page.locator("html").get_attribute("lang") == "zh-CN"
    # every input has its label (screen readers say what to type)
    for name in ("tenant", "username", "password"):
        assert wuye_page.get_by_label({"tenant": "单位标识", "username": "用户名", "password": "密码"}[name],
                                      exact=True).get_attribute("name") == name
    browser_sign_in(wuye_page, wuye_live_server, "acme", "admin", "admin-pass-123")
    assert wuye_page.locator("header.topbar").is_visible()
    assert wuye_page.get_by_role("navigation", name="主菜单").is_visible()
    wuye_page.get_by_role("button", name="退出登录").click()
    wuye_page.wait_for_url("**/console/sign-in")
    assert problems == []


def test_a_wrong_password_is_told_in_chinese(wuye_make_tenant, wuye_live_server, wuye_page):
    wuye_make_tenant("acme")
    wuye_page.goto(wuye_live_server + "/console/sign-in")
    wuye_page.fill("input[name=tenant]", "acme")
    wuye_page.fill("input[name=username]", "admin")
    wuye_page.fill("input[name=password]", "wrong-password")
    wuye_page.click("button[type=submit]")
    assert wuye_page.get_by_role("alert").inner_text().strip() == "租户、用户名或密码错误。"


def test_on_a_phone_the_menu_folds_behind_a_button(wuye_make_tenant, wuye_app, wuye_live_server, wuye_browser):
    wuye_make_tenant("acme")
    accept_password(wuye_app, "acme", "admin")
    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        browser_sign_in(page, wuye_live_server, "acme", "admin", "admin-pass-123")
        nav = page.get_by_role("navigation", name="主菜单")
        assert not nav.is_visible()
        page.get_by_role("button", name="菜单").click()
        assert nav.is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways on a phone: {width} px"
    finally:
        context.close()
