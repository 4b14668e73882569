"""Discounts and waivers: who asks, who approves (not the requester; a tenant admin may approve
their own), amounts within what is owed, the bill's totals and status, revoking."""

from __future__ import annotations

from _fees_rows import P, bill, rows, unit, world
from wuye_fees.models import Bill


def _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    w.mgr2 = w.tenant.user("mgr2", "fees_manager", [w.cid])
    home = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    w.bill = bill(w.tenant, w.cid, w.site, home, amount_fen=3931, household_id=w.ids["household"])
    return w


def _ask(w, api=None, **kw):
    body = {"kind": "discount", "amount_fen": 1000, "reason": "subsistence", "explanation": "低保证 123", **kw}
    return (api or w.cashier).post(f"{P}/bills/{w.bill}/discounts", json=body)


def _bill(w):
    return rows(w.tenant, Bill, Bill.id == w.bill)[0]


def test_request_approve_revoke(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = _ask(w)
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    assert d["status"] == "requested" and d["amount_fen"] == 1000 and d["amount_yuan"] == "10.00"
    assert _bill(w)["discount_fen"] == 0  # not before it is approved
    pending = w.mgr.get(f"{P}/communities/{w.cid}/discounts?status=requested").get_json()
    assert pending["total"] == 1
    # a cashier cannot approve; a manager can
    assert w.cashier.post(f"{P}/discounts/{d['id']}/approve", json={}).status_code == 403
    r = w.mgr.post(f"{P}/discounts/{d['id']}/approve", json={"note": "核实"})
    assert r.status_code == 200 and r.get_json()["status"] == "approved" and r.get_json()["decided_by"] == "mgr"
    b = _bill(w)
    assert b["discount_fen"] == 1000 and b["status"] == "open"
    assert w.mgr.post(f"{P}/discounts/{d['id']}/approve", json={}).status_code == 409
    detail = w.cashier.get(f"{P}/bills/{w.bill}").get_json()
    assert detail["owed_fen"] == 2931 and detail["discounts"][0]["id"] == d["id"]
    # revoke: the bill owes it again; audited
    r = w.mgr.post(f"{P}/discounts/{d['id']}/revoke", json={"reason": ""})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"]
    r = w.mgr.post(f"{P}/discounts/{d['id']}/revoke", json={"reason": "证明过期"})
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    assert _bill(w)["discount_fen"] == 0
    assert w.mgr.post(f"{P}/discounts/{d['id']}/revoke", json={"reason": "x"}).status_code == 409


def test_a_waiver_settles_the_bill(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    d = _ask(w, kind="waiver", amount_fen=None, reason="hardship").get_json()
    assert d["amount_fen"] == 3931
    assert w.mgr.post(f"{P}/discounts/{d['id']}/approve", json={}).status_code == 200
    b = _bill(w)
    assert b["status"] == "waived" and b["settled_on"] is not None
    assert _ask(w).status_code == 409  # nothing left to discount
    w.mgr.post(f"{P}/discounts/{d['id']}/revoke", json={"reason": "x"})
    assert _bill(w)["status"] == "open" and _bill(w)["settled_on"] is None


def test_who_decides(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    own = _ask(w, w.mgr).get_json()
    assert w.mgr.post(f"{P}/discounts/{own['id']}/approve", json={}).status_code == 403
    assert w.mgr.post(f"{P}/discounts/{own['id']}/reject", json={}).status_code == 403
    r = w.mgr2.post(f"{P}/discounts/{own['id']}/reject", json={"note": "材料不全"})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    admin_own = _ask(w, w.tenant.admin).get_json()
    assert w.tenant.admin.post(f"{P}/discounts/{admin_own['id']}/approve", json={}).status_code == 200
    assert w.clerk.post(f"{P}/bills/{w.bill}/discounts", json={
        "kind": "discount", "amount_fen": 1, "reason": "other", "explanation": "x"}).status_code == 403


def test_amounts_and_fields(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    for body, field in (({"amount_fen": 4000}, "amount_fen"), ({"amount_fen": 0}, "amount_fen"),
                        ({"reason": "nope"}, "reason"), ({"explanation": ""}, "explanation"),
                        ({"kind": "gift"}, "kind")):
        r = _ask(w, **body)
        assert r.status_code == 422 and field in r.get_json()["errors"]["json"], (body, r.get_json())
    # approving after the bill got (partly) paid, so the discount is more than is owed: 409
    d = _ask(w, amount_fen=3000).get_json()
    with w.tenant.app.app_context():
        from wuye_core.plugins import db, tenant_context

        with tenant_context(w.tenant.id):
            found = db.session.get(Bill, w.bill)
            found.paid_fen = 2000
            db.session.commit()
            db.session.remove()
    r = w.mgr.post(f"{P}/discounts/{d['id']}/approve", json={})
    assert r.status_code == 409 and "amount_fen" in r.get_json()["errors"]["json"]
    assert _bill(w)["discount_fen"] == 0


def test_another_tenants_discount_is_a_404(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    d = _ask(w).get_json()
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    assert other.mgr.post(f"{P}/discounts/{d['id']}/approve", json={}).status_code == 404
    assert other.mgr.post(f"{P}/bills/{w.bill}/discounts", json={
        "kind": "waiver", "reason": "other", "explanation": "x"}).status_code == 404
