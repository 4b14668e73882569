"""Fee units: homes from the register (label, area), shops and parking with their own payer,
unique labels per site and kind, the register's sync (set-based), access and tenants."""

from __future__ import annotations

from _fees_rows import P, rows, world
from sqlalchemy import text
from wuye_fees.models import FeeUnit

from wuye_core.plugins import db, tenant_context


def _area(w, unit_id, area=87.35):
    r = w.tenant.admin.patch(f"/api/v1/units/{unit_id}", json={"area_m2": area})
    assert r.status_code == 200, r.get_json()


def test_a_home_takes_label_and_area_from_the_register(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _area(w, w.ids["unit"])
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json={"kind": "residential", "site_id": w.site,
                                                           "unit_id": w.ids["unit"]})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["label"] == "1栋1单元101" and body["area_m2"] == "87.35" and body["unit_id"] == w.ids["unit"]
    assert body["billing_from"] == w.today.replace(day=1).isoformat()
    # a second fee unit for the same register unit: 409 naming unit_id
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json={"kind": "residential", "site_id": w.site,
                                                           "unit_id": w.ids["unit"], "label": "x"})
    assert r.status_code == 409 and "unit_id" in r.get_json()["errors"]["json"]
    # a home needs a register unit
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json={"kind": "residential", "site_id": w.site, "label": "x"})
    assert r.status_code == 422 and "unit_id" in r.get_json()["errors"]["json"]


def test_shop_with_payer_and_unique_label(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    shop = {"kind": "shop", "site_id": w.site, "label": "商铺 A-12", "area_m2": "35.5", "payer_name": "李老板",
            "payer_phone": "13912345678"}
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json=shop)
    assert r.status_code == 201, r.get_json()
    shop_id = r.get_json()["id"]
    assert r.get_json()["payer_phone"] == "13912345678"
    # the phone is stored encrypted
    with wuye_app.app_context(), tenant_context(w.tenant.id):
        raw = db.session.execute(text("SELECT payer_phone FROM fees_units")).scalar()
        db.session.remove()
    assert raw and "13912345678" not in str(raw)
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json={**shop, "payer_phone": None})
    assert r.status_code == 409 and "label" in r.get_json()["errors"]["json"]
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json={**shop, "label": "B", "payer_phone": "12345"})
    assert r.status_code == 422 and "payer_phone" in r.get_json()["errors"]["json"]
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json={**shop, "label": "B", "area_m2": "-1"})
    assert r.status_code == 422 and "area_m2" in r.get_json()["errors"]["json"]
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json={**shop, "label": "B", "billing_from": "2026-01-01",
                                                           "billing_until": "2025-01-01"})
    assert r.status_code == 422 and "billing_until" in r.get_json()["errors"]["json"]
    # the same label as a parking space is another kind: fine
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json={**shop, "kind": "parking"})
    assert r.status_code == 201
    # change and deactivate
    r = w.mgr.patch(f"{P}/units/{shop_id}", json={"area_m2": "40", "active": False})
    assert r.status_code == 200 and r.get_json()["area_m2"] == "40.00" and r.get_json()["active"] is False
    other = w.mgr.post(f"{P}/communities/{w.cid}/units", json={**shop, "label": "商铺 A-13"}).get_json()["id"]
    r = w.mgr.patch(f"{P}/units/{other}", json={"label": "商铺 A-12"})
    assert r.status_code == 409 and "label" in r.get_json()["errors"]["json"]
    # the cashier reads with the payer; a clerk without a fee role is refused
    assert w.cashier.get(f"{P}/units/{shop_id}").get_json()["payer_name"] == "李老板"
    assert w.clerk.get(f"{P}/units/{shop_id}").status_code == 403
    assert w.cashier.post(f"{P}/communities/{w.cid}/units", json={**shop, "label": "C"}).status_code == 403


def test_sync_from_register(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    api = w.tenant.admin
    for number in ("102", "201"):
        r = api.post("/api/v1/units", json={"building_id": w.ids["building"], "number": number, "entrance": "2",
                                            "area_m2": 60.5})
        assert r.status_code == 201, r.get_json()
    r = api.post("/api/v1/units", json={"building_id": w.ids["building"], "number": "301"})
    assert r.status_code == 201
    # one exists already
    w.mgr.post(f"{P}/communities/{w.cid}/units", json={"kind": "residential", "site_id": w.site,
                                                      "unit_id": w.ids["unit"]})
    r = w.mgr.post(f"{P}/communities/{w.cid}/units/sync", json={})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"made": 3, "without_area": 1, "label_taken": 0}
    labels = sorted(u["label"] for u in rows(w.tenant, FeeUnit))
    assert labels == ["1栋1单元101", "1栋2单元102", "1栋2单元201", "1栋301"]
    # twice: nothing more
    assert w.mgr.post(f"{P}/communities/{w.cid}/units/sync", json={}).get_json()["made"] == 0
    assert w.cashier.post(f"{P}/communities/{w.cid}/units/sync", json={}).status_code == 403
    r = w.mgr.post(f"{P}/communities/{w.cid}/units/sync", json={"site_id": 999999})
    assert r.status_code == 422 and "site_id" in r.get_json()["errors"]["json"]
    page = w.mgr.get(f"{P}/communities/{w.cid}/units?no_area=true").get_json()
    assert sorted(u["label"] for u in page["items"]) == ["1栋1单元101", "1栋301"]  # 101 has no area either


def test_another_tenants_unit_is_a_404(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    r = other.mgr.post(f"{P}/communities/{other.cid}/units", json={"kind": "shop", "site_id": other.site,
                                                                   "label": "x"})
    theirs = r.get_json()["id"]
    assert w.mgr.get(f"{P}/units/{theirs}").status_code == 404
    assert w.mgr.patch(f"{P}/units/{theirs}", json={"label": "y"}).status_code == 404
    r = w.mgr.post(f"{P}/communities/{w.cid}/units", json={"kind": "residential", "site_id": w.site,
                                                           "unit_id": other.ids["unit"]})
    assert r.status_code == 422 and "unit_id" in r.get_json()["errors"]["json"]
