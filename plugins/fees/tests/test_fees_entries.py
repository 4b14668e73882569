"""Other income and spending (entries.py, routes_ledger.py): recording with its checks, a
correction audited by field names, refused once a published statement counted the entry, a
cancellation kept and not counted, lists with their filters and totals, who may do what."""

from __future__ import annotations

from datetime import date, timedelta

from _fees_rows import P, world


def _entry(w, **changes) -> dict:
    body = {"direction": "income", "category": "subsidy", "amount_fen": 1_200_000, "occurred_on": "2025-02-10",
            "site_id": w.site, "description": "2025 年第一季度还建小区物业补贴", "counterparty": "区财政局",
            "voucher_no": "记-2025-031", **changes}
    return body


def _made(w, **changes) -> dict:
    r = w.mgr.post(f"{P}/communities/{w.cid}/entries", json=_entry(w, **changes))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_record_list_and_totals(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    subsidy = _made(w)
    assert subsidy["category"] == "subsidy" and subsidy["site_id"] == w.site and subsidy["published"] is False
    assert subsidy["recorded_by"] == "mgr" and subsidy["cancelled"] is False
    _made(w, category="shop_rent", amount_fen=350_000, occurred_on="2025-03-01", counterparty="便民超市")
    _made(w, direction="spending", category="cleaning", amount_fen=480_050, occurred_on="2025-03-31", site_id=None,
          description="保洁外包三月")
    _made(w, direction="spending", category="staff", amount_fen=900_000, occurred_on="2025-04-01")
    url = f"{P}/communities/{w.cid}/entries"
    q1 = {"from": "2025-01-01", "to": "2025-03-31"}
    page = w.mgr.get(url, query_string=q1).get_json()
    assert page["total"] == 3 and set(page) == {"items", "total", "page", "per_page"}
    totals = w.mgr.get(f"{url}/totals", query_string=q1).get_json()
    assert totals["income_fen"] == 1_550_000 and totals["spending_fen"] == 480_050
    assert totals["net_fen"] == 1_550_000 - 480_050
    assert {(c["category"], c["amount_fen"]) for c in totals["by_category"]} == {
        ("subsidy", 1_200_000), ("shop_rent", 350_000), ("cleaning", 480_050)}
    # filters: the community as a whole (site 0), a site, a direction, a category
    assert [e["description"] for e in w.mgr.get(url, query_string={**q1, "site_id": 0}).get_json()["items"]] == [
        "保洁外包三月"]
    assert w.mgr.get(url, query_string={**q1, "site_id": w.site}).get_json()["total"] == 2
    assert w.mgr.get(f"{url}/totals", query_string={**q1, "direction": "spending"}).get_json()["spending_fen"] == 480_050
    assert w.clerk.get(f"{url}/totals", query_string=q1).status_code == 403
    assert w.mgr.get(url, query_string={"from": "2025-01-01", "to": "2025-12-31", "category": "staff"}
                     ).get_json()["total"] == 1
    ordered = w.mgr.get(url, query_string={**q1, "sort": "-amount_fen"}).get_json()["items"]
    assert [e["amount_fen"] for e in ordered] == [1_200_000, 480_050, 350_000]
    # the cashier reads; the clerk does not; neither records
    assert w.cashier.get(url, query_string=q1).status_code == 200
    assert w.clerk.get(url, query_string=q1).status_code == 403
    assert w.cashier.post(url, json=_entry(w)).status_code == 403
    assert w.cashier.get(f"{P}/entries/{subsidy['id']}").get_json()["amount_fen"] == 1_200_000


def test_bad_input_names_the_field(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{w.cid}/entries"

    def refused(field, **changes):
        r = w.mgr.post(url, json=_entry(w, **changes))
        assert r.status_code == 422, r.get_json()
        assert field in r.get_json()["errors"]["json"], r.get_json()

    refused("category", category="cleaning")  # a spending category for income
    refused("category", direction="spending", category="subsidy")
    refused("category", category="nonsense")
    refused("amount_fen", amount_fen=0)
    refused("amount_fen", amount_fen=-5)
    refused("amount_fen", amount_fen=12.5)
    refused("occurred_on", occurred_on=(w.today + timedelta(days=1)).isoformat())
    refused("direction", direction="transfer")
    refused("description", description="")
    other = w.tenant.admin.post("/api/v1/communities", json={"name": "别的社区", "code": "c2"}).get_json()["id"]
    far = w.tenant.admin.post("/api/v1/sites", json={"community_id": other, "name": "远处小区", "kind": "old"}).get_json()
    refused("site_id", site_id=far["id"])
    assert w.mgr.get(url, query_string={"from": "2025-02-01", "to": "2025-01-01"}).status_code == 422
    assert w.mgr.get(url, query_string={"sort": "description"}).status_code == 422


def test_correct_audited_cancel_kept(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    made = _made(w)
    url = f"{P}/entries/{made['id']}"
    r = w.mgr.patch(url, json={"amount_fen": 1_100_000, "voucher_no": "记-2025-032", "description": made["description"],
                               "reason": "按拨款通知更正"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["amount_fen"] == 1_100_000 and r.get_json()["voucher_no"] == "记-2025-032"
    audit = w.tenant.admin.get("/api/v1/audit", query_string={"action": "fees.amended"}).get_json()["items"]
    assert [a["details"]["fields"] for a in audit if str(a["target_id"]) == str(made["id"])] == [["amount_fen", "voucher_no"]]
    assert "1100000" not in str(audit)  # the fields' names, not their values
    # nothing changed, a category of the other direction, a cashier: refused
    assert w.mgr.patch(url, json={"amount_fen": 1_100_000}).status_code == 409
    assert "category" in w.mgr.patch(url, json={"direction": "spending"}).get_json()["errors"]["json"]
    assert w.mgr.patch(url, json={"direction": "spending", "category": "repairs"}).status_code == 200
    assert w.cashier.patch(url, json={"amount_fen": 5}).status_code == 403
    # cancelled: kept, with its reason, not counted, not correctable, not twice
    assert w.mgr.post(f"{url}/cancel", json={"reason": ""}).status_code == 422
    r = w.mgr.post(f"{url}/cancel", json={"reason": "重复录入"})
    assert r.status_code == 200 and r.get_json()["cancelled"] and r.get_json()["cancel_reason"] == "重复录入"
    assert w.mgr.post(f"{url}/cancel", json={"reason": "again"}).status_code == 409
    assert w.mgr.patch(url, json={"amount_fen": 7}).status_code == 409
    q1 = {"from": "2025-01-01", "to": "2025-03-31"}
    listed = w.mgr.get(f"{P}/communities/{w.cid}/entries", query_string=q1)
    assert listed.get_json()["total"] == 0
    assert w.mgr.get(f"{P}/communities/{w.cid}/entries/totals", query_string=q1).get_json()["spending_fen"] == 0
    cancelled = w.mgr.get(f"{P}/communities/{w.cid}/entries",
                          query_string={"from": "2025-01-01", "to": "2025-03-31", "cancelled": "true"}).get_json()
    assert [e["id"] for e in cancelled["items"]] == [made["id"]]
    assert w.mgr.get(f"{P}/communities/{w.cid}/entries/totals",
                     query_string={**q1, "cancelled": "true"}).get_json()["entries"] == 0


def test_a_published_quarter_is_not_rewritten(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Once the site's (or the community's) statement of the quarter is published, its entries are
    cancelled and recorded anew, never edited; another quarter's stay correctable."""
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    year = w.today.year - 1
    counted = _made(w, occurred_on=f"{year}-02-10")
    community_wide = _made(w, occurred_on=f"{year}-03-10", site_id=None, direction="spending", category="office")
    later = _made(w, occurred_on=f"{year}-05-10")
    statement = w.mgr.post(f"{P}/communities/{w.cid}/statements", json={"year": year, "quarter": 1,
                                                                          "site_id": w.site}).get_json()
    assert w.mgr.patch(f"{P}/entries/{counted['id']}", json={"amount_fen": 5}).status_code == 200  # a draft only
    statement = w.mgr.post(f"{P}/communities/{w.cid}/statements", json={"year": year, "quarter": 1,
                                                                          "site_id": w.site}).get_json()
    assert w.mgr.post(f"{P}/statements/{statement['id']}/publish", json={}).status_code == 200
    r = w.mgr.patch(f"{P}/entries/{counted['id']}", json={"amount_fen": 6})
    assert r.status_code == 409 and "entry_id" in r.get_json()["errors"]["json"]
    assert w.mgr.get(f"{P}/entries/{counted['id']}").get_json()["published"] is True
    # the site's statement does not count the community's own entries; another quarter is open
    assert w.mgr.patch(f"{P}/entries/{community_wide['id']}", json={"amount_fen": 6}).status_code == 200
    assert w.mgr.patch(f"{P}/entries/{later['id']}", json={"amount_fen": 6}).status_code == 200
    assert w.mgr.post(f"{P}/entries/{counted['id']}/cancel", json={"reason": "金额有误"}).status_code == 200
    assert date.fromisoformat(_made(w, occurred_on=f"{year}-02-10", amount_fen=7)["occurred_on"]).year == year
