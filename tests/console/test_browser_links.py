"""服务关系 in a real browser: the street's administrator accepts the company's proposal naming its
own site, then ends the link with a reason after the page asks first (data-confirm: console.js,
no inline script)."""

from __future__ import annotations

import pytest

from wuye_core.testing import accept_password, browser_sign_in, page_problems

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def test_the_street_accepts_and_ends_a_link(wuye_make_tenant, wuye_register, wuye_app, wuye_live_server,
                                            wuye_page):
    street = wuye_make_tenant("street", kind="subdistrict", name="径河街道")
    company = wuye_make_tenant("company", name="幸福物业")
    wuye_register(street, prefix="街")  # its site: 街小区
    c_ids = wuye_register(company, prefix="企")
    proposal = company.admin.post("/api/v1/service-links", json={"partner": "street", "site_id": c_ids["site"]})
    assert proposal.status_code == 201, proposal.get_json()
    accept_password(wuye_app, "street", "admin")
    problems = page_problems(wuye_page)
    browser_sign_in(wuye_page, wuye_live_server, "street", "admin", "admin-pass-123")
    wuye_page.get_by_role("link", name="服务关系").click()
    assert wuye_page.get_by_role("heading", level=1).inner_text() == "服务关系"
    waiting = wuye_page.locator("section[aria-labelledby=h-awaiting_us]")
    assert "幸福物业" in waiting.inner_text()
    waiting.get_by_label("对应本方小区").select_option(label="街小区")
    waiting.get_by_role("button", name="确认").click()
    wuye_page.get_by_role("status").filter(has_text="服务关系已生效").wait_for()
    in_force = wuye_page.locator("section[aria-labelledby=h-in_force]")
    assert "街小区" in in_force.inner_text() and "企小区" in in_force.inner_text()

    asked = []
    wuye_page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    in_force.get_by_label("原因").fill("合同到期")
    in_force.get_by_role("button", name="解除服务关系").click()
    wuye_page.get_by_role("status").filter(has_text="服务关系已解除").wait_for()
    wuye_page.wait_for_function("() => document.querySelector('section[aria-labelledby=h-ended]') !== null")
    assert asked and "幸福物业" in asked[0]
    assert "合同到期" in wuye_page.locator("section[aria-labelledby=h-ended]").inner_text()
    assert company.admin.get(f"/api/v1/service-links/{proposal.get_json()['id']}").get_json()["state"] == "revoked"
    assert problems == []
