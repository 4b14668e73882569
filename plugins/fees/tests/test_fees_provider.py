"""Payments reported by a payment-provider plugin (`<provider>.payment_reported`): once per
transaction, allocated oldest first; an unknown code recorded unmatched and matched by staff."""

from __future__ import annotations

from datetime import timedelta

import wuye_fees.plugin as fees_plugin
from _fees_rows import P, bill, rows, unit, world
from wuye_fees.models import Bill, Payment
from wuye_fees.payment_codes import payment_code

from wuye_core.plugins import Event, db, local_now, tenant_context


def _deliver(w, data, name="wxpay.payment_reported", community_id=None):
    """The event as the core delivers it to fees' hook (twice: it may arrive twice)."""
    event = Event(name=name, tenant_id=w.tenant.id, community_id=community_id or w.cid, object_id=None, data=data)
    with w.tenant.app.app_context(), tenant_context(w.tenant.id):
        fees_plugin.wuye_plugin_event(event=event)
        db.session.commit()
        db.session.remove()


def _data(w, **kw):
    return {"txn_id": "4200001", "payment_code": payment_code(w.unit), "amount_fen": 5000,
            "paid_at": (local_now() - timedelta(minutes=3)).isoformat(), "payer_name": "张三", "method": "wechat", **kw}


def _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin, config=None):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, config)
    w.unit = unit(w.tenant, w.cid, w.site)
    w.b1 = bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3000, period="2026-09")
    w.b2 = bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3000, period="2026-10")
    return w


def test_recorded_once_oldest_first(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _deliver(w, _data(w))
    _deliver(w, _data(w))  # delivered again: ignored
    _deliver(w, _data(w, amount_fen=1))  # the provider notifying again (same txn): ignored
    [p] = rows(w.tenant, Payment)
    assert (p["provider"], p["provider_txn_id"], p["method"], p["recorded_by"], p["fee_unit_id"]) == (
        "wxpay", "4200001", "wechat", "wxpay", w.unit)
    assert p["receipt_no"].startswith("SF") and p["amount_fen"] == 5000
    assert {b["id"]: b["paid_fen"] for b in rows(w.tenant, Bill)} == {w.b1: 3000, w.b2: 2000}
    # another provider's same txn id is another payment
    _deliver(w, _data(w, amount_fen=1000), name="alipay.payment_reported")
    assert len(rows(w.tenant, Payment)) == 2


def test_ignored_when_off_or_not_ours(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin, {"provider_payments": False})
    _deliver(w, _data(w))
    _deliver(w, _data(w), name="wxpay.something_else")
    assert rows(w.tenant, Payment) == []


def test_unknown_code_is_unmatched_then_matched(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    wrong = payment_code(w.unit)[:-1] + str((int(payment_code(w.unit)[-1]) + 1) % 10)
    _deliver(w, _data(w, txn_id="T1", payment_code=wrong, amount_fen=4000))
    _deliver(w, _data(w, txn_id="T2", payment_code=payment_code(w.unit + 1000)))
    unmatched = w.cashier.get(f"{P}/communities/{w.cid}/payments?unmatched=true").get_json()
    assert unmatched["total"] == 2 and all(p["fee_unit_id"] is None and not p["matched"] for p in unmatched["items"])
    pid = next(p["id"] for p in unmatched["items"] if p["provider_txn_id"] == "T1")
    r = w.cashier.post(f"{P}/payments/{pid}/match", json={"fee_unit_id": w.unit})
    assert r.status_code == 200, r.get_json()
    # the journal is not changed: the unmatched row is reversed, the money recorded again for the unit
    moved = r.get_json()
    assert (moved["fee_unit_id"], moved["matched_from_id"], moved["amount_fen"], moved["reference"]) == (
        w.unit, pid, 4000, "T1")
    assert moved["receipt_no"] and moved["site_id"] is not None
    assert [(a["bill_id"], a["amount_fen"], a["by"]) for a in moved["allocations"]] == [
        (w.b1, 3000, "cashier"), (w.b2, 1000, "cashier")]
    original = w.cashier.get(f"{P}/payments/{pid}").get_json()
    assert original["matched"] and original["remaining_fen"] == 0 and original["allocations"] == []
    assert w.cashier.post(f"{P}/payments/{pid}/match", json={"fee_unit_id": w.unit}).status_code == 409
    assert w.cashier.get(f"{P}/communities/{w.cid}/payments?unmatched=true").get_json()["total"] == 1
    # the other one, more than owed: the rest is the unit's credit
    other = next(p["id"] for p in unmatched["items"] if p["provider_txn_id"] == "T2")
    r = w.cashier.post(f"{P}/payments/{other}/match", json={"fee_unit_id": w.unit})
    assert r.status_code == 200
    other_moved = r.get_json()["id"]
    account = w.cashier.get(f"{P}/units/{w.unit}/account").get_json()
    assert account["owed_fen"] == 0 and account["credit_fen"] == 4000 + 5000 - 6000
    assert w.cashier.get(f"{P}/communities/{w.cid}/payments?unmatched=true").get_json()["total"] == 0
    # the site's fee income counts both now (the unmatched rows and their reversals: the community's)
    today = local_now().date().isoformat()
    gap = w.mgr.get(f"{P}/communities/{w.cid}/gap", query_string={"from": today, "to": today, "site_id": w.site})
    assert gap.status_code == 200 and gap.get_json()["figures"]["fee_income_fen"] == 9000, gap.get_json()
    whole = w.mgr.get(f"{P}/communities/{w.cid}/gap", query_string={"from": today, "to": today}).get_json()
    assert whole["figures"]["fee_income_fen"] == 9000 and whole["sites"][0]["fee_income_fen"] == 9000
    # the matched one is the unit's payment: reversing it takes its credit first, then its bills
    assert w.mgr.post(f"{P}/payments/{other}/reverse", json={"reason": "重复缴费"}).status_code == 409  # nothing left
    r = w.mgr.post(f"{P}/payments/{other_moved}/reverse", json={"reason": "重复缴费"})
    assert r.status_code == 201 and r.get_json()["amount_fen"] == -5000
    account = w.cashier.get(f"{P}/units/{w.unit}/account").get_json()
    assert account["credit_fen"] == 0 and account["owed_fen"] == 2000


def test_contract_breaches_raise(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    import pytest
    from wuye_fees.provider_payments import ContractError

    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    for bad in ({"txn_id": ""}, {"amount_fen": "50"}, {"amount_fen": 0}, {"paid_at": "yesterday"}):
        with pytest.raises(ContractError):
            _deliver(w, _data(w, **bad))
