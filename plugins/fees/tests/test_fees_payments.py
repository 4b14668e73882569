"""Payments taken by staff: allocation oldest due first or to chosen bills, credit, receipt numbers,
checks naming the field, roles, tenants, the journal append-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _fees_rows import P, bill, rows, unit, world
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from wuye_fees.models import Allocation, Bill, Payment
from wuye_fees.payment_codes import payment_code, unit_of

from wuye_core.plugins import local_now


def _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin, config=None):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, config)
    w.unit = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"])
    w.b1 = bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3931, period="2026-09", household_id=w.ids["household"])
    w.b2 = bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3931, period="2026-10", household_id=w.ids["household"])
    return w


def _pay(client, w, **kw):
    body = {"fee_unit_id": w.unit, "amount_fen": 5000, "method": "cash", **kw}
    return client.post(f"{P}/communities/{w.cid}/payments", json=body)


def test_payment_codes():
    assert payment_code(1234) == "0001234-" + payment_code(1234)[-1]
    for unit_id in (1, 7, 1234, 9999999, 123456789):
        code = payment_code(unit_id)
        assert unit_of(code) == unit_id and unit_of(code.replace("-", "")) == unit_id
        wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
        assert unit_of(wrong) is None
    assert unit_of("12a4-5") is None and unit_of("") is None and unit_of(None) is None
    code = payment_code(1234)  # two neighbouring digits swapped: refused
    swapped = code[:4] + code[5] + code[4] + code[6:]
    assert unit_of(swapped) is None


def test_oldest_first_rest_is_credit_and_receipt_numbers(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin, {"receipt_prefix": "HX"})
    r = _pay(w.cashier, w, payer_name="张三")
    assert r.status_code == 201, r.get_json()
    p = r.get_json()
    year = w.today.year
    assert p["receipt_no"] == f"HX{year}-000001" and p["amount_fen"] == 5000 and p["recorded_by"] == "cashier"
    assert [(a["bill_id"], a["amount_fen"]) for a in p["allocations"]] == [(w.b1, 3931), (w.b2, 1069)]
    bills = {b["id"]: b for b in rows(w.tenant, Bill)}
    assert bills[w.b1]["status"] == "paid" and bills[w.b1]["paid_fen"] == 3931 and bills[w.b1]["settled_on"]
    assert bills[w.b2]["status"] == "open" and bills[w.b2]["paid_fen"] == 1069
    # more than owed: the rest is credit, shown on the account
    r = _pay(w.mgr, w, amount_fen=4000, method="wechat")
    assert r.status_code == 201 and r.get_json()["receipt_no"] == f"HX{year}-000002"
    account = w.cashier.get(f"{P}/units/{w.unit}/account").get_json()
    assert account["owed_fen"] == 0 and account["credit_fen"] == 1138 and account["balance_fen"] == -1138
    assert account["payment_code"] == payment_code(w.unit)
    # a new bill: the credit set against it by the button
    b3 = bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3931, period="2026-11")
    r = w.cashier.post(f"{P}/units/{w.unit}/apply-credit")
    assert r.status_code == 200 and r.get_json() == {"applied_fen": 1138, "credit_fen": 0, "owed_fen": 3931 - 1138}
    assert w.cashier.post(f"{P}/units/{w.unit}/apply-credit").get_json()["applied_fen"] == 0
    # paid_fen is the allocations' sum, for every bill
    allocations = rows(w.tenant, Allocation)
    for b in rows(w.tenant, Bill):
        assert b["paid_fen"] == sum(a["amount_fen"] for a in allocations if a["bill_id"] == b["id"])
    assert {b["id"]: b["paid_fen"] for b in rows(w.tenant, Bill)}[b3] == 1138


def test_chosen_bills(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = _pay(w.cashier, w, amount_fen=3931, bill_ids=[w.b2])
    assert r.status_code == 201 and [a["bill_id"] for a in r.get_json()["allocations"]] == [w.b2]
    other = unit(w.tenant, w.cid, w.site, label="商铺 A-1", kind="shop")
    foreign = bill(w.tenant, w.cid, w.site, other, amount_fen=100)
    r = _pay(w.cashier, w, bill_ids=[foreign])
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["bill_ids"]


@pytest.mark.parametrize("body, field", [
    ({"amount_fen": 0}, "amount_fen"), ({"amount_fen": -5}, "amount_fen"), ({"amount_fen": "12"}, "amount_fen"),
    ({"method": "provider"}, "method"), ({"method": "cheque"}, "method"), ({"fee_unit_id": 999999}, "fee_unit_id"),
])
def test_refusals_name_the_field(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, body, field):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = _pay(w.cashier, w, **body)
    assert r.status_code == 422 and field in r.get_json()["errors"]["json"], r.get_json()
    assert rows(w.tenant, Payment) == []


def test_paid_at_not_in_the_future(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = _pay(w.cashier, w, paid_at=(local_now() + timedelta(days=1)).isoformat())
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["paid_at"]
    r = _pay(w.cashier, w, paid_at=(local_now() - timedelta(days=2)).isoformat())
    assert r.status_code == 201


def test_roles_and_tenants(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    assert _pay(w.clerk, w).status_code == 403
    assert w.clerk.get(f"{P}/communities/{w.cid}/payments").status_code == 403
    assert w.clerk.get(f"{P}/communities/{w.cid}/arrears").status_code == 403
    pid = _pay(w.cashier, w).get_json()["id"]
    assert w.cashier.post(f"{P}/payments/{pid}/refund", json={"amount_fen": 1, "reason": "x"}).status_code == 403
    assert w.cashier.post(f"{P}/payments/{pid}/reverse", json={"reason": "x"}).status_code == 403
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    for path in (f"/payments/{pid}", f"/payments/{pid}/receipt.pdf", f"/units/{w.unit}/account",
                 f"/communities/{w.cid}/payments"):
        assert other.tenant.admin.get(P + path).status_code == 404, path
    assert other.tenant.admin.post(f"{P}/payments/{pid}/reverse", json={"reason": "x"}).status_code == 404


def test_journal_list_filters_and_daily(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _pay(w.cashier, w, amount_fen=1000)
    _pay(w.mgr, w, amount_fen=2000, method="wechat")
    page = w.cashier.get(f"{P}/communities/{w.cid}/payments").get_json()
    assert page["total"] == 2 and [p["amount_fen"] for p in page["items"]] == [2000, 1000]
    assert w.cashier.get(f"{P}/communities/{w.cid}/payments?method=wechat").get_json()["total"] == 1
    assert w.cashier.get(f"{P}/communities/{w.cid}/payments?by=cashier").get_json()["total"] == 1
    day = w.today.isoformat()
    assert w.cashier.get(f"{P}/communities/{w.cid}/payments?from={day}&to={day}").get_json()["total"] == 2
    report = w.cashier.get(f"{P}/communities/{w.cid}/payments/daily?from={day}&to={day}").get_json()
    assert report["total_fen"] == 3000 and report["methods"] == {"cash": 1000, "wechat": 2000}
    assert report["days"][0]["by_cashier"] == {"cashier": 1000, "mgr": 2000}
    assert {c["username"]: c["total_fen"] for c in report["cashiers"]} == {"cashier": 1000, "mgr": 2000}


def test_the_journal_is_append_only(wuye_app, wuye_backend, wuye_owner_engine, wuye_make_tenant, wuye_register,
                                    wuye_enable_plugin):
    """No UPDATE or DELETE of payments or allocations: the database refuses them, even to the owner."""
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    assert _pay(w.cashier, w).status_code == 201
    for table in ("fees_payments", "fees_allocations"):
        with pytest.raises(DBAPIError), wuye_owner_engine.begin() as conn:
            if wuye_backend.is_postgresql:
                conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(w.tenant.id)})
            conn.execute(text(f"update {table} set amount_fen = 1"))
        with pytest.raises(DBAPIError), wuye_owner_engine.begin() as conn:
            if wuye_backend.is_postgresql:
                conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(w.tenant.id)})
            conn.execute(text(f"delete from {table}"))
    assert len(rows(w.tenant, Payment)) == 1


def test_no_update_of_the_journal_in_the_code():
    """The services never UPDATE the journal (the ORM would, were a loaded row changed)."""
    import pathlib
    import re

    import wuye_fees

    root = pathlib.Path(wuye_fees.__file__).parent
    for name in ("payments.py", "refunds.py", "provider_payments.py", "receipts.py", "arrears.py",
                 "routes_payments.py", "console_payments.py"):
        source = (root / name).read_text()
        assert not re.search(r"update\((Payment|Allocation)\b", source), name
        assert not re.search(r"(payment|row|root)\.(amount_fen|fee_unit_id|kind|paid_at)\s*[-+]?=(?!=)", source), name
