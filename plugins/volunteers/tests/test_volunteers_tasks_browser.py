"""The organiser on a phone (375×740, touch) in a real browser (chromium, zh-CN, Beijing time): from
the ticket's page 交给服务联盟, the form with the ticket's title, the task's page with its
candidates, 指派给他/她 and the hours recorded; the ticket is resolved. No page scrolls sideways,
nothing is refused by the page's security policy."""

from __future__ import annotations

import pytest
from _task_rows import C, member, ticket, world

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def _no_sideways_scroll(page, width: int = 375) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width} px: {scroll} px"


def test_an_organiser_on_a_phone_hands_a_ticket_to_a_member_and_records_the_hours(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_browser, wuye_live_server, wuye_sign_in,
        wuye_page_problems):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    w.tenant.user("acme-both", "volunteers_organiser", [w.cid])
    # an organiser who is community staff too: they see the ticket and give it to the alliance
    users = {u["username"]: u["id"] for u in w.tenant.admin.get("/api/v1/users").get_json()["items"]}
    r = w.tenant.admin.patch(f"/api/v1/users/{users['acme-both']}", json={"roles": [
        {"role": "volunteers_organiser", "community_id": w.cid}, {"role": "community_staff", "community_id": w.cid}]})
    assert r.status_code == 200, r.get_json()
    member(w.tenant, w.cid, "周师傅", "13811112222", skills={"plumbing": ("expert", True)}, availability=("weekend",))
    member(w.tenant, w.cid, "吴同学", "13833334444", skills={"plumbing": ("basic", False)})
    t = ticket(w.clerk, w.ids, title="独居老人家中水管漏水，需要上门维修")

    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "acme-both", "password-123")
        page.goto(f"{wuye_live_server}/console/tickets/{t['id']}")
        _no_sideways_scroll(page)
        page.get_by_role("link", name="交给服务联盟").tap()
        page.wait_for_url(f"**{C}/tickets/{t['id']}/task")
        _no_sideways_scroll(page)
        assert page.get_by_label("需求").input_value() == "独居老人家中水管漏水，需要上门维修"
        page.get_by_label("需要的技能").select_option(label="水管维修")
        page.get_by_label("服务地点").fill("1栋101")
        page.get_by_role("button", name="交给服务联盟").tap()
        page.wait_for_url("**/tasks/*")
        _no_sideways_scroll(page)
        candidates = page.get_by_role("region", name="可承接的成员")
        assert candidates.get_by_text("周师傅").is_visible() and candidates.get_by_text("13811112222").is_visible()
        button = candidates.get_by_role("button", name="把任务指派给周师傅")
        assert button.bounding_box()["height"] >= 44
        with page.expect_navigation():
            button.tap()
        assert page.get_by_text("任务已指派给周师傅").is_visible()
        _no_sideways_scroll(page)
        page.get_by_label("服务时长（小时）").fill("1.5")
        page.get_by_label("完成情况").fill("更换了水龙头和软管")
        with page.expect_navigation():
            page.get_by_role("button", name="登记完成").tap()
        assert page.get_by_text("任务已完成，服务时长已记录").is_visible()
        assert page.get_by_text("1.5 小时").is_visible()
        _no_sideways_scroll(page)
        assert problems == []
    finally:
        context.close()
    ticket_now = w.clerk.get(f"/api/v1/tickets/{t['id']}").get_json()
    assert ticket_now["status"] == "resolved"
