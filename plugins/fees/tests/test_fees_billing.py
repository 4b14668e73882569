"""Generating bills: exact amounts (Decimal, half up), idempotency, skips by reason, the period
rules, the household at billing time, the daily job, cancelling, manual bills, the list."""

from __future__ import annotations

from datetime import date

from _fees_rows import P, add, bill, payment, rate, rows, unit, world
from wuye_fees.models import Bill, BillingRun, FeeUnit
from wuye_fees.periods import add_months, next_period, period_of


def _gen(w, period, api=None):
    return (api or w.mgr).post(f"{P}/communities/{w.cid}/billing-runs", json={"period": period})


def test_amounts_exact_and_idempotent(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    home = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    shop = unit(w.tenant, w.cid, w.site, label="商铺 A-1", kind="shop", area="20")
    park = unit(w.tenant, w.cid, w.site, label="车位 B-1", kind="parking", area=None)
    unit(w.tenant, w.cid, w.site, label="车位 B-2", kind="other", area=None)  # no rate of its kind
    unit(w.tenant, w.cid, w.site, label="2栋101", area=None)  # per ㎡ and no area
    add(w.tenant, FeeUnit(community_id=w.cid, site_id=w.site, kind="residential", label="旧", area_m2="50",
                          billing_from=date(2020, 1, 1), active=False, created_by="t"))  # inactive: not billed
    rate(w.tenant, w.cid, w.site, "0.45")
    rate(w.tenant, w.cid, w.site, "2.5", unit_kind="shop")
    rate(w.tenant, w.cid, w.site, "80", unit_kind="parking", basis="fixed")
    r = _gen(w, "2026-11")
    assert r.status_code == 201, r.get_json()
    run = r.get_json()
    assert run["bills_made"] == 3 and run["already_billed"] == 0
    assert run["skipped"] == {"no_rate": 1, "no_area": 1}
    assert run["amount_fen"] == 3931 + 5000 + 8000 and run["period_label"] == "2026-11"
    bills = {b["fee_unit_id"]: b for b in rows(w.tenant, Bill)}
    assert bills[home]["amount_fen"] == 3931  # 0.45 × 87.35 × 1 = 39.3075 → 39.31
    assert bills[home]["household_id"] == w.ids["household"]
    assert bills[home]["due_on"] == date(2026, 12, 1)  # + 30 days
    assert bills[shop]["amount_fen"] == 5000 and bills[shop]["household_id"] is None
    assert bills[park]["amount_fen"] == 8000 and bills[park]["area_m2"] is None
    # twice: no second bill
    again = _gen(w, "2026-11").get_json()
    assert again["bills_made"] == 0 and again["already_billed"] == 3 and again["amount_fen"] == 0
    assert len(rows(w.tenant, Bill)) == 3 and len(rows(w.tenant, BillingRun)) == 2


def test_months_an_imported_bill_covers_are_not_billed_again(wuye_app, wuye_make_tenant, wuye_register,
                                                              wuye_enable_plugin):
    """Opening arrears imported from the old ledger span months (2026-09~2026-12): generating
    November makes no second charge for that unit, and a cancelled imported bill covers nothing."""
    from wuye_fees.periods import parse_label

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    covered = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    freed = unit(w.tenant, w.cid, w.site, label="2栋101", area="60")
    other = unit(w.tenant, w.cid, w.site, label="3栋101", area="100")
    rate(w.tenant, w.cid, w.site, "0.45")
    first, last = parse_label("2026-09"), parse_label("2026-12")
    for fee_unit_id, status in ((covered, "open"), (freed, "cancelled")):
        bill(w.tenant, w.cid, w.site, fee_unit_id, 15724, "2026-09", source="imported", status=status,
             period_end=last.end, period_label="2026-09~2026-12", due_on=last.end)
    assert first.start == date(2026, 9, 1)
    run = _gen(w, "2026-11").get_json()
    assert run["bills_made"] == 2 and run["already_billed"] == 1, run
    november = {b["fee_unit_id"] for b in rows(w.tenant, Bill) if b["period_label"] == "2026-11"}
    assert november == {freed, other}


def test_credit_paid_ahead_settles_the_new_bill(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """A unit with credit (paid ahead, or an opening balance imported): its new bill is settled
    from it at once; a unit without credit keeps an open bill."""
    from wuye_fees.models import Allocation

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    ahead = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    plain = unit(w.tenant, w.cid, w.site, label="2栋101", area="87.35")
    rate(w.tenant, w.cid, w.site, "0.45")
    payment(w.tenant, w.cid, w.site, ahead, 5000, note="期初余额")
    assert _gen(w, "2026-11").status_code == 201
    bills = {b["fee_unit_id"]: b for b in rows(w.tenant, Bill)}
    assert bills[ahead]["status"] == "paid" and bills[ahead]["paid_fen"] == 3931
    assert bills[plain]["status"] == "open" and bills[plain]["paid_fen"] == 0
    assert [a["amount_fen"] for a in rows(w.tenant, Allocation)] == [3931]
    r = w.cashier.get(f"{P}/units/{ahead}/account")
    assert r.status_code == 200 and r.get_json()["credit_fen"] == 5000 - 3931, r.get_json()


def test_quarterly_is_three_months_and_a_late_start_fewer(wuye_app, wuye_make_tenant, wuye_register,
                                                          wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, config={"billing_cycle": "quarterly",
                                                                          "due_days": 10})
    home = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    late = unit(w.tenant, w.cid, w.site, label="2栋101", area="87.35", billing_from=date(2026, 11, 15))
    ended = unit(w.tenant, w.cid, w.site, label="3栋101", area="87.35", billing_until=date(2026, 10, 20))
    unit(w.tenant, w.cid, w.site, label="4栋101", area="87.35", billing_from=date(2027, 1, 1))  # not yet
    rate(w.tenant, w.cid, w.site, "0.45")
    assert _gen(w, "2026-11").status_code == 422  # monthly label in a quarterly community
    r = _gen(w, "2026Q4")
    assert r.status_code == 201, r.get_json()
    bills = {b["fee_unit_id"]: b for b in rows(w.tenant, Bill)}
    assert set(bills) == {home, late, ended}
    assert bills[home]["amount_fen"] == 11792 and bills[home]["months"] == 3  # 117.92225 → 117.92
    assert bills[late]["months"] == 2 and bills[late]["amount_fen"] == 7862  # 78.615 → 78.62
    assert bills[ended]["months"] == 1 and bills[ended]["amount_fen"] == 3931
    assert bills[home]["due_on"] == date(2026, 10, 11) and bills[home]["period_label"] == "2026Q4"


def test_the_rate_of_the_periods_first_day(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="100")
    rate(w.tenant, w.cid, w.site, "0.45", valid_until=date(2026, 10, 31))
    rate(w.tenant, w.cid, w.site, "0.60", valid_from=date(2026, 11, 1))
    _gen(w, "2026-10")
    _gen(w, "2026-11")
    assert sorted(b["amount_fen"] for b in rows(w.tenant, Bill)) == [4500, 6000]


def test_period_rules(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    current = period_of("monthly", w.today)
    ahead = next_period(current)
    too_far = next_period(ahead)
    assert _gen(w, ahead.label).status_code == 201
    r = _gen(w, too_far.label)
    assert r.status_code == 422 and "period" in r.get_json()["errors"]["json"]
    r = _gen(w, "2026-13")
    assert r.status_code == 422 and "period" in r.get_json()["errors"]["json"]
    assert _gen(w, "2020-01").status_code == 201  # the past may be billed
    assert _gen(w, "2026-11", w.cashier).status_code == 403
    assert _gen(w, "2026-11", w.clerk).status_code == 403


def test_the_household_at_billing_time(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="50")
    rate(w.tenant, w.cid, w.site, "1")
    r = w.tenant.admin.patch(f"/api/v1/households/{w.ids['household']}", json={"moved_out_on": w.today.isoformat()})
    assert r.status_code == 200, r.get_json()
    r = w.tenant.admin.post("/api/v1/households", json={"unit_id": w.ids["unit"], "kind": "renter"})
    assert r.status_code == 201, r.get_json()
    newcomer = r.get_json()["id"]
    _gen(w, "2026-11")
    assert rows(w.tenant, Bill)[0]["household_id"] == newcomer


def test_the_daily_job(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_run_job):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    rate(w.tenant, w.cid, w.site, "0.45")
    assert wuye_run_job(w.tenant, "fees", "generate_bills") == 1
    assert wuye_run_job(w.tenant, "fees", "generate_bills") == 0  # a run of the period is recorded
    made = rows(w.tenant, Bill)
    assert len(made) == 1 and made[0]["period_start"] == w.today.replace(day=1)
    assert rows(w.tenant, BillingRun)[0]["started_by"] == "system"
    # auto_billing off: nothing
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, config={"auto_billing": False}, slug="off")
    unit(other.tenant, other.cid, other.site, unit_id=other.ids["unit"], area="87.35")
    rate(other.tenant, other.cid, other.site, "0.45")
    assert wuye_run_job(other.tenant, "fees", "generate_bills") == 0


def test_cancel_and_manual_bills(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    home = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    open_bill = bill(w.tenant, w.cid, w.site, home, period="2026-10")
    paid = bill(w.tenant, w.cid, w.site, home, period="2026-11", paid_fen=100)
    payment(w.tenant, w.cid, w.site, home, 100, {paid: 100})
    assert w.cashier.post(f"{P}/bills/{open_bill}/cancel", json={"reason": "错开"}).status_code == 403
    r = w.mgr.post(f"{P}/bills/{open_bill}/cancel", json={"reason": ""})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"]
    r = w.mgr.post(f"{P}/bills/{open_bill}/cancel", json={"reason": "面积录错"})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled" and r.get_json()["owed_fen"] == 0
    assert w.mgr.post(f"{P}/bills/{open_bill}/cancel", json={"reason": "again"}).status_code == 409
    assert w.mgr.post(f"{P}/bills/{paid}/cancel", json={"reason": "x"}).status_code == 409
    audit = w.tenant.admin.get("/api/v1/audit").get_json()
    assert any(e.get("action") == "fees.amended" for e in audit.get("items", audit))
    detail = w.cashier.get(f"{P}/bills/{paid}").get_json()
    assert detail["allocations"][0]["amount_fen"] == 100 and detail["discounts"] == []
    # a manual bill
    manual = {"fee_unit_id": home, "period": "2026-12", "amount_fen": 20000, "note": "维修分摊"}
    r = w.mgr.post(f"{P}/communities/{w.cid}/bills", json=manual)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["source"] == "manual" and r.get_json()["amount_yuan"] == "200.00"
    r = w.mgr.post(f"{P}/communities/{w.cid}/bills", json=manual)
    assert r.status_code == 409 and "period" in r.get_json()["errors"]["json"]
    r = w.mgr.post(f"{P}/communities/{w.cid}/bills", json={**manual, "period": "2027-01", "amount_fen": 0})
    assert r.status_code == 422 and "amount_fen" in r.get_json()["errors"]["json"]
    assert w.cashier.post(f"{P}/communities/{w.cid}/bills", json=manual).status_code == 403
    # it stands for the regular bill of its months: a quarter holding them is refused, and so is a
    # period far ahead
    r = w.mgr.post(f"{P}/communities/{w.cid}/bills", json={**manual, "period": "2026Q4"})
    assert r.status_code == 409 and "period" in r.get_json()["errors"]["json"]
    r = w.mgr.post(f"{P}/communities/{w.cid}/bills", json={**manual, "period": "2099-01"})
    assert r.status_code == 422 and "period" in r.get_json()["errors"]["json"]


def test_list_filters_and_tenants(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    home = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    shop = unit(w.tenant, w.cid, w.site, label="商铺", kind="shop", area="10")
    bill(w.tenant, w.cid, w.site, home, period="2026-10", household_id=w.ids["household"], due_on=date(2020, 1, 1))
    bill(w.tenant, w.cid, w.site, home, period="2026-11", household_id=w.ids["household"],
         due_on=add_months(w.today, 2))
    bill(w.tenant, w.cid, w.site, shop, period="2026-11", status="paid", paid_fen=3931)
    url = f"{P}/communities/{w.cid}/bills"
    assert w.cashier.get(url).get_json()["total"] == 3
    assert w.cashier.get(url + "?period=2026-11").get_json()["total"] == 2
    assert w.cashier.get(url + "?status=paid").get_json()["total"] == 1
    assert w.cashier.get(url + "?kind=shop").get_json()["total"] == 1
    assert w.cashier.get(url + f"?household_id={w.ids['household']}").get_json()["total"] == 2
    page = w.cashier.get(url + "?overdue=true").get_json()
    assert page["total"] == 1 and page["items"][0]["overdue"] is True and page["items"][0]["fee_unit_label"]
    r = w.cashier.get(url + "?period=nope")
    assert r.status_code == 422 and "period" in str(r.get_json()["errors"])
    assert w.clerk.get(url).status_code == 403
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    theirs_unit = unit(other.tenant, other.cid, other.site, label="x")
    theirs = bill(other.tenant, other.cid, other.site, theirs_unit)
    assert w.mgr.get(f"{P}/bills/{theirs}").status_code == 404
    assert w.mgr.post(f"{P}/bills/{theirs}/cancel", json={"reason": "x"}).status_code == 404
    r = w.mgr.post(f"{P}/communities/{w.cid}/bills", json={"fee_unit_id": theirs_unit, "period": "2026-12",
                                                           "amount_fen": 1, "note": "x"})
    assert r.status_code == 422 and "fee_unit_id" in r.get_json()["errors"]["json"]


def test_list_statements_do_not_grow(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from test_fees_rates import statements

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{w.cid}/bills"

    def some(n, start):
        for i in range(n):
            u = unit(w.tenant, w.cid, w.site, label=f"{start + i}号", area="10")
            bill(w.tenant, w.cid, w.site, u)

    some(2, 0)
    w.cashier.get(url)  # caches warm (the caller, the plugin's config)
    few = statements(wuye_app, lambda: w.cashier.get(url))
    some(8, 10)
    assert statements(wuye_app, lambda: w.cashier.get(url)) == few


def test_many_units_one_statement_each(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Generating reads units, rates and households once, whatever their number (no per-unit query)."""
    from test_fees_rates import statements
    from wuye_fees.billing import generate
    from wuye_fees.periods import parse_label

    from wuye_core.plugins import tenant_context

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    rate(w.tenant, w.cid, w.site, "0.45")
    add(w.tenant, *(FeeUnit(community_id=w.cid, site_id=w.site, kind="residential", label=f"{i}", area_m2="50",
                            billing_from=date(2020, 1, 1), active=True, created_by="t") for i in range(300)))

    def run(label):
        with wuye_app.app_context(), tenant_context(w.tenant.id):
            from wuye_core.plugins import db

            generate(w.cid, parse_label(label), "t")
            db.session.commit()
            db.session.remove()

    run("2025-12")  # caches warm
    few = statements(wuye_app, lambda: run("2026-01"))
    add(w.tenant, *(FeeUnit(community_id=w.cid, site_id=w.site, kind="residential", label=f"b{i}", area_m2="50",
                            billing_from=date(2020, 1, 1), active=True, created_by="t") for i in range(300)))
    assert statements(wuye_app, lambda: run("2026-02")) == few
    assert len(rows(w.tenant, Bill)) == 1200
