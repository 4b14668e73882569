"""The people who use welfare_jobs, in a real browser (chromium, zh-CN, Beijing time): a worker on
a phone (375×740, touch) clocks in and out on 我的岗位 and sees the ticket dispatched to their
team; the post's team leader marks someone 请假 on the day's sheet and the roster manager's month
shows it; the manager's overview and workers list fit a phone and an old PC's 1024 px screen.
No page scrolls sideways, nothing is refused by the page's security policy."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from roster_support import P, roster, years_ago

from wuye_core.plugins import local_today

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

C = "/console/plugins/welfare_jobs"
PASSWORD = "password-123"  # tenant.user's


def _context(browser, width: int, height: int = 740):
    phone = width < 720
    return browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height},
                               is_mobile=phone, has_touch=phone)


def _no_sideways_scroll(page, width: int = 375) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width} px: {scroll} px"


def _user_id(tenant, username: str) -> int:
    found = tenant.admin.get("/api/v1/users", query_string={"q": username, "per_page": 100}).get_json()["items"]
    return next(u["id"] for u in found if u["username"] == username)


@pytest.fixture
def world(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Through the plugin's API as the roster manager (`acme-mgr`): a cleaning post led by
    `acme-lead`, 王秀英 (signs in as `wang`) and 李桂兰 placed on it ten days ago, and a ticket at
    the post's compound dispatched to its team."""
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r.tenant.user("wang", "welfare_jobs_worker", [r.cid])
    post = r.post(name="稻香苑保洁岗", headcount=3, leader_user_id=_user_id(r.tenant, "acme-lead"))
    born = years_ago(local_today(), 45)  # a woman of 45: five years before her retirement age
    wang = r.worker(name="王秀英", born=born, serial=1, staff_user_id=_user_id(r.tenant, "wang"))
    li = r.worker(name="李桂兰", born=born, serial=2, phone="13712345678")
    start = local_today() - timedelta(days=10)
    for worker in (wang, li):
        placed = r.place(worker["id"], post["id"], start)
        assert placed.status_code == 201, placed.get_json()
    ticket = r.tenant.admin.post("/api/v1/tickets", json={
        "community_id": r.cid, "site_id": r.ids["site"], "channel": "phone", "kind": "repair",
        "category": "水电维修", "title": "3栋楼道垃圾堆积"})
    assert ticket.status_code == 201, ticket.get_json()
    sent = r.mgr.post(f"{P}/posts/{post['id']}/tickets", json={"ticket_id": ticket.get_json()["id"]})
    assert sent.status_code == 201, sent.get_json()
    r.post_id = post["id"]
    return r


def test_a_worker_clocks_in_and_out_on_a_phone_and_sees_the_teams_ticket(world, wuye_browser, wuye_sign_in,
                                                                         wuye_page_problems):
    context = _context(wuye_browser, 375)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "wang", PASSWORD)
        page.get_by_role("button", name="菜单").tap()
        nav = page.get_by_role("navigation", name="主菜单")
        assert nav.get_by_role("link", name="公益岗位").count() == 0  # the roster is not a worker's
        nav.get_by_role("link", name="我的岗位").tap()
        page.wait_for_url(f"**{C}/me")
        main = page.locator("main")
        assert page.get_by_role("heading", level=1).inner_text() == "王秀英"
        assert page.get_by_text("稻香苑保洁岗").is_visible()
        assert "今天还没有打卡。" in page.locator(".wj-me-state").inner_text()
        queue = page.get_by_role("region", name="本班组的工单")
        assert "3栋楼道垃圾堆积" in queue.inner_text() and "已派单" in queue.inner_text()
        clock_in = page.get_by_role("button", name="上班打卡")
        clock_out = page.get_by_role("button", name="下班打卡")
        assert clock_out.is_disabled() and clock_in.bounding_box()["height"] >= 44  # a thumb's target
        _no_sideways_scroll(page)

        with page.expect_navigation(url=f"**{C}/me"):  # the same address again: wait for the new page
            clock_in.tap()
        said = re.search(r"已上班打卡，时间 (\d\d:\d\d)。", page.locator(".flash").inner_text())
        assert said, main.inner_text()
        assert f"上班打卡 {said.group(1)}" in page.locator(".wj-me-state").inner_text()
        assert "出勤" in page.locator(".wj-me-state").inner_text()
        assert clock_in.is_disabled() and clock_out.is_enabled()

        with page.expect_navigation(url=f"**{C}/me"):  # the same address again: wait for the new page
            clock_out.tap()
        assert "已下班打卡" in page.locator(".flash").inner_text()
        assert "下班打卡 " in page.locator(".wj-me-state").inner_text()
        assert clock_out.is_disabled()
        assert "3栋楼道垃圾堆积" in page.get_by_role("region", name="本班组的工单").inner_text()
        _no_sideways_scroll(page)
        assert problems == []
    finally:
        context.close()


def test_the_team_leader_marks_a_leave_and_the_managers_month_shows_it(world, wuye_browser, wuye_sign_in,
                                                                        wuye_page_problems):
    today = local_today()
    context = _context(wuye_browser, 375)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "acme-lead", PASSWORD)
        page.get_by_role("button", name="菜单").tap()
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="公益岗位").tap()
        page.wait_for_url(f"**{C}/communities/{world.cid}")  # one community: straight to its overview
        page.get_by_role("navigation", name="公益岗位").get_by_role("link", name="岗位").tap()
        page.get_by_role("link", name="稻香苑保洁岗").tap()
        page.wait_for_url(f"**{C}/posts/{world.post_id}")
        page.get_by_role("link", name="今日考勤").tap()
        page.wait_for_url(re.compile(rf".*{C}/posts/{world.post_id}/attendance(\?.*)?$"))
        assert page.get_by_role("heading", level=1).inner_text() == "稻香苑保洁岗 · 考勤"
        assert page.get_by_label("日期").input_value() == today.isoformat()
        _no_sideways_scroll(page)

        li = page.get_by_role("group", name="李桂兰")
        li.get_by_text("请假", exact=True).tap()
        li.get_by_label("假别").select_option(label="病假")
        page.get_by_role("button", name="保存当天考勤").tap()
        page.wait_for_url(f"**{C}/posts/{world.post_id}/attendance?day={today.isoformat()}")
        assert "已保存：新登记 1 人" in page.locator(".flash").inner_text()
        li = page.get_by_role("group", name="李桂兰")
        assert li.get_by_role("radio", name="请假").is_checked()
        assert li.get_by_label("假别").evaluate("s => s.options[s.selectedIndex].text") == "病假"
        assert not page.get_by_role("group", name="王秀英").get_by_role("radio", name="出勤").is_checked()
        _no_sideways_scroll(page)
        assert problems == []
    finally:
        context.close()

    # the roster manager, on an old PC: the month of the day's post, 李桂兰 with one day of sick leave
    context = _context(wuye_browser, 1024, 768)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "acme-mgr", PASSWORD)
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="公益岗位").click()
        page.wait_for_url(f"**{C}/communities/{world.cid}")
        page.get_by_role("navigation", name="公益岗位").get_by_role("link", name="考勤").click()
        page.wait_for_url(f"**{C}/communities/{world.cid}/attendance")
        assert page.get_by_role("heading", level=1).inner_text() == f"考勤 · {today:%Y-%m}"
        headers = [h.strip() for h in page.get_by_role("columnheader").all_inner_texts()]
        li = page.get_by_role("row").filter(has_text="李桂兰")
        cells = dict(zip(headers, [c.strip() for c in li.get_by_role("cell").all_inner_texts()], strict=True))
        assert cells["岗位"] == "稻香苑保洁岗" and cells["病假"] == "1" and cells["事假"] == "0"
        wang = page.get_by_role("row").filter(has_text="王秀英")
        assert dict(zip(headers, wang.get_by_role("cell").all_inner_texts(), strict=True))["病假"].strip() == "0"
        _no_sideways_scroll(page, 1024)
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [375, 1024])
def test_the_managers_overview_and_workers_fit_the_screen(world, wuye_browser, wuye_live_server, wuye_sign_in,
                                                          wuye_page_problems, width):
    context = _context(wuye_browser, width, 740 if width < 720 else 768)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "acme-mgr", PASSWORD)
        page.goto(f"{wuye_live_server}{C}/communities/{world.cid}")
        assert page.get_by_role("heading", level=1).inner_text() == "公益岗位 · 社区"
        figures = page.locator(".wj-overview").inner_text()
        assert "在岗人数" in figures and "2" in figures
        assert page.get_by_role("heading", name="待办事项").is_visible()
        _no_sideways_scroll(page, width)

        page.get_by_role("navigation", name="公益岗位").get_by_role("link", name="人员").click()
        page.wait_for_url(f"**{C}/communities/{world.cid}/workers")
        assert page.get_by_role("heading", level=1).inner_text() == "人员 · 社区"
        rows = page.locator("main table tbody tr")
        assert rows.count() == 2
        listed = page.locator("main table").inner_text()
        assert "王秀英" in listed and "李桂兰" in listed and "稻香苑保洁岗" in listed
        assert "139****5678" in listed and "137****5678" in listed  # masked in the list
        _no_sideways_scroll(page, width)
        assert problems == []
    finally:
        context.close()
