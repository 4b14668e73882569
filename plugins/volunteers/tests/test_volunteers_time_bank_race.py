"""Spends at once cannot take the same points twice: each line is written under the member's row
lock (real threads, each with its own connection, on PostgreSQL; SQLite serialises its writers)."""

from __future__ import annotations

import pytest
from _bank_rows import P, ledger, service_record, world


def test_five_spends_of_four_from_ten_at_once_two_succeed(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                         wuye_enable_plugin, wuye_race):
    if not wuye_backend.is_postgresql:
        pytest.skip("row locks between connections: PostgreSQL's (SQLite has one writer at a time)")
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    record = service_record(w.tenant, w.wang, 60)  # 10 points
    responses = wuye_race(w.mgr, "POST", f"{P}/members/{w.wang}/time-bank/spend",
                          json={"points": 4, "description": "陪护老人"}, n=5)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201, 409, 409, 409], [r.get_json() for r in responses]
    assert sorted(r.get_json()["balance"] for r in responses if r.status_code == 201) == [2, 6]
    refusals = [r.get_json()["message"] for r in responses if r.status_code == 409]
    assert all(m == "积分不足：余额 2 分，本次服务需要 4 分。" for m in refusals), refusals
    lines = ledger(w.tenant, w.wang)
    assert lines == [("earn", 10, 10, record), ("spend", -4, 6, None), ("spend", -4, 2, None)]
    assert w.mgr.get(f"{P}/members/{w.wang}/time-bank").get_json()["balance"] == 2


def test_a_spend_and_an_adjustment_at_once_keep_the_chain(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                          wuye_enable_plugin, wuye_race):
    """Whatever the order, each line's balance is the previous line's plus its points, never < 0."""
    if not wuye_backend.is_postgresql:
        pytest.skip("row locks between connections: PostgreSQL's")
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    service_record(w.tenant, w.wang, 60)  # 10
    spends = wuye_race(w.mgr, "POST", f"{P}/members/{w.wang}/time-bank/adjust", json={"points": -3, "reason": "更正"},
                       n=6)
    assert sorted(r.status_code for r in spends) == [201] * 3 + [409] * 3
    balance = 0
    for _kind, points, after, _record in ledger(w.tenant, w.wang):
        balance += points
        assert after == balance and after >= 0
    assert balance == 1
