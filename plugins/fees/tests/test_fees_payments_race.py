"""Refunds at once never give back more than the payment; two cashiers paying the same bill at once
allocate only what is owed — real threads and connections on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from _fees_rows import P, bill, rows, unit, world
from wuye_fees.models import Allocation, Bill, Payment


def _together(clients, method, path, bodies):
    barrier = threading.Barrier(len(clients))
    out = [None] * len(clients)

    def send(i):
        barrier.wait(timeout=30)
        out[i] = clients[i].request(method, path, json=bodies[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


def _fresh(client, app):
    """Another client with the same token: its own test client, hence its own connection per thread."""
    return type(client)(app.test_client(), client.token, client.headers)


def test_two_cashiers_pay_the_same_bill_at_once(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                wuye_enable_plugin):
    if not wuye_backend.is_postgresql:
        pytest.skip("row locks between connections: PostgreSQL's")
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    fee_unit = unit(w.tenant, w.cid, w.site)
    b = bill(w.tenant, w.cid, w.site, fee_unit, amount_fen=3931)
    body = {"fee_unit_id": fee_unit, "amount_fen": 3931, "method": "cash", "bill_ids": [b]}
    second = w.tenant.user("cashier2", "fees_cashier", [w.cid])
    responses = _together([_fresh(w.cashier, wuye_app), _fresh(second, wuye_app)], "POST",
                          f"{P}/communities/{w.cid}/payments", [body, body])
    assert [r.status_code for r in responses] == [201, 201], [r.get_json() for r in responses]
    allocated = sorted(sum(a["amount_fen"] for a in r.get_json()["allocations"]) for r in responses)
    assert allocated == [0, 3931]
    [row] = rows(w.tenant, Bill)
    assert row["paid_fen"] == 3931 == sum(a["amount_fen"] for a in rows(w.tenant, Allocation)) and row["status"] == "paid"
    assert w.mgr.get(f"{P}/units/{fee_unit}/account").get_json()["credit_fen"] == 3931
    numbers = sorted(r.get_json()["receipt_no"] for r in responses)
    year = w.today.year
    assert numbers == [f"SF{year}-000001", f"SF{year}-000002"]


def test_many_payments_at_once_gapless_receipts(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                wuye_enable_plugin, wuye_race):
    if not wuye_backend.is_postgresql:
        pytest.skip("row locks between connections: PostgreSQL's")
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    units = [unit(w.tenant, w.cid, w.site, label=f"1栋{i}") for i in range(2)]
    for u in units:
        bill(w.tenant, w.cid, w.site, u, amount_fen=1000)
    responses = wuye_race(w.cashier, "POST", f"{P}/communities/{w.cid}/payments",
                          json={"fee_unit_id": units[0], "amount_fen": 300, "method": "cash"}, n=8)
    assert all(r.status_code == 201 for r in responses), [r.get_json() for r in responses]
    year = w.today.year
    assert sorted(r.get_json()["receipt_no"] for r in responses) == [f"SF{year}-{i:06d}" for i in range(1, 9)]
    [b0, _b1] = rows(w.tenant, Bill)
    assert b0["paid_fen"] == 1000 and b0["status"] == "paid"
    assert w.mgr.get(f"{P}/units/{units[0]}/account").get_json()["credit_fen"] == 8 * 300 - 1000


def test_refunds_at_once_never_exceed_the_payment(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                  wuye_enable_plugin, wuye_race):
    if not wuye_backend.is_postgresql:
        pytest.skip("row locks between connections: PostgreSQL's")
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    fee_unit = unit(w.tenant, w.cid, w.site)
    bill(w.tenant, w.cid, w.site, fee_unit, amount_fen=3000)
    pid = w.cashier.post(f"{P}/communities/{w.cid}/payments",
                         json={"fee_unit_id": fee_unit, "amount_fen": 5000, "method": "cash"}).get_json()["id"]
    responses = wuye_race(w.mgr, "POST", f"{P}/payments/{pid}/refund", json={"amount_fen": 2000, "reason": "退"}, n=4)
    assert sorted(r.status_code for r in responses) == [201, 201, 422, 422], [r.get_json() for r in responses]
    journal = rows(w.tenant, Payment)
    assert sum(p["amount_fen"] for p in journal) == 1000
    [b] = rows(w.tenant, Bill)
    assert b["paid_fen"] == 1000 == sum(a["amount_fen"] for a in rows(w.tenant, Allocation)) and b["status"] == "open"
