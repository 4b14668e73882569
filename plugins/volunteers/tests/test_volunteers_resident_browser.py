"""A member at the activity with their phone (375 px wide, a real Chromium): the QR code's link opens
the community's sign-in page, a support-desk code signs them in, the privacy notice agreed, they land
on the check-in page; one tap on the big button checks them in, the next shows 签退. None of the
members' pages scrolls sideways, their buttons and tabs are at least 44 px high, and no page has a
script error, a refused request or a Content-Security-Policy violation. Skipped where no browser is
installed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from _activity_rows import add, create, in_tenant, world
from wuye_volunteers import activities
from wuye_volunteers.models import Activity, Member

from wuye_core.plugins import db, tenant_context

H5 = "/h5/plugins/volunteers"
PHONE = "13800000000"  # wuye_register's resident 张三


def support_code(app, slug: str, phone: str) -> str:
    """A sign-in code as the support desk reads it out (`wuye residents code`)."""
    done = app.test_cli_runner().invoke(args=["residents", "code", "--tenant", slug, "--phone", phone])
    assert done.exit_code == 0, done.output
    return re.search(r"code: (\d+)", done.output).group(1)


def _fits(page, what: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, what


def _tall_enough(page, selector: str) -> None:
    heights = page.locator(selector).evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, (selector, heights)


def test_a_member_scans_the_code_signs_in_and_checks_in_on_a_phone(wuye_app, wuye_make_tenant, wuye_register,
                                                                     wuye_enable_plugin, wuye_live_server,
                                                                     wuye_browser, wuye_page_problems):
    env = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    add(env.tenant, Member(community_id=env.cid, name="张三", kind="volunteer", phone=PHONE,
                           resident_id=env.ids["resident"], availability=[], consent_contact=False,
                           joined_on=date(2025, 3, 1), status="active", created_by="test"))
    create(env.org, env.cid, days=2, capacity=1, title="社区义诊：量血压、测血糖，志愿者协助排队和登记")
    a = create(env.org, env.cid, title="小区周末大扫除")
    with in_tenant(env.tenant):
        activity = db.session.get(Activity, a["id"])
        activity.starts_at = datetime.now(UTC) - timedelta(minutes=10)
        activity.ends_at = activity.starts_at + timedelta(hours=2)
    with wuye_app.test_request_context(base_url=wuye_live_server), tenant_context(env.tenant.id):
        link = activities.checkin_url(db.session.get(Activity, a["id"]))  # what the printed code holds
        db.session.remove()
    assert link.startswith(f"{wuye_live_server}/h5/c/{env.tenant.slug}/")

    phone = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                     viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        problems = wuye_page_problems(page)
        page.goto(link)  # the camera opens the code's link: not signed in
        page.get_by_label("您的手机号").fill(PHONE)
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_label("验证码").wait_for()
        page.get_by_label("验证码").fill(support_code(wuye_app, env.tenant.slug, PHONE))
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r".*/h5/privacy$"))
        page.get_by_role("button", name="我已阅读并同意").click()
        page.wait_for_url(re.compile(rf".*{H5}/checkin/[\w-]+$"))  # straight to the check-in page

        assert page.locator("h1").inner_text() == "小区周末大扫除"
        button = page.locator("button.vl-r-big")
        assert button.count() == 1 and button.inner_text() == "签到"
        _tall_enough(page, "button.vl-r-big")
        _fits(page, "check-in")
        button.tap()
        page.wait_for_load_state()
        assert "签到成功" in page.locator(".flash").first.inner_text()
        assert page.locator("button.vl-r-big").inner_text() == "签退"
        assert "已签到" in page.locator("[data-checked]").inner_text()
        _fits(page, "checked in")

        for path in ("/", "/activities", "/tasks"):
            page.goto(wuye_live_server + H5 + path)
            _fits(page, path)
            _tall_enough(page, ".vl-r-tabs a")
            if page.locator("main button").count():
                _tall_enough(page, "main button")
        page.goto(wuye_live_server + H5 + "/activities")
        assert "社区义诊" in page.locator("main").inner_text()
        page.get_by_role("button", name="报名").click()
        page.wait_for_load_state()
        assert "报名成功" in page.locator(".flash").first.inner_text()
        _fits(page, "signed up")
        assert problems == []
    finally:
        phone.close()
