"""我的物业费 on a phone (375 px wide, a real Chromium): the reminder's link opens the community's
sign-in page, a support-desk code signs the resident in, the privacy notice agreed, they land on
their fees: the overdue banner, the open bills, the receipt's button (≥ 44 px). The page does not
scroll sideways and has no script error, refused request or CSP violation. Skipped where no
browser is installed."""

from __future__ import annotations

import re
from datetime import timedelta

from _fees_rows import bill, payment, unit, world
from wuye_fees import reminders

from wuye_core.plugins import db, resident_link, tenant_context

H5 = "/h5/plugins/fees"
PHONE = "13800000000"  # wuye_register's resident 张三


def support_code(app, slug: str, phone: str) -> str:
    done = app.test_cli_runner().invoke(args=["residents", "code", "--tenant", slug, "--phone", phone])
    assert done.exit_code == 0, done.output
    return re.search(r"code: (\d+)", done.output).group(1)


def test_a_resident_opens_the_reminders_link_on_a_phone(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                        wuye_live_server, wuye_browser, wuye_page_problems):
    env = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    h = env.ids["household"]
    mine = unit(env.tenant, env.cid, env.site, "1栋1单元101（南向，带阁楼及地下储藏室）", unit_id=env.ids["unit"])
    bill(env.tenant, env.cid, env.site, mine, 393100, "2026-01", h, due_on=env.today - timedelta(days=40),
         discount_fen=43100, paid_fen=100000)
    bill(env.tenant, env.cid, env.site, mine, 3931, "2026-02", h, due_on=env.today + timedelta(days=5))
    payment(env.tenant, env.cid, env.site, mine, 100000, household_id=h, receipt_no="SF2026-000123")
    with wuye_app.test_request_context(base_url=wuye_live_server), tenant_context(env.tenant.id):
        link = resident_link(env.cid, reminders.RESIDENT_PAGE)  # what the text carries
        db.session.remove()

    phone = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                     viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        problems = wuye_page_problems(page)
        page.goto(link)
        page.get_by_label("您的手机号").fill(PHONE)
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_label("验证码").wait_for()
        page.get_by_label("验证码").fill(support_code(wuye_app, env.tenant.slug, PHONE))
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r".*/h5/privacy$"))
        page.get_by_role("button", name="我已阅读并同意").click()
        page.wait_for_url(re.compile(rf".*{H5}/$"))  # straight to my fees

        assert page.locator(".fe-r-banner").count() == 1
        assert page.locator("[data-overdue]").get_attribute("data-overdue") == "250000"
        assert page.locator(".fe-r-bill").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        heights = page.locator(".fe-r-button").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
        assert heights and min(heights) >= 44, heights
        assert page.locator("link[href*='fees-resident.css']").count() == 1
        page.goto(wuye_live_server + H5 + "/?lang=en")
        assert "My property fees" in page.locator("h1").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert problems == []
    finally:
        phone.close()
