"""转办 in a real browser: the street's administrator opens a window ticket of the linked site, opens
the hand-off dialog (data-open-dialog: console.js, no inline script), writes a note and hands it to
the company; the page says so and the panel shows the company's ticket, delivered."""

from __future__ import annotations

import pytest

from tests.test_handoffs import make_linked, ticket
from wuye_core.testing import accept_password, browser_sign_in, page_problems

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def test_the_street_hands_a_ticket_to_the_company(wuye_make_tenant, wuye_register, wuye_service_link, wuye_app,
                                                  wuye_live_server, wuye_page):
    street, s_ids, company, c_ids, link = make_linked(wuye_make_tenant, wuye_register, wuye_service_link)
    link()
    mine = ticket(street, s_ids)
    accept_password(wuye_app, "street", "admin")
    problems = page_problems(wuye_page)
    browser_sign_in(wuye_page, wuye_live_server, "street", "admin", "admin-pass-123")
    wuye_page.goto(f"{wuye_live_server}/console/tickets/{mine['id']}")
    wuye_page.get_by_role("button", name="转办给幸福物业…").click()
    dialog = wuye_page.locator("#handoff-dialog")
    wuye_page.wait_for_function("() => document.querySelector('#handoff-dialog').open === true")
    assert "报事人姓名和电话不随转办提供" in dialog.inner_text()
    dialog.get_by_label("给幸福物业的说明（选填）").fill("请尽快处理")
    dialog.get_by_role("button", name="转办", exact=True).click()
    wuye_page.get_by_role("status").filter(has_text="工单已转办给幸福物业").wait_for()
    panel = wuye_page.locator("#handoffs")
    text = panel.inner_text()
    assert "转出" in text and "已送达" in text and "请尽快处理" in text
    their = company.admin.get("/api/v1/handoffs", query_string={"direction": "received"}).get_json()["items"]
    assert len(their) == 1 and f"#{their[0]['my_ticket_id']}" in text
    wuye_page.get_by_role("link", name="转办", exact=True).click()
    wuye_page.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').textContent === '转办'")
    assert f"#{mine['id']}" in wuye_page.locator("table.handoffs").inner_text()
    assert problems == []
