"""Collection figures (figures.py): 收缴率 by site × month from known bills (quarterly and yearly
bills in their first month, cancelled ones nowhere), the arrears' ageing as of a day, the
dashboard's figures, the report's section, the overview's "needs doing", the API's JSON and
Excel, and a constant number of statements whatever the number of sites and bills."""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime, timedelta

import pytest
from _fees_rows import P, add, bill, payment, statements, unit, world
from openpyxl import load_workbook
from wuye_fees.models import BillingRun, Discount, Reminder

from wuye_core.plugins import LOCAL_TZ, db, tenant_context

TODAY = date(2026, 6, 15)
_serial = itertools.count(1)


def bj(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def _site(w, name: str) -> int:
    r = w.tenant.admin.post("/api/v1/sites", json={"community_id": w.cid, "name": name, "kind": "compound"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _call(w, app, fn):
    with app.test_request_context(), tenant_context(w.tenant.id):
        try:
            return fn()
        finally:
            db.session.remove()


@pytest.fixture
def fees(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Site A (wuye_register's 小区) and site B (东区). Unit 1 (A, household H): 2026-01 10000 paid
    in full; 2026-02 10000, discount 2000, paid 4000; 2026-03 cancelled 5000; 2026-05 and 2026-06
    3000 each, unpaid; 2025-01 5000 unpaid (over a year). Unit 2 (B, household H): 2026Q1 30000,
    paid 15000. Unit 3 (B): the year 2026, 12000 paid. Journal: 6000 at 00:30 on 1 June (Beijing),
    1000 at 23:30 on 31 May, a refund of 500 on 10 June."""
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    w.app = wuye_app
    a, b = w.site, _site(w, "东区")
    h = w.ids["household"]
    u1 = unit(w.tenant, w.cid, a, "1栋1单元101", unit_id=w.ids["unit"])
    u2 = unit(w.tenant, w.cid, b, "东区2栋201")
    u3 = unit(w.tenant, w.cid, b, "东区3栋301")
    w.units = (u1, u2, u3)
    w.bills = {
        "jan": bill(w.tenant, w.cid, a, u1, 10000, "2026-01", h, status="paid", paid_fen=10000),
        "feb": bill(w.tenant, w.cid, a, u1, 10000, "2026-02", h, discount_fen=2000, paid_fen=4000),
        "mar": bill(w.tenant, w.cid, a, u1, 5000, "2026-03", h, status="cancelled"),
        "may": bill(w.tenant, w.cid, a, u1, 3000, "2026-05", h),
        "jun": bill(w.tenant, w.cid, a, u1, 3000, "2026-06", h),
        "old": bill(w.tenant, w.cid, a, u1, 5000, "2025-01", None),
        "q1": bill(w.tenant, w.cid, b, u2, 30000, "2026Q1", h, paid_fen=15000),
        "year": bill(w.tenant, w.cid, b, u3, 12000, "2026", None, status="paid", paid_fen=12000),
    }
    payment(w.tenant, w.cid, a, u1, 6000, paid_at=bj(2026, 6, 1, 0, 30), household_id=h, receipt_no="SF2026-000001")
    payment(w.tenant, w.cid, a, u1, 1000, paid_at=bj(2026, 5, 31, 23, 30), household_id=h, receipt_no="SF2026-000002")
    payment(w.tenant, w.cid, a, u1, -500, kind="refund", paid_at=bj(2026, 6, 10), household_id=h)
    w.a, w.b = a, b
    return w


def test_collection_by_site_and_month(fees):
    from wuye_fees import figures

    data = _call(fees, fees.app, lambda: figures.collection_json(figures.collection(fees.cid, 2026)))
    sites = {s["site_id"]: s for s in data["sites"]}
    a, b = sites[fees.a], sites[fees.b]
    month = lambda site, m: site["months"][m - 1]  # noqa: E731
    assert (month(a, 1)["due_fen"], month(a, 1)["collected_fen"], month(a, 1)["collection_rate"]) == (10000, 10000, 1.0)
    assert (month(a, 2)["due_fen"], month(a, 2)["collected_fen"], month(a, 2)["collection_rate"]) == (8000, 4000, 0.5)
    assert month(a, 3)["bills"] == 0 and month(a, 3)["collection_rate"] is None  # the cancelled bill counts nowhere
    assert month(a, 5)["collection_rate"] == 0.0 and month(a, 7)["due_fen"] == 0
    assert (a["total"]["due_fen"], a["total"]["collected_fen"], a["total"]["collection_rate"]) == (24000, 14000, 0.5833)
    # the quarter's and the year's bills count in January, once
    assert (month(b, 1)["due_fen"], month(b, 1)["collected_fen"], month(b, 1)["collection_rate"]) == (42000, 27000,
                                                                                                     0.6429)
    assert month(b, 2)["bills"] == 0 and month(b, 4)["bills"] == 0
    assert data["months"][0]["collection_rate"] == 0.7115  # 37000 / 52000
    assert (data["total"]["due_fen"], data["total"]["collected_fen"], data["total"]["collection_rate"]) == (
        66000, 41000, 0.6212)
    # 2025 is another year: only the old bill
    last = _call(fees, fees.app, lambda: figures.collection_json(figures.collection(fees.cid, 2025)))
    assert last["total"]["due_fen"] == 5000 and last["months"][0]["collection_rate"] == 0.0


def test_ageing_as_of_a_day(fees):
    from wuye_fees import figures

    ages = _call(fees, fees.app, lambda: figures.ageing(fees.cid, TODAY))
    owed = {b["code"]: (b["owed_fen"], b["bills"]) for b in ages["buckets"]}
    assert owed == {
        "d0_30": (3000, 1),  # May's, due 31 May: 15 days
        "d31_90": (0, 0),
        "d91_180": (19000, 2),  # February's 4000 (104 days), the quarter's 15000 (135 days)
        "d181_365": (0, 0),
        "d365_plus": (5000, 1),  # 2025-01's
    }
    assert ages["owed_fen"] == 27000 and ages["bills"] == 4  # June's is not due yet
    # on its due date a bill is not overdue; the day after it is 1 day past due
    may_due = date(2026, 5, 31)
    assert _call(fees, fees.app, lambda: figures.ageing(fees.cid, may_due))["buckets"][0]["owed_fen"] == 0
    next_day = _call(fees, fees.app, lambda: figures.ageing(fees.cid, may_due + timedelta(days=1)))
    assert next_day["buckets"][0]["owed_fen"] == 3000


def test_dashboard_figures(fees):
    from wuye_fees import figures

    got = _call(fees, fees.app, lambda: figures.dashboard_figures(fees.cid, {}, today=TODAY))
    assert {f.key: (f.value, f.unit) for f in got} == {
        "fees_collection_year_rate": (0.6212, ""),
        "fees_owed_yuan": (300, "元"),  # 4000 + 3000 + 3000 + 5000 + 15000 fen
        "fees_households_overdue_90": (1, "户"),
        "fees_collected_month_yuan": (55, "元"),  # 6000 − 500; 31 May's 1000 is May's in Beijing
    }
    assert all(f.label_zh and f.label_en for f in got)
    assert all(isinstance(f.value, int) for f in got if not f.key.endswith("_rate"))
    assert figures.yuan_whole(12350) == 124 and figures.yuan_whole(12349) == 123 and figures.yuan_whole(-150) == -2


def test_report_section(fees):
    from wuye_fees import figures

    add(fees.tenant,
        Discount(community_id=fees.cid, bill_id=fees.bills["feb"], kind="discount", amount_fen=2000, reason="hardship",
                 status="approved", requested_by="cashier", decided_by="mgr", decided_at=bj(2026, 6, 3)),
        Discount(community_id=fees.cid, bill_id=fees.bills["may"], kind="waiver", amount_fen=3000, reason="hardship",
                 status="requested", requested_by="cashier"),
        Reminder(community_id=fees.cid, fee_unit_id=fees.units[0], household_id=fees.ids["household"], channel="sms",
                 owed_fen=100, bills=1, result="logged", sent_by="system", sent_at=bj(2026, 6, 5)),
        Reminder(community_id=fees.cid, fee_unit_id=fees.units[0], channel="visit", owed_fen=100, bills=1,
                 result="noted", sent_by="cashier", sent_at=bj(2026, 6, 6)),
        Reminder(community_id=fees.cid, fee_unit_id=fees.units[0], channel="sms", owed_fen=100, bills=1,
                 result="failed", sent_by="system", sent_at=bj(2026, 6, 7)))
    [section] = _call(fees, fees.app, lambda: figures.report_sections(fees.cid, date(2026, 6, 1), date(2026, 6, 30),
                                                                      {}, today=TODAY))
    assert (section.key, section.title_zh, section.title_en) == ("fees", "物业费收缴", "Fee collection")
    rows = {row["label_en"]: row["value"] for row in section.rows}
    assert rows["Due on the period's bills (yuan)"] == "30.00"  # June's bill
    assert rows["Fee collection rate"] == 0.0
    assert rows["Received in the period, net (yuan)"] == "55.00"
    assert rows["Overdue at the period's end (yuan)"] == "270.00"  # as of today, before the period's end
    assert rows["Reminders"] == 2  # a failed text is no reminder
    assert rows["of which: Text message"] == 1 and rows["of which: Home visit"] == 1
    assert rows["Discounts approved"] == 1 and rows["Discounts approved (yuan)"] == "20.00"
    assert rows["Waivers approved"] == 0
    assert all(row["label_zh"] for row in section.rows)
    # the first quarter: three months' bills, both sites
    [q1] = _call(fees, fees.app, lambda: figures.report_sections(fees.cid, date(2026, 1, 1), date(2026, 3, 31), {},
                                                                 today=TODAY))
    rows = {row["label_en"]: row["value"] for row in q1.rows}
    assert rows["Due on the period's bills (yuan)"] == "600.00" and rows["Fee collection rate"] == 0.6833
    assert rows["Collection rate: 东区"] == 0.6429 and rows["Collection rate: 小区"] == 0.7778


def test_needs_doing(fees):
    from wuye_fees import figures
    from wuye_fees.periods import parse_label

    add(fees.tenant, Discount(community_id=fees.cid, bill_id=fees.bills["may"], kind="waiver", amount_fen=3000,
                              reason="hardship", status="requested", requested_by="cashier"))
    payment(fees.tenant, fees.cid, fees.a, None, 2000, method="provider", provider="wxpay", provider_txn_id="T1")
    payment(fees.tenant, fees.cid, fees.a, None, -2000, kind="reversal", method="provider")  # not a payment
    todo = _call(fees, fees.app, lambda: figures.needs_doing(fees.cid, TODAY))
    assert todo == {"discounts_requested": 1, "unmatched_payments": 1, "period": "2026-06", "billed": False,
                    "units_over_90": 2}
    june = parse_label("2026-06")
    add(fees.tenant, BillingRun(community_id=fees.cid, cycle="monthly", period_start=june.start, period_end=june.end,
                                started_by="system"))
    assert _call(fees, fees.app, lambda: figures.needs_doing(fees.cid, TODAY))["billed"] is True


def test_collection_api_and_export(fees):
    r = fees.clerk.get(f"{P}/communities/{fees.cid}/collection", query_string={"year": 2026})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["year"] == 2026 and body["total"]["collection_rate"] == 0.6212
    assert [b["code"] for b in body["ageing"]["buckets"]] == ["d0_30", "d31_90", "d91_180", "d181_365", "d365_plus"]
    assert fees.clerk.get(f"{P}/communities/{fees.cid}/collection", query_string={"year": 2025}).get_json()[
        "total"]["due_fen"] == 5000
    assert fees.clerk.get(f"{P}/communities/{fees.cid}/collection", query_string={"year": 1999}).status_code == 422
    assert "year" in fees.clerk.get(f"{P}/communities/{fees.cid}/collection?year=x").get_data(as_text=True)
    r = fees.clerk.get(f"{P}/communities/{fees.cid}/collection.xlsx", query_string={"year": 2026, "lang": "en"})
    assert r.status_code == 200
    assert "fee-collection" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    east = [row for row in rows if row[0] == "东区"]
    assert [row[1] for row in east] == ["Due (yuan)", "Collected (yuan)", "Collection rate"]
    assert float(east[0][2]) == 420.0 and float(east[1][2]) == 270.0 and round(east[2][2], 4) == 0.6429
    assert len(book.worksheets) == 2
    # the plugin off elsewhere: the core's 404
    assert fees.clerk.get(f"{P}/communities/{fees.cid + 99}/collection").status_code == 404


def test_statements_do_not_grow_with_sites_and_bills(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """2 sites, then 12 (each with units and a year of bills): the same number of statements for
    every figure."""
    from wuye_fees import figures

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)

    def grow(sites: int):
        for _ in range(sites):
            site = _site(w, f"小区{next(_serial)}")
            for n in range(2):
                u = unit(w.tenant, w.cid, site, f"{n}栋", area="80")
                for m in range(1, 13):
                    bill(w.tenant, w.cid, site, u, 3600, f"2026-{m:02d}", w.ids["household"], paid_fen=1800 * (m % 2))
            payment(w.tenant, w.cid, site, None, 100, paid_at=bj(2026, 6, 2))

    def cost() -> list[int]:
        calls = [
            lambda: figures.collection(w.cid, 2026),
            lambda: figures.ageing(w.cid, TODAY),
            lambda: figures.dashboard_figures(w.cid, {}, today=TODAY),
            lambda: figures.report_sections(w.cid, date(2026, 1, 1), date(2026, 6, 30), {}, today=TODAY),
            lambda: figures.needs_doing(w.cid, TODAY),
            lambda: figures.panel([w.cid]),
        ]
        return [statements(wuye_app, w.tenant.id, fn) for fn in calls]

    grow(1)
    few = cost()
    grow(10)
    many = cost()
    assert many == few, (few, many)
    assert few[0] <= 2 and few[1] <= 1 and few[2] <= 2
    data = _call(w, wuye_app, lambda: figures.collection(w.cid, 2026))
    assert len(data["sites"]) == 12 and data["total"].rate == 0.25  # half the months paid half
