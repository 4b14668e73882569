"""Concurrency on PostgreSQL (real threads, each with its own connection): two generations of a
period at once make each bill once; two approvals of different discounts at once never forgive
more than the bill owes (the bill's row lock)."""

from __future__ import annotations

import threading

import pytest
from _fees_rows import P, add, bill, rate, rows, unit, world
from wuye_fees.models import Bill, FeeUnit


def test_two_generations_at_once_make_each_bill_once(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                      wuye_enable_plugin, wuye_race):
    if not wuye_backend.is_postgresql:
        pytest.skip("concurrent connections: PostgreSQL's (SQLite has one writer at a time)")
    from datetime import date

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    rate(w.tenant, w.cid, w.site, "0.45")
    add(w.tenant, *(FeeUnit(community_id=w.cid, site_id=w.site, kind="residential", label=f"{i}号", area_m2="87.35",
                            billing_from=date(2020, 1, 1), active=True, created_by="t") for i in range(400)))
    responses = wuye_race(w.mgr, "POST", f"{P}/communities/{w.cid}/billing-runs", json={"period": "2026-11"}, n=4)
    assert all(r.status_code == 201 for r in responses), [r.get_json() for r in responses]
    runs = [r.get_json() for r in responses]
    assert sum(r["bills_made"] for r in runs) == 400
    assert all(r["bills_made"] + r["already_billed"] == 400 for r in runs)
    bills = rows(w.tenant, Bill)
    assert len(bills) == 400 and len({b["fee_unit_id"] for b in bills}) == 400
    assert {b["amount_fen"] for b in bills} == {3931}


def test_two_approvals_at_once_never_exceed_the_bill(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                     wuye_enable_plugin):
    if not wuye_backend.is_postgresql:
        pytest.skip("row locks between connections: PostgreSQL's")
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    home = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"], area="87.35")
    bill_id = bill(w.tenant, w.cid, w.site, home, amount_fen=3931)
    ids = []
    for amount in (3000, 2000):
        r = w.cashier.post(f"{P}/bills/{bill_id}/discounts", json={
            "kind": "discount", "amount_fen": amount, "reason": "hardship", "explanation": "困难"})
        assert r.status_code == 201
        ids.append(r.get_json()["id"])
    barrier = threading.Barrier(2)
    responses: list = [None, None]

    def approve(i):
        client = type(w.mgr)(wuye_app.test_client(), w.mgr.token, w.mgr.headers)
        barrier.wait(timeout=30)
        responses[i] = client.post(f"{P}/discounts/{ids[i]}/approve", json={})

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r.status_code for r in responses) == [200, 409], [r.get_json() for r in responses]
    found = rows(w.tenant, Bill, Bill.id == bill_id)[0]
    assert found["discount_fen"] in (3000, 2000) and found["discount_fen"] <= found["amount_fen"]
