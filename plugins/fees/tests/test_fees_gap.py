"""The gap between fee income and cost (gap.py): exact sums per site and for the community — the
payments journal by Beijing day, refunds and reversals negative; bills of the period less
discounts, cancelled ones left out; other income and spending by category, cancelled entries
left out — and a constant number of statements whatever the number of sites."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

from _fees_rows import P, add, bill, payment, unit, world
from sqlalchemy import event
from wuye_fees.models import Entry

from wuye_core.plugins import db

Y = 2025


def _site(w, name: str) -> int:
    r = w.tenant.admin.post("/api/v1/sites", json={"community_id": w.cid, "name": name, "kind": "compound"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _entry(w, site_id, direction, category, fen, day, cancelled=False) -> None:
    add(w.tenant, Entry(community_id=w.cid, site_id=site_id, direction=direction, category=category, amount_fen=fen,
                        occurred_on=day, description="test", recorded_by="test",
                        cancelled_at=datetime.now(UTC) if cancelled else None))


def _books(w) -> dict:
    """Two sites with fees, refunds, bills and entries in Q3 of Y, and things just outside it."""
    a, b = w.site, _site(w, "乙小区")
    ua = unit(w.tenant, w.cid, a, label="1栋101")
    ub = unit(w.tenant, w.cid, b, label="2栋201")
    # Beijing days: 2025-07-01 00:30 Beijing is 2025-06-30 16:30 UTC — in Q3; 2025-10-01 00:10 Beijing is out
    payment(w.tenant, w.cid, a, ua, 11_792, paid_at=datetime(Y, 6, 30, 16, 30, tzinfo=UTC))
    payment(w.tenant, w.cid, a, ua, 5_000, paid_at=datetime(Y, 8, 15, 2, 0, tzinfo=UTC), receipt_no="R2")
    payment(w.tenant, w.cid, a, ua, -1_500, kind="refund", paid_at=datetime(Y, 9, 2, 2, 0, tzinfo=UTC))
    payment(w.tenant, w.cid, a, ua, 9_999, paid_at=datetime(Y, 9, 30, 16, 10, tzinfo=UTC), receipt_no="R3")  # Oct 1
    payment(w.tenant, w.cid, a, ua, 777, paid_at=datetime(Y, 6, 30, 15, 59, tzinfo=UTC), receipt_no="R4")  # Jun 30
    payment(w.tenant, w.cid, b, ub, 20_000, paid_at=datetime(Y, 7, 20, 2, 0, tzinfo=UTC), receipt_no="R5")
    payment(w.tenant, w.cid, b, ub, -20_000, kind="reversal", paid_at=datetime(Y, 7, 21, 2, 0, tzinfo=UTC))
    payment(w.tenant, w.cid, b, ub, 3_000, paid_at=datetime(Y, 7, 22, 2, 0, tzinfo=UTC), receipt_no="R6")
    # bills of July–September: a's 3 (one with a discount, one cancelled), b's 1; October's left out
    bill(w.tenant, w.cid, a, ua, 3_931, period=f"{Y}-07", paid_fen=3_931, status="paid")
    bill(w.tenant, w.cid, a, ua, 3_931, period=f"{Y}-08", discount_fen=931, paid_fen=1_000)
    bill(w.tenant, w.cid, a, ua, 3_931, period=f"{Y}-09", status="cancelled")
    bill(w.tenant, w.cid, a, ua, 3_931, period=f"{Y}-10")
    bill(w.tenant, w.cid, b, ub, 6_000, period=f"{Y}Q3", paid_fen=3_000)
    # entries
    _entry(w, a, "income", "shop_rent", 120_000, datetime(Y, 7, 1).date())
    _entry(w, a, "income", "subsidy", 300_000, datetime(Y, 9, 30).date())
    _entry(w, a, "spending", "staff", 450_000, datetime(Y, 8, 31).date())
    _entry(w, a, "spending", "cleaning", 9_999, datetime(Y, 8, 31).date(), cancelled=True)
    _entry(w, a, "spending", "cleaning", 8_888, datetime(Y, 10, 1).date())
    _entry(w, b, "income", "parking_rent", 10_000, datetime(Y, 7, 15).date())
    _entry(w, b, "spending", "repairs", 50_000, datetime(Y, 7, 16).date())
    _entry(w, None, "spending", "office", 7_000, datetime(Y, 9, 1).date())
    _entry(w, None, "income", "subsidy", 2_000, datetime(Y, 9, 1).date())
    return {"a": a, "b": b}


def _amounts(lines) -> dict:
    return {line["category"]: line["amount_fen"] for line in lines}


def test_exact_sums_per_site_and_for_the_community(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    s = _books(w)
    url = f"{P}/communities/{w.cid}/gap"
    a = w.clerk.get(url, query_string={"year": Y, "quarter": 3, "site_id": s["a"]}).get_json()
    assert a["from"] == f"{Y}-07-01" and a["to"] == f"{Y}-09-30"
    fa = a["figures"]
    assert fa["fee_income_fen"] == 11_792 + 5_000 - 1_500
    assert fa["fee_received_fen"] == 16_792 and fa["fee_returned_fen"] == -1_500
    assert fa["billed_fen"] == 3_931 + 3_000 and fa["billed_paid_fen"] == 4_931 and fa["bills"] == 2
    assert fa["collection_rate"] == round(4_931 / 6_931, 4)
    assert _amounts(fa["other_income"]) == {"shop_rent": 120_000, "subsidy": 300_000}
    assert [line["category"] for line in fa["other_income"]] == ["shop_rent", "subsidy"]  # the vocabulary's order
    assert _amounts(fa["spending"]) == {"staff": 450_000}
    assert fa["gap_fen"] == 450_000 - 15_292
    assert fa["covered_fen"] == 420_000 and fa["balance_fen"] == 15_292 + 420_000 - 450_000
    assert fa["result"] == "deficit"

    whole = w.clerk.get(url, query_string={"year": Y, "quarter": 3}).get_json()
    by_site = {row["site_id"]: row for row in whole["sites"]}
    fb = by_site[s["b"]]
    assert fb["fee_income_fen"] == 3_000 and fb["fee_returned_fen"] == -20_000 and fb["billed_fen"] == 6_000
    assert fb["gap_fen"] == 47_000 and fb["covered_fen"] == 10_000 and fb["balance_fen"] == -37_000
    assert by_site[s["a"]]["fee_income_fen"] == fa["fee_income_fen"] and by_site[s["a"]]["site_name"] == "小区"
    assert _amounts(whole["community_wide"]["spending"]) == {"office": 7_000}
    total = whole["figures"]
    assert total["fee_income_fen"] == 15_292 + 3_000
    assert _amounts(total["other_income"]) == {"shop_rent": 120_000, "subsidy": 302_000, "parking_rent": 10_000}
    assert _amounts(total["spending"]) == {"staff": 450_000, "repairs": 50_000, "office": 7_000}
    assert total["spending_fen"] == 507_000 and total["other_income_fen"] == 432_000
    assert total["balance_fen"] == 18_292 + 432_000 - 507_000 and total["gap_fen"] == 507_000 - 18_292
    assert total["billed_fen"] == 12_931
    # a month, a year, from/to
    july = w.clerk.get(url, query_string={"year": Y, "month": 7, "site_id": s["b"]}).get_json()["figures"]
    assert july["fee_income_fen"] == 3_000 and july["spending_fen"] == 50_000
    year = w.clerk.get(url, query_string={"year": Y}).get_json()["figures"]
    assert year["fee_income_fen"] == 18_292 + 9_999 + 777
    span = w.clerk.get(url, query_string={"from": f"{Y}-06-30", "to": f"{Y}-07-01", "site_id": s["a"]}).get_json()
    assert span["figures"]["fee_income_fen"] == 777 + 11_792


def test_bad_periods_and_sites_name_the_field(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{w.cid}/gap"
    for query, field in (({"quarter": 2}, "year"), ({"year": Y, "quarter": 5}, "quarter"),
                         ({"year": Y, "from": f"{Y}-01-01"}, "year"), ({"from": f"{Y}-05-01", "to": f"{Y}-01-01"}, "from"),
                         ({"year": Y, "quarter": 1, "month": 2}, "quarter"), ({"site_id": 999_999}, "site_id")):
        r = w.mgr.get(url, query_string=query)
        assert r.status_code == 422 and field in str(r.get_json()["errors"]), (query, r.get_json())
    empty = w.mgr.get(url).get_json()["figures"]
    assert empty["fee_income_fen"] == 0 and empty["collection_rate"] is None and empty["result"] == "balanced"


@contextmanager
def _counted(app):
    seen = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_statements_do_not_grow_with_the_sites(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _books(w)
    url = f"{P}/communities/{w.cid}/gap"

    def statements() -> int:
        with _counted(wuye_app) as seen:
            r = w.mgr.get(url, query_string={"year": Y, "quarter": 3})
        assert r.status_code == 200
        return len(seen)

    statements()  # the first request warms the caches (the caller, the plugin's state)
    few = statements()
    for i in range(6):
        site = _site(w, f"新小区{i}")
        u = unit(w.tenant, w.cid, site, label=f"{i}栋")
        payment(w.tenant, w.cid, site, u, 100 + i, paid_at=datetime(Y, 8, 1, 2, 0, tzinfo=UTC), receipt_no=f"N{i}")
        bill(w.tenant, w.cid, site, u, 500, period=f"{Y}-08")
        _entry(w, site, "spending", "greening", 1_000, datetime(Y, 8, 2).date())
    assert statements() == few
    whole = w.mgr.get(url, query_string={"year": Y, "quarter": 3}).get_json()
    assert len(whole["sites"]) == 8 and whole["figures"]["spending_fen"] == 507_000 + 6_000
