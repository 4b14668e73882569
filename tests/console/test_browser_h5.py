"""A resident on a phone (375 px, #19 item 7): signs in on the community's page with a support-desk
code, agrees to the privacy notice, reports a repair with a photo; staff dispatch it and the
resident reads 已派单; staff resolve it and the resident rates it: the ticket is closed and rated.
No page scrolls sideways, nothing is refused by the page's security policy."""

from __future__ import annotations

import re

import pytest

from wuye_core.resident_access.community_links import community_key
from wuye_core.testing import page_problems, resident_code

from ..test_resident_tickets import set_service_phone
from .test_browser_tickets import _no_sideways_scroll, _png

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")
PHONE = "13800000000"  # wuye_register's resident


def _phone(browser):
    return browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 375, "height": 740},
                               is_mobile=True, has_touch=True)


def _sign_in(page, entry, app):
    """On the community's page: the phone, a support-desk code, the privacy notice agreed: home."""
    page.goto(entry)
    assert page.get_by_role("link", name="0571-12345").get_attribute("href") == "tel:0571-12345"
    _no_sideways_scroll(page)
    page.get_by_label("您的手机号").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("验证码").wait_for()
    # no text message today: the support desk reads a code out (a newer code ends the texted one)
    page.get_by_label("验证码").fill(resident_code(app, "acme", PHONE))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/h5/privacy$"))
    assert "个人信息" in page.locator(".notice").inner_text()
    _no_sideways_scroll(page)
    page.get_by_role("button", name="我已阅读并同意").click()
    page.wait_for_url(re.compile(r".*/h5/$"))
    assert "101" in page.locator("main").inner_text()
    _no_sideways_scroll(page)


def test_a_resident_reports_a_repair_with_a_photo_follows_and_rates_it(wuye_make_tenant, wuye_register, wuye_app,
                                                                         wuye_live_server, wuye_browser, tmp_path):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    set_service_phone(t, ids["community"], "0571-12345")
    with wuye_app.app_context():
        entry = f"{wuye_live_server}/h5/c/acme/{community_key(t.id, ids['community'])}"
    photo = tmp_path / "漏水.png"
    photo.write_bytes(_png())

    phone = _phone(wuye_browser)
    try:
        page = phone.new_page()
        problems = page_problems(page)
        _sign_in(page, entry, wuye_app)

        page.get_by_role("link", name="报修、投诉、咨询、建议").click()
        page.get_by_label("报修").check()
        page.get_by_label("类别").select_option("水电维修")
        page.get_by_label("情况说明").fill("卫生间水管漏水，楼下天花板渗水")
        assert page.locator("input[type=file]").get_attribute("capture") == "environment"
        page.locator("input[type=file]").set_input_files(str(photo))
        _no_sideways_scroll(page)
        page.get_by_role("button", name="提交").click()
        page.wait_for_url(re.compile(r".*/h5/tickets/\d+$"))
        ticket_id = int(page.url.rsplit("/", 1)[1])
        assert page.locator("[data-status]").inner_text() == "已提交，等待受理"
        assert page.locator(".promise").inner_text() == "承诺 5 分钟内到场、30 分钟内办结。"
        assert page.locator(".photos img").evaluate("img => img.complete && img.naturalWidth") == 8
        _no_sideways_scroll(page)

        staff = t.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()
        assert (staff["channel"], staff["reporter_name"], staff["status"]) == ("app", "张三", "submitted")
        assert t.admin.get(f"/api/v1/tickets/{ticket_id}/attachments").get_json()["total"] == 1
        r = t.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "dispatch", "team": "水电班"})
        assert r.status_code == 200, r.get_json()
        page.reload()
        assert page.locator("[data-status]").inner_text() == "已派单"
        assert "水电班" not in page.content()  # no staff, no team

        r = t.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "resolve"})
        assert r.status_code == 200, r.get_json()
        page.reload()
        assert page.locator("[data-status]").inner_text() == "已办结"
        page.get_by_label("★★★★★", exact=True).check()
        page.get_by_label("您的意见").fill("师傅来得很快")
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_url(re.compile(rf".*/h5/tickets/{ticket_id}$"))
        assert "感谢您的评价" in page.locator(".flash").inner_text()
        assert page.locator("[data-status]").inner_text() == "已关闭"
        _no_sideways_scroll(page)

        page.get_by_role("link", name="首页").click()
        assert "已关闭" in page.locator(".tickets").inner_text()
        assert problems == []
    finally:
        phone.close()
    staff = t.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert (staff["status"], staff["rating"], staff["rating_comment"]) == ("closed", 5, "师傅来得很快")


def test_a_resident_opens_an_urgent_notice_and_staff_see_it_read(wuye_make_tenant, wuye_register, wuye_app,
                                                                   wuye_live_server, wuye_browser):
    """Staff publish an urgent notice (停水) to the community; on the phone the resident sees one
    unread, the notice first and marked urgent, opens it; the staff's figures count the household."""
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    set_service_phone(t, ids["community"], "0571-12345")
    assert t.admin.post("/api/v1/notices", json={"community_id": ids["community"], "audience": "community",
                                                 "title": "绿化修剪", "body": "下周一修剪绿化。"}).status_code == 201
    r = t.admin.post("/api/v1/notices", json={"community_id": ids["community"], "audience": "community",
                                              "kind": "urgent", "category": "water", "title": "明日停水",
                                              "body": "明日 9:00-17:00 停水，请提前储水。"})
    assert r.status_code == 201, r.get_json()
    notice_id = r.get_json()["id"]
    with wuye_app.app_context():
        entry = f"{wuye_live_server}/h5/c/acme/{community_key(t.id, ids['community'])}"
    phone = _phone(wuye_browser)
    try:
        page = phone.new_page()
        problems = page_problems(page)
        _sign_in(page, entry, wuye_app)
        assert page.locator("nav [data-unread]").inner_text() == "2"
        page.locator("nav").get_by_role("link", name="公告").click()
        page.wait_for_url(re.compile(r".*/h5/notices$"))
        first = page.locator(".notices li").first
        assert "明日停水" in first.inner_text() and "紧急" in first.inner_text() and "未读" in first.inner_text()
        _no_sideways_scroll(page)
        first.get_by_role("link").click()
        page.wait_for_url(re.compile(rf".*/h5/notices/{notice_id}$"))
        assert page.locator("[data-urgent]").inner_text() == "紧急"
        assert "请提前储水" in page.locator("main").inner_text()
        _no_sideways_scroll(page)
        assert page.locator("nav [data-unread]").inner_text() == "1"  # the other one is still unread
        seen = t.admin.get(f"/api/v1/notices/{notice_id}").get_json()
        assert (seen["read_households"], seen["audience_households"]) == (1, 1)
        page.get_by_role("link", name="全部公告").click()
        assert "未读" not in page.locator(".notices li").first.inner_text()
        for name in ("公示", "我的信息"):  # the other pages of the bar fit the phone too
            page.locator("nav").get_by_role("link", name=name).click()
            page.wait_for_load_state()
            _no_sideways_scroll(page)
        assert problems == []
    finally:
        phone.close()
