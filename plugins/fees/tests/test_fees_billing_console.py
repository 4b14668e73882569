"""The billing area's console pages: units and rates, bills with totals, a bill with a discount
asked for and approved, generating a period; forms refused show the field; roles."""

from __future__ import annotations

from _fees_rows import C, bill, rate, rows, unit, world
from wuye_fees.models import Bill, Discount, FeeRate


def _csrf(console, url):
    page = console.get(url).get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_pages_and_forms(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    home = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    rate(w.tenant, w.cid, w.site, "0.45")
    mgr = w.tenant.console("mgr", "password-123")
    units_url = f"{C}/communities/{w.cid}/units?lang=en"
    page = mgr.get(units_url).get_data(as_text=True)
    assert "1栋1单元101" in page and "Add a rate" in page and "fees-billing.css" in page and "<style" not in page
    token = _csrf(mgr, units_url)
    # an overlapping rate: refused next to valid_from (409)
    r = mgr.post(f"{C}/communities/{w.cid}/rates?lang=en", data={
        "csrf_token": token, "site_id": w.site, "unit_kind": "residential", "basis": "per_m2", "price": "0.5",
        "valid_from": "2027-01-01"})
    assert r.status_code == 409 and 'id="e-rate-valid_from"' in r.get_data(as_text=True)
    r = mgr.post(f"{C}/communities/{w.cid}/rates", data={
        "csrf_token": token, "site_id": w.site, "unit_kind": "shop", "basis": "per_m2", "price": "2.5",
        "valid_from": "2026-01-01"})
    assert r.status_code == 303 and len(rows(w.tenant, FeeRate)) == 2
    # generate a period
    r = mgr.post(f"{C}/communities/{w.cid}/billing", data={"csrf_token": token, "period": "2026-11"})
    assert r.status_code == 303, r.get_data(as_text=True)
    r = mgr.post(f"{C}/communities/{w.cid}/billing?lang=en", data={"csrf_token": token, "period": "2026Q4"})
    assert r.status_code == 422 and 'id="e-period"' in r.get_data(as_text=True)
    bills = rows(w.tenant, Bill)
    assert len(bills) == 1 and bills[0]["amount_fen"] == 3931
    page = mgr.get(f"{C}/communities/{w.cid}/billing?lang=en").get_data(as_text=True)
    assert "2026-11" in page
    page = mgr.get(f"{C}/communities/{w.cid}/bills?lang=en&period=2026-11").get_data(as_text=True)
    assert "39.31" in page and "1栋1单元101" in page
    # a cashier asks for a discount, the manager approves it
    cashier = w.tenant.console("cashier", "password-123")
    bill_url = f"{C}/bills/{bills[0]['id']}"
    ctoken = _csrf(cashier, bill_url)
    r = cashier.post(bill_url + "/discounts?lang=en", data={"csrf_token": ctoken, "kind": "discount",
                                                            "amount_yuan": "50", "reason": "hardship",
                                                            "explanation": "困难"})
    assert r.status_code == 422 and 'id="e-amount_yuan"' in r.get_data(as_text=True)
    r = cashier.post(bill_url + "/discounts", data={"csrf_token": ctoken, "kind": "discount", "amount_yuan": "9.31",
                                                    "reason": "hardship", "explanation": "困难"})
    assert r.status_code == 303
    discount = rows(w.tenant, Discount)[0]
    assert discount["amount_fen"] == 931
    assert "Approve" not in cashier.get(bill_url + "?lang=en").get_data(as_text=True)
    page = mgr.get(f"{C}/communities/{w.cid}/discounts?lang=en").get_data(as_text=True)
    assert "9.31" in page and "Approve" in page
    r = mgr.post(f"{C}/discounts/{discount['id']}/approve", data={"csrf_token": token})
    assert r.status_code == 303
    assert rows(w.tenant, Bill)[0]["discount_fen"] == 931
    assert "30.00" in mgr.get(bill_url).get_data(as_text=True)
    # the unit page and its change form
    r = mgr.post(f"{C}/units/{home}/edit", data={"csrf_token": token, "label": "1栋1单元101", "area_m2": "90",
                                                 "billing_from": "2020-01-01", "active": "true"})
    assert r.status_code == 303, r.get_data(as_text=True)
    assert "90.00" in mgr.get(f"{C}/units/{home}").get_data(as_text=True)
    # roles: a cashier cannot generate; a clerk sees nothing
    assert cashier.post(f"{C}/communities/{w.cid}/billing", data={"csrf_token": ctoken,
                                                                  "period": "2026-12"}).status_code == 403
    clerk = w.tenant.console("clerk", "password-123")
    assert clerk.get(f"{C}/communities/{w.cid}/bills").status_code == 403


def test_another_tenants_bill_page_is_a_404(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    theirs = bill(other.tenant, other.cid, other.site, unit(other.tenant, other.cid, other.site))
    mgr = w.tenant.console("mgr", "password-123")
    assert mgr.get(f"{C}/bills/{theirs}").status_code == 404
