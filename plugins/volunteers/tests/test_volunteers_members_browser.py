"""The members' and teams' pages in a real browser (chromium, zh-CN): on a 375 px phone and an old
PC's 1024 px screen no page scrolls sideways, buttons and tabs are a thumb's size (44 px), the
page's security policy refuses nothing; the manager registers a member with the phone's keyboard."""

from __future__ import annotations

import pytest
from vl_members_support import C, alliance

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

PASSWORD = "password-123"


def _context(browser, width: int, height: int = 740):
    phone = width < 720
    return browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height},
                               is_mobile=phone, has_touch=phone)


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width} px: {scroll} px"
    small = page.evaluate("""() => [...document.querySelectorAll('main button, main .button, .vl-tabs a, main select')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => (e.textContent || e.name || e.tagName).trim().slice(0, 30))""")
    assert not small, f"{page.url}: targets under 44 px: {small}"


@pytest.mark.parametrize("width", [375, 1024])
def test_the_pages_fit_a_phone_and_an_old_pc(wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_browser,
                                             wuye_live_server, wuye_sign_in, wuye_page_problems, width):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    first = a.member(name="欧阳秀兰", phone="13812345678", kind="party_member", party_org="青岛市市南区人民法院机关党委",
                     party_reported_on="2025-03-01", consent_contact=True, availability=["weekend", "on_call"],
                     skills=[{"skill": code} for code in ("legal", "mediation", "elderly_care", "psychology")])
    team = a.team(name="法律服务与矛盾调解志愿服务队", kind="professional", leader_member_id=first["id"])
    context = _context(wuye_browser, width)
    try:
        page = context.new_page()
        problems = wuye_page_problems(page)
        wuye_sign_in(page, "acme", "acme-mgr", PASSWORD)
        for path in (f"/communities/{a.cid}/members", f"/communities/{a.cid}/members/new", f"/members/{first['id']}",
                     f"/members/{first['id']}/edit", f"/members/{first['id']}/leave",
                     f"/communities/{a.cid}/members/import", f"/communities/{a.cid}/teams",
                     f"/communities/{a.cid}/teams/new", f"/teams/{team['id']}", f"/teams/{team['id']}/edit"):
            page.goto(wuye_live_server + C + path)
            assert page.get_by_role("heading", level=1).count() == 1, path
            _fits(page, width)
        # registering on the phone: the number field asks for digits
        page.goto(f"{wuye_live_server}{C}/communities/{a.cid}/members/new")
        assert page.locator("#f-phone").get_attribute("inputmode") == "numeric"
        page.fill("#f-name", "骆驼")
        page.fill("#f-phone", "13800001234")
        page.check("input[name=availability][value=weekend]")
        page.select_option("#f-skill_haircut", "skilled")
        page.get_by_role("button", name="登记", exact=True).click()
        page.wait_for_url(f"**{C}/members/*")
        assert "理发 · 熟练" in page.locator("main").inner_text()
        _fits(page, width)
        assert problems == [], problems
    finally:
        context.close()
