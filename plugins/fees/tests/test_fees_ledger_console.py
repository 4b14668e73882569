"""The console's ledger pages (in English: `?lang=en`, the catalogs are compiled by the
integrator): entries with their filters and totals, recording one in yuan, correcting and
cancelling; the gap by site with its chart; the statements tab — draft, read, publish, correct,
the versions and the downloads; what a cashier and a clerk may see and do."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from html import unescape

from _fees_rows import C, P, add, payment, rows, unit, world
from docx import Document
from wuye_fees.models import Entry, Statement


def _location_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/(\d+)(#\w+)?$", response.headers["Location"]).group(1))


def test_entries_in_the_console(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    page = w.tenant.console("mgr", "password-123")
    url = f"{C}/communities/{w.cid}/entries?lang=en"
    listed = page.get(url).get_data(as_text=True)
    assert "Income and spending" in listed and "Record an entry" in listed and "No entry matches." in listed

    # recorded in yuan; the direction follows the category
    made = page.post(url, data={"category": "subsidy", "amount": "12,000.5", "occurred_on": w.today.isoformat(),
                                "site_id": str(w.site), "description": "季度物业补贴", "counterparty": "区财政局",
                                "voucher_no": ""})
    entry_id = _location_id(made)
    stored = rows(w.tenant, Entry, Entry.id == entry_id)[0]
    assert stored["amount_fen"] == 1_200_050 and stored["direction"] == "income" and stored["voucher_no"] is None
    shown = page.get(f"{C}/entries/{entry_id}?lang=en").get_data(as_text=True)
    assert "12,000.50" in shown and "Correct this entry" in shown and "Cancel this entry" in shown

    bad = page.post(url, data={"category": "subsidy", "amount": "12.345", "occurred_on": w.today.isoformat(),
                               "description": "x"})
    assert bad.status_code == 422 and 'aria-describedby="e-amount"' in bad.get_data(as_text=True)
    wrong_day = page.post(url, data={"category": "cleaning", "amount": "10", "occurred_on": "2099-01-01",
                                     "description": "x"})
    assert wrong_day.status_code == 422 and 'aria-describedby="e-occurred_on"' in wrong_day.get_data(as_text=True)

    # filters and totals
    page.post(url, data={"category": "cleaning", "amount": "300", "occurred_on": w.today.isoformat(),
                         "description": "保洁", "site_id": ""})
    listed = page.get(url).get_data(as_text=True)
    assert "12,000.50" in listed and "300.00" in listed and "11,700.50" in listed  # income, spending, net
    only = page.get(url + "&direction=spending").get_data(as_text=True)
    assert "保洁" in only and "季度物业补贴" not in only
    odd = page.get(url + "&sort=bogus")
    assert odd.status_code == 200 and "季度物业补贴" in odd.get_data(as_text=True)  # the defaults, and why

    # a correction (the amount), then a cancellation with its reason
    corrected = page.post(f"{C}/entries/{entry_id}/amend?lang=en", data={
        "category": "subsidy", "amount": "12000.00", "occurred_on": w.today.isoformat(), "site_id": str(w.site),
        "description": "季度物业补贴", "counterparty": "区财政局", "voucher_no": "", "reason": "按拨款通知"})
    assert _location_id(corrected) == entry_id
    assert rows(w.tenant, Entry, Entry.id == entry_id)[0]["amount_fen"] == 1_200_000
    no_reason = page.post(f"{C}/entries/{entry_id}/cancel?lang=en", data={"reason": ""})
    assert no_reason.status_code == 422 and 'aria-describedby="e-cancel-reason"' in no_reason.get_data(as_text=True)
    assert _location_id(page.post(f"{C}/entries/{entry_id}/cancel", data={"reason": "重复"})) == entry_id
    shown = page.get(f"{C}/entries/{entry_id}?lang=en").get_data(as_text=True)
    assert "重复" in shown and "Correct this entry" not in shown

    # a cashier reads, without the forms; a clerk is refused
    cashier = w.tenant.console("cashier", "password-123")
    seen = cashier.get(url).get_data(as_text=True)
    assert "保洁" in seen and "Record an entry" not in seen
    assert cashier.post(url, data={"category": "cleaning", "amount": "1", "occurred_on": w.today.isoformat(),
                                   "description": "x"}).status_code == 403
    assert w.tenant.console("clerk", "password-123").get(url).status_code == 403


def test_the_gap_page(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    y = w.today.year - 1
    u = unit(w.tenant, w.cid, w.site)
    payment(w.tenant, w.cid, w.site, u, 11_792, paid_at=datetime(y, 7, 5, 2, 0, tzinfo=UTC), receipt_no="R1")
    add(w.tenant, Entry(community_id=w.cid, site_id=w.site, direction="spending", category="staff",
                        amount_fen=450_000, occurred_on=date(y, 8, 1), description="工资", recorded_by="t"),
        Entry(community_id=w.cid, site_id=None, direction="income", category="subsidy", amount_fen=100_000,
              occurred_on=date(y, 8, 1), description="补贴", recorded_by="t"))
    clerk = w.tenant.console("clerk", "password-123")
    html = clerk.get(f"{C}/communities/{w.cid}/gap?lang=en&year={y}&quarter=3").get_data(as_text=True)
    assert "The gap by site" in html and f"{y}Q3" in html
    assert "117.92" in html and "4,500.00" in html and "4,382.08" in html  # fees, spending, the gap
    assert "The community as a whole" in html and "Government subsidy" in html
    chart = json.loads(unescape(re.search(r"data-chart='([^']*)'", html).group(1)))
    assert chart["series"][0]["data"][0] == 117.92 and chart["series"][2]["data"][0] == 4500.0
    fallback = clerk.get(f"{C}/communities/{w.cid}/gap?lang=en&year=1800&quarter=9")
    assert fallback.status_code == 200 and "Choose a quarter." in fallback.get_data(as_text=True)


def test_statements_in_the_console(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    year, quarter = (w.today.year, (w.today.month - 1) // 3) if w.today.month > 3 else (w.today.year - 1, 4)
    add(w.tenant, Entry(community_id=w.cid, site_id=w.site, direction="income", category="shop_rent",
                        amount_fen=250_000, occurred_on=date(year, quarter * 3, 1), description="门面", recorded_by="t"))
    page = w.tenant.console("mgr", "password-123")
    url = f"{C}/communities/{w.cid}/statements"
    grid = page.get(url + "?lang=en").get_data(as_text=True)
    assert f"{year}Q{quarter}" in grid and "Not drafted" in grid and "The whole community" in grid
    sid = _location_id(page.post(url, data={"year": str(year), "quarter": str(quarter), "site_id": str(w.site)}))
    shown = page.get(f"{C}/statements/{sid}?lang=en").get_data(as_text=True)
    assert "Publish version 1" in shown and "2,500.00" in shown and "Shop-front rent" in shown
    docx = page.get(f"{C}/statements/{sid}/statement.docx?lang=en")
    assert docx.status_code == 200 and "DRAFT" in "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert page.get(f"{C}/statements/{sid}/statement.xlsx").status_code == 200
    assert _location_id(page.post(f"{C}/statements/{sid}/publish", data={"version": "1"})) == sid
    assert rows(w.tenant, Statement, Statement.id == sid)[0]["status"] == "published"
    shown = page.get(f"{C}/statements/{sid}?lang=en").get_data(as_text=True)
    assert "Correct the statement" in shown and "Published as version 1" in shown
    unchanged = page.post(f"{C}/statements/{sid}/correct?lang=en", data={"reason": "x"})
    assert unchanged.status_code == 409 and "nothing to correct" in unchanged.get_data(as_text=True)
    add(w.tenant, Entry(community_id=w.cid, site_id=w.site, direction="spending", category="repairs",
                        amount_fen=80_000, occurred_on=date(year, quarter * 3, 2), description="修", recorded_by="t"))
    assert "correct the statement" in page.get(f"{C}/statements/{sid}?lang=en").get_data(as_text=True)
    assert _location_id(page.post(f"{C}/statements/{sid}/correct", data={"reason": "补记维修支出"})) == sid
    shown = page.get(f"{C}/statements/{sid}?lang=en").get_data(as_text=True)
    assert "补记维修支出" in shown and "Published as version 2" in shown and "version=1" in shown
    grid = page.get(url + "?lang=en").get_data(as_text=True)
    assert "Published" in grid and "version 2" in grid
    # a clerk reads the statements, without the buttons; drafting is refused
    clerk = w.tenant.console("clerk", "password-123")
    seen = clerk.get(f"{C}/statements/{sid}?lang=en").get_data(as_text=True)
    assert "Versions" in seen and "Correct the statement" not in seen
    assert clerk.post(url, data={"year": str(year), "quarter": str(quarter)}).status_code == 403
    assert w.mgr.get(f"{P}/statements/{sid}").get_json()["version"] == 2
