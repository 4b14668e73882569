"""Arrears per unit with ageing (grouped SQL: the statements do not grow with the units), filters,
the community's totals, owed per household."""

from __future__ import annotations

from datetime import timedelta

from _fees_rows import P, bill, statements, unit, world
from wuye_fees.arrears import owed_by_household

from wuye_core.plugins import db, tenant_context


def _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    t = w.today
    w.u1 = unit(w.tenant, w.cid, w.site, label="1栋101")
    w.u2 = unit(w.tenant, w.cid, w.site, label="1栋102")
    bill(w.tenant, w.cid, w.site, w.u1, amount_fen=1000, period="2025-01", due_on=t - timedelta(days=400),
         household_id=w.ids["household"])
    bill(w.tenant, w.cid, w.site, w.u1, amount_fen=2000, period="2025-02", due_on=t - timedelta(days=45),
         household_id=w.ids["household"])
    bill(w.tenant, w.cid, w.site, w.u1, amount_fen=3000, period="2025-03", due_on=t + timedelta(days=5),
         household_id=w.ids["household"])
    bill(w.tenant, w.cid, w.site, w.u2, amount_fen=500, period="2025-01", due_on=t - timedelta(days=10))
    bill(w.tenant, w.cid, w.site, w.u2, amount_fen=700, period="2025-02", due_on=t - timedelta(days=10), status="paid",
         paid_fen=700)
    return w


def test_ageing_per_unit_and_totals(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    page = w.cashier.get(f"{P}/communities/{w.cid}/arrears").get_json()
    assert page["total"] == 2
    first, second = page["items"]
    assert first["fee_unit_id"] == w.u1 and first["owed_fen"] == 6000 and first["overdue_fen"] == 3000
    assert first["buckets"] == {"d0_30": 0, "d31_90": 2000, "d91_180": 0, "d181_365": 0, "d365_plus": 1000}
    assert second["owed_fen"] == 500 and second["buckets"]["d0_30"] == 500 and second["credit_fen"] == 0
    assert set(page) == {"items", "total", "page", "per_page"}  # a page as every list of the API
    ageing = w.cashier.get(f"{P}/communities/{w.cid}/arrears/ageing").get_json()
    assert ageing == {"owed_fen": 6500, "overdue_fen": 3500, "units": 2,
                      "buckets": {"d0_30": 500, "d31_90": 2000, "d91_180": 0, "d181_365": 0, "d365_plus": 1000}}
    assert w.clerk.get(f"{P}/communities/{w.cid}/arrears/ageing").status_code == 403
    assert w.cashier.get(f"{P}/communities/{w.cid}/arrears?bucket=d365_plus").get_json()["total"] == 1
    assert w.cashier.get(f"{P}/communities/{w.cid}/arrears?min_owed_fen=1000").get_json()["total"] == 1
    assert w.cashier.get(f"{P}/communities/{w.cid}/arrears?site_id={w.site}&sort=label").get_json()["items"][0][
        "label"] == "1栋101"
    r = w.cashier.get(f"{P}/communities/{w.cid}/arrears?bucket=forever")
    assert r.status_code == 422 and "bucket" in r.get_json()["errors"]["query"]
    with w.tenant.app.app_context(), tenant_context(w.tenant.id):
        assert owed_by_household([w.ids["household"]], w.today) == {
            w.ids["household"]: {"owed_fen": 6000, "overdue_fen": 3000, "bills": 3}}
        db.session.remove()


def test_statements_do_not_grow_with_the_units(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_fees.arrears import ageing_totals, arrears_page

    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    args = {"page": 1, "per_page": 50}

    def run():
        arrears_page(w.cid, w.today, args)
        ageing_totals(w.cid, w.today)

    before = statements(w.tenant.app, w.tenant.id, run)
    for i in range(20):
        u = unit(w.tenant, w.cid, w.site, label=f"2栋{i}")
        bill(w.tenant, w.cid, w.site, u, amount_fen=100 + i, due_on=w.today - timedelta(days=i * 20))
    assert statements(w.tenant.app, w.tenant.id, run) == before
