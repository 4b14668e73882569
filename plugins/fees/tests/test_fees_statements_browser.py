"""On a fee manager's phone (375 px wide, a real Chromium): the ledger pages fit without sideways
scrolling (wide tables scroll inside their own box), the gap's chart is drawn, a tap drafts a
quarter's statement and another publishes it; no page has a script error, a refused request or a
Content-Security-Policy violation. Skipped where no browser is installed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from _fees_rows import C, add, payment, unit, world
from wuye_fees.models import Entry


def test_a_manager_drafts_and_publishes_on_a_phone(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                   wuye_live_server, wuye_page, wuye_sign_in, wuye_page_problems):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    year, quarter = (w.today.year, (w.today.month - 1) // 3) if w.today.month > 3 else (w.today.year - 1, 4)
    u = unit(w.tenant, w.cid, w.site)
    payment(w.tenant, w.cid, w.site, u, 11_792, paid_at=datetime(year, quarter * 3, 2, 2, 0, tzinfo=UTC),
            receipt_no="R1")
    add(w.tenant, Entry(community_id=w.cid, site_id=w.site, direction="income", category="subsidy",
                        amount_fen=300_000, occurred_on=date(year, quarter * 3, 1), description="还建小区物业补贴",
                        counterparty="区财政局", recorded_by="mgr"),
        Entry(community_id=w.cid, site_id=w.site, direction="spending", category="staff", amount_fen=450_000,
              occurred_on=date(year, quarter * 3, 1), description="保洁、秩序维护人员工资", recorded_by="mgr"))
    wuye_page.set_viewport_size({"width": 375, "height": 800})
    wuye_sign_in(wuye_page, "acme", "mgr", "password-123")
    problems = wuye_page_problems(wuye_page)
    for path in (f"/communities/{w.cid}/entries?from={year}-01-01", f"/communities/{w.cid}/gap",
                 f"/communities/{w.cid}/statements"):
        wuye_page.goto(wuye_live_server + C + path)
        assert wuye_page.evaluate("document.documentElement.scrollWidth") <= 375, path
    wuye_page.goto(wuye_live_server + C + f"/communities/{w.cid}/gap?year={year}&quarter={quarter}")
    wuye_page.wait_for_selector(".fl-chart .chart[data-chart-ready]", timeout=10_000)

    wuye_page.goto(wuye_live_server + C + f"/communities/{w.cid}/statements")
    row = wuye_page.locator("table.fl-statements tbody tr").nth(1)  # the first quarter's site
    row.locator("button.primary").click()
    wuye_page.wait_for_load_state()
    assert "/statements/" in wuye_page.url
    assert wuye_page.evaluate("document.documentElement.scrollWidth") <= 375
    assert wuye_page.locator(".flash").count() == 1
    wuye_page.locator("#publish button.primary").click()
    wuye_page.wait_for_load_state()
    assert wuye_page.locator("#correct").count() == 1  # published: the correction form is what remains
    assert wuye_page.evaluate("document.documentElement.scrollWidth") <= 375
    assert problems == []
