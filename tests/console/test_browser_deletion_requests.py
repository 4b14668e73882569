"""删除申请 in a real browser: a resident has asked for deletion; the tenant's administrator finds it
in the menu, opens it (who, why, which register rows and how many tickets approving touches),
approves after the page asks to confirm (data-confirm: console.js, no inline script), and the page
says the data is erased, showing the number masked."""

from __future__ import annotations

import pytest

from tests.test_resident_sign_in import signed_in
from wuye_core.testing import accept_password, browser_sign_in, page_problems

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def test_the_admin_approves_a_deletion_request(wuye_make_tenant, wuye_register, wuye_app, wuye_live_server,
                                               wuye_page, caplog):
    tenant = wuye_make_tenant("acme")
    wuye_register(tenant)
    resident = signed_in(wuye_app, caplog)
    request = resident.post("/api/v1/resident/deletion-requests", json={"reason": "已经搬走"}).get_json()
    accept_password(wuye_app, "acme", "admin")
    problems = page_problems(wuye_page)
    browser_sign_in(wuye_page, wuye_live_server, "acme", "admin", "admin-pass-123")
    wuye_page.get_by_role("link", name="删除申请", exact=True).click()
    wuye_page.get_by_role("link", name=f"#{request['id']}").click()
    wuye_page.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').textContent.startsWith('删除申请 #')")
    text = wuye_page.locator("main").inner_text()
    assert "已经搬走" in text and "张三" in text and "13800000000" in text
    wuye_page.once("dialog", lambda dialog: dialog.accept())
    wuye_page.get_by_role("button", name="批准并删除").click()
    wuye_page.get_by_role("status").filter(has_text="该居民的个人信息已删除").wait_for()
    text = wuye_page.locator("main").inner_text()
    assert "已删除" in text and "138****0000" in text and "张三" not in text and "已经搬走" not in text
    assert resident.get("/api/v1/resident/privacy").status_code == 401
    assert problems == []
