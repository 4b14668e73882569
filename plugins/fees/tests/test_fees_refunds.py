"""Refunds and reversals: negative journal rows and allocations (credit first, then the latest
bills, which reopen), at most what is left, the manager only, audited."""

from __future__ import annotations

from _fees_rows import P, bill, rows, unit, world
from wuye_fees.models import Allocation, Bill, Payment


def _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    w.unit = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"])
    w.b1 = bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3000, period="2026-09")
    w.b2 = bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3000, period="2026-10")
    r = w.cashier.post(f"{P}/communities/{w.cid}/payments",
                       json={"fee_unit_id": w.unit, "amount_fen": 7000, "method": "cash", "payer_name": "张三"})
    w.pid = r.get_json()["id"]
    return w


def _bills(w):
    return {b["id"]: (b["paid_fen"], b["status"]) for b in rows(w.tenant, Bill)}


def _consistent(w):
    allocations = rows(w.tenant, Allocation)
    for b in rows(w.tenant, Bill):
        assert b["paid_fen"] == sum(a["amount_fen"] for a in allocations if a["bill_id"] == b["id"])


def test_refund_takes_credit_first_then_the_latest_bill(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    assert _bills(w) == {w.b1: (3000, "paid"), w.b2: (3000, "paid")}
    r = w.mgr.post(f"{P}/payments/{w.pid}/refund", json={"amount_fen": 2500, "reason": "多收，退还现金"})
    assert r.status_code == 201, r.get_json()
    row = r.get_json()
    assert row["kind"] == "refund" and row["amount_fen"] == -2500 and row["reverses_id"] == w.pid
    assert row["receipt_no"] is None and [(a["bill_id"], a["amount_fen"]) for a in row["allocations"]] == [(w.b2, -1500)]
    assert _bills(w) == {w.b1: (3000, "paid"), w.b2: (1500, "open")}
    original = w.mgr.get(f"{P}/payments/{w.pid}").get_json()
    assert original["refunded_fen"] == 2500 and original["remaining_fen"] == 4500
    # at most what is left
    r = w.mgr.post(f"{P}/payments/{w.pid}/refund", json={"amount_fen": 4501, "reason": "x"})
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["amount_fen"]
    r = w.mgr.post(f"{P}/payments/{w.pid}/refund", json={"amount_fen": 100, "reason": ""})
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["reason"]
    # a reversal takes all that is left; then nothing is
    r = w.mgr.post(f"{P}/payments/{w.pid}/reverse", json={"reason": "录错单元"})
    assert r.status_code == 201 and r.get_json()["amount_fen"] == -4500
    assert _bills(w) == {w.b1: (0, "open"), w.b2: (0, "open")}
    assert w.mgr.post(f"{P}/payments/{w.pid}/reverse", json={"reason": "again"}).status_code == 409
    # a refund row is not refunded itself
    assert w.mgr.post(f"{P}/payments/{r.get_json()['id']}/reverse", json={"reason": "x"}).status_code == 409
    _consistent(w)
    assert w.mgr.get(f"{P}/units/{w.unit}/account").get_json()["credit_fen"] == 0
    audit = w.tenant.admin.get("/api/v1/audit").get_json()
    actions = [a["action"] for a in (audit["items"] if isinstance(audit, dict) else audit)]
    assert actions.count("fees.amended") == 2


def test_the_receipt_of_a_reversed_payment_says_so(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    w.mgr.post(f"{P}/payments/{w.pid}/reverse", json={"reason": "录错"})
    from wuye_fees.receipts import receipt_data

    from wuye_core.plugins import db, tenant_context
    with w.tenant.app.test_request_context(headers={"Accept-Language": "en"}), tenant_context(w.tenant.id):
        data = receipt_data(db.session.get(Payment, w.pid))
        assert data["reversed"] and data["status"] == ["Reversed: 70.00 yuan"]
        db.session.remove()
