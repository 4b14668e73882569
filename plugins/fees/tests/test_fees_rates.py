"""Rates: validation naming the field, periods of one site and kind never overlap, a used rate
keeps its price, rate_for."""

from __future__ import annotations

from datetime import date

from _fees_rows import P, bill, rate, unit, world
from sqlalchemy import event

from wuye_core.plugins import db, tenant_context


def statements(app, call) -> int:
    """How many SQL statements `call()` runs."""
    seen = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = call()
        if hasattr(result, "status_code"):
            assert result.status_code == 200, result.get_json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _rate(**kw):
    return {"site_id": kw.pop("site_id"), "unit_kind": "residential", "basis": "per_m2", "price": "0.45",
            "valid_from": "2026-01-01", "name": "住宅物业服务费", **kw}


def test_create_and_refusals_name_the_field(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{w.cid}/rates"
    r = w.mgr.post(url, json=_rate(site_id=w.site, valid_until="2026-12-31"))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["price"] == "0.4500" and r.get_json()["used"] is False
    for bad, field in (({"price": "0"}, "price"), ({"price": "0.12345"}, "price"), ({"price": "500"}, "price"),
                       ({"price": "abc"}, "price"), ({"basis": "weekly"}, "basis"),
                       ({"valid_from": "2027-02-01", "valid_until": "2027-01-01"}, "valid_until"),
                       ({"site_id": 999999}, "site_id")):
        r = w.mgr.post(url, json={**_rate(site_id=w.site, valid_from="2028-01-01"), **bad})
        assert r.status_code == 422 and field in r.get_json()["errors"]["json"], (bad, r.get_json())
    # a fixed price may be larger; float JSON numbers read as written
    r = w.mgr.post(url, json=_rate(site_id=w.site, unit_kind="parking", basis="fixed", price=150.5))
    assert r.status_code == 201 and r.get_json()["price"] == "150.5000"
    assert w.cashier.post(url, json=_rate(site_id=w.site, valid_from="2029-01-01")).status_code == 403
    assert w.cashier.get(url).get_json()["total"] == 2
    assert w.clerk.get(url).status_code == 403


def test_periods_never_overlap(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{w.cid}/rates"
    first = w.mgr.post(url, json=_rate(site_id=w.site)).get_json()  # open-ended from 2026-01-01
    r = w.mgr.post(url, json=_rate(site_id=w.site, valid_from="2027-01-01", price="0.6"))
    assert r.status_code == 409 and "valid_from" in r.get_json()["errors"]["json"]
    r = w.mgr.post(url, json=_rate(site_id=w.site, valid_from="2025-01-01", valid_until="2026-01-01"))
    assert r.status_code == 409 and "valid_from" in r.get_json()["errors"]["json"]
    # earlier, ending the day before: fine; another kind: fine
    assert w.mgr.post(url, json=_rate(site_id=w.site, valid_from="2025-01-01",
                                      valid_until="2025-12-31")).status_code == 201
    assert w.mgr.post(url, json=_rate(site_id=w.site, unit_kind="shop", price="3")).status_code == 201
    # end the first, then the next may start
    r = w.mgr.patch(f"{P}/rates/{first['id']}", json={"valid_until": "2026-12-31"})
    assert r.status_code == 200, r.get_json()
    assert w.mgr.post(url, json=_rate(site_id=w.site, valid_from="2027-01-01", price="0.6")).status_code == 201
    r = w.mgr.patch(f"{P}/rates/{first['id']}", json={"valid_until": None})
    assert r.status_code == 409 and "valid_from" in r.get_json()["errors"]["json"]


def test_a_used_rate_keeps_its_price(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    rate_id = rate(w.tenant, w.cid, w.site, "0.45")
    fee_unit = unit(w.tenant, w.cid, w.site)
    assert w.mgr.patch(f"{P}/rates/{rate_id}", json={"price": "0.5"}).status_code == 200  # unused: fine
    bill(w.tenant, w.cid, w.site, fee_unit, period="2026-11", rate_id=rate_id)
    r = w.mgr.patch(f"{P}/rates/{rate_id}", json={"price": "0.6"})
    assert r.status_code == 409 and "price" in r.get_json()["errors"]["json"]
    assert w.mgr.get(f"{P}/rates/{rate_id}").get_json()["used"] is True
    r = w.mgr.patch(f"{P}/rates/{rate_id}", json={"valid_until": "2026-10-31"})
    assert r.status_code == 422 and "valid_until" in r.get_json()["errors"]["json"]
    r = w.mgr.patch(f"{P}/rates/{rate_id}", json={"valid_until": "2026-11-30", "name": "新名称"})
    assert r.status_code == 200 and r.get_json()["name"] == "新名称"


def test_rate_for(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_fees.rates import rate_for

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    old = rate(w.tenant, w.cid, w.site, "0.45", valid_until=date(2026, 6, 30))
    new = rate(w.tenant, w.cid, w.site, "0.5", valid_from=date(2026, 7, 1))
    with wuye_app.app_context(), tenant_context(w.tenant.id):
        assert rate_for(w.site, "residential", date(2026, 6, 30)).id == old
        assert rate_for(w.site, "residential", date(2026, 7, 1)).id == new
        assert rate_for(w.site, "shop", date(2026, 7, 1)) is None
        assert rate_for(w.site, "residential", date(2019, 1, 1)) is None
        db.session.remove()


def test_another_tenants_rate_is_a_404(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    theirs = rate(other.tenant, other.cid, other.site)
    assert w.mgr.get(f"{P}/rates/{theirs}").status_code == 404
    assert w.mgr.patch(f"{P}/rates/{theirs}", json={"price": "1"}).status_code == 404
