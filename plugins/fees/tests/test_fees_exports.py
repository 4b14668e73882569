"""Exports of bills and payments (.xlsx): their contents, filters, totals, file names, the audit,
who may, formula-looking names kept as text, and a constant number of statements whatever the rows.
Headings are asserted in English (Accept-Language: en): the catalog is compiled by the integrator."""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

from _fees_rows import P, bill, payment, unit, world
from openpyxl import load_workbook
from sqlalchemy import event

from wuye_core.plugins import db

EN = {"Accept-Language": "en"}


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    book = load_workbook(io.BytesIO(response.data))
    return book.worksheets[0]


def _rows(response) -> tuple[list[dict], list[tuple]]:
    """(data rows as dicts by heading, the totals rows as tuples)."""
    values = list(_sheet(response).iter_rows(values_only=True))
    head = values[0]
    data, totals = [], []
    for row in values[1:]:
        if isinstance(row[0], str) and (row[0].startswith(("Total", "Received", "Given back", "Net", "合计", "收款", "退还", "净额"))):
            totals.append(row)
        else:
            data.append(dict(zip(head, row, strict=False)))
    return data, totals


@contextmanager
def _statements(app):
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _bills_world(w):
    home = unit(w.tenant, w.cid, w.site, label="1栋1单元101", unit_id=w.ids["unit"], area="87.35")
    shop = unit(w.tenant, w.cid, w.site, label="=HYPERLINK(\"http://x\")", kind="shop", area="45",
                payer_name="@王老板")
    a = bill(w.tenant, w.cid, w.site, home, amount_fen=3931, period="2026-11", household_id=w.ids["household"],
             area_m2=Decimal("87.35"), price=Decimal("0.45"), paid_fen=1000)
    b = bill(w.tenant, w.cid, w.site, shop, amount_fen=12000, period="2026-11", discount_fen=2000)
    c = bill(w.tenant, w.cid, w.site, home, amount_fen=3931, period="2026-10", status="paid", paid_fen=3931)
    other = unit(w.tenant, w.cid, w.site, label="商铺 B", kind="shop", area="10")
    d = bill(w.tenant, w.cid, w.site, other, amount_fen=500, period="2026-11", status="cancelled",
             cancelled_by="mgr", cancel_reason="错开")
    return home, shop, (a, b, c, d)


def test_bills_export_contents_totals_and_name(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _bills_world(w)
    url = f"{P}/communities/{w.cid}/bills.xlsx"
    r = w.mgr.get(url, query_string={"period": "2026-11"}, headers=EN)
    disposition = r.headers["Content-Disposition"]
    assert f"fees-bills-{w.cid}-2026-11.xlsx" in disposition and "no-store" in r.headers["Cache-Control"]
    data, totals = _rows(r)
    assert len(data) == 3
    by_unit = {(row["Fee unit"], row["Status"]): row for row in data}
    home = by_unit[("1栋1单元101", "Partly paid")]
    assert home["Site"] == "小区" and home["Type"] == "Residence" and home["Household / payer"] == "张三"
    assert home["Period"] == "2026-11" and home["Area (㎡)"] == 87.35 and home["Unit price (yuan)"] == 0.45
    assert home["Billed (yuan)"] == 39.31 and home["Paid (yuan)"] == 10 and home["Owed (yuan)"] == 29.31
    assert home["Due on"].date().isoformat() == "2026-12-01"
    # a formula-looking name and label stay text (never a formula)
    shop = by_unit[('=HYPERLINK("http://x")', "Unpaid")]
    assert shop["Household / payer"] == "@王老板" and shop["Discounts (yuan)"] == 20 and shop["Owed (yuan)"] == 100
    sheet = _sheet(w.mgr.get(url, query_string={"period": "2026-11"}, headers=EN))
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert by_unit[("商铺 B", "Cancelled")]["Owed (yuan)"] == 0
    # the totals row: numbers, cancelled bills not counted
    assert len(totals) == 1 and "3 bills" in totals[0][0]
    assert list(totals[0][7:11]) == [159.31, 20, 10, 129.31]
    # audited, with what was chosen
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "fees.exported"}).get_json()["items"]
    assert trail[0]["details"]["file"] == "bills.xlsx" and trail[0]["details"]["rows"] == 3
    assert trail[0]["details"]["period"] == "2026-11"
    # printable: A4, fitted to a page wide, landscape
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage


def test_bills_export_filters(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _bills_world(w)
    url = f"{P}/communities/{w.cid}/bills.xlsx"

    def units(**query):
        return sorted((row["Fee unit"], row["Period"]) for row in _rows(w.mgr.get(url, query_string=query,
                                                                                   headers=EN))[0])

    assert len(units()) == 4
    assert units(status="paid") == [("1栋1单元101", "2026-10")]
    assert units(kind="residential") == [("1栋1单元101", "2026-10"), ("1栋1单元101", "2026-11")]
    assert len(units(**{"from": "2026-10-01", "to": "2026-10-31"})) == 1
    assert len(units(period="2026Q4")) == 4 and units(period="2025") == []
    assert len(units(site_id=w.site)) == 4
    r = w.mgr.get(url, query_string={"from": "2026-10-01", "to": "2026-10-31"})
    assert f"fees-bills-{w.cid}-2026-10-01_2026-10-31.xlsx" in r.headers["Content-Disposition"]
    # wrong filters are 422 naming the field
    for query, name in (({"period": "2026-13"}, "period"), ({"status": "x"}, "status"), ({"kind": "villa"}, "kind"),
                        ({"period": "2026-11", "from": "2026-11-01"}, "period"),
                        ({"from": "2026-11-02", "to": "2026-11-01"}, "from"), ({"site_id": w.site + 999}, "site_id")):
        r = w.mgr.get(url, query_string=query)
        assert r.status_code == 422 and name in str(r.get_json()), (query, r.get_json())


def test_payments_export(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    home, shop, (a, b, *_rest) = _bills_world(w)
    paid = payment(w.tenant, w.cid, w.site, home, 1000, {a: 1000}, paid_at=datetime(2026, 11, 3, 2, 0, tzinfo=UTC),
                   receipt_no="SF2026-000001", payer_name="张三", household_id=w.ids["household"])
    payment(w.tenant, w.cid, w.site, home, -1000, {a: -1000}, kind="reversal", reverses_id=paid,
            paid_at=datetime(2026, 11, 4, 2, 0, tzinfo=UTC), reason="金额记错")
    payment(w.tenant, w.cid, w.site, shop, 5000, method="wechat", paid_at=datetime(2026, 11, 30, 16, 30, tzinfo=UTC),
            receipt_no="SF2026-000002", payer_name="=cmd|' /C calc'!A0")  # 12-01 00:30 in Beijing: outside
    payment(w.tenant, w.cid, w.site, shop, 8000, method="transfer", paid_at=datetime(2026, 11, 30, 15, 0, tzinfo=UTC),
            receipt_no="SF2026-000003", payer_name="-王老板", note="11月租户代缴")  # 23:00 in Beijing: inside
    url = f"{P}/communities/{w.cid}/payments.xlsx"
    r = w.mgr.get(url, query_string={"from": "2026-11-01", "to": "2026-11-30"}, headers=EN)
    assert f"fees-payments-{w.cid}-2026-11-01_2026-11-30.xlsx" in r.headers["Content-Disposition"]
    data, totals = _rows(r)
    assert [row["Receipt number"] for row in data] == ["SF2026-000001", None, "SF2026-000003"]
    first, reversal, last = data
    assert first["Date"] == datetime(2026, 11, 3, 10, 0) and first["Fee unit"] == "1栋1单元101"
    assert first["Payer"] == "张三" and first["Method"] == "Cash" and first["Amount (yuan)"] == 10
    assert first["Kind"] == "Received" and first["Recorded by"] == "test"
    assert reversal["Kind"] == "Reversal" and reversal["Amount (yuan)"] == -10
    assert "SF2026-000001" in reversal["Explanation"] and "金额记错" in reversal["Explanation"]
    assert last["Payer"] == "-王老板" and last["Method"] == "Bank transfer" and last["Explanation"] == "11月租户代缴"
    assert [t[5] for t in totals] == [90, -10, 80]
    december = _rows(w.mgr.get(url, query_string={"from": "2026-12-01", "to": "2026-12-01"}, headers=EN))[0]
    assert december[0]["Payer"] == "=cmd|' /C calc'!A0"
    assert len(_rows(w.mgr.get(url, query_string={"from": "2026-11-01", "to": "2026-11-30", "kind": "reversal"},
                               headers=EN))[0]) == 1
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "fees.exported"}).get_json()["items"]
    assert {t["details"]["file"] for t in trail} == {"payments.xlsx"}
    assert w.mgr.get(url, query_string={"from": "2026-12-01", "to": "2026-11-01"}).status_code == 422


def test_who_may_export(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    for path in ("bills.xlsx", "payments.xlsx"):
        url = f"{P}/communities/{w.cid}/{path}"
        assert w.cashier.get(url).status_code == 403
        assert w.clerk.get(url).status_code == 403
        assert w.tenant.admin.get(url).status_code == 200
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    assert other.mgr.get(f"{P}/communities/{w.cid}/bills.xlsx").status_code == 404


def test_a_chinese_file_name(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = w.mgr.get(f"{P}/communities/{w.cid}/bills.xlsx", query_string={"period": "2026-11"})
    disposition = r.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and "2026-11.xlsx" in disposition
    # with the catalog compiled: 物业费账单-社区-2026-11.xlsx (quoted in the header)


def test_the_exports_read_in_a_constant_number_of_statements(wuye_app, wuye_make_tenant, wuye_register,
                                                             wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    bills_url = f"{P}/communities/{w.cid}/bills.xlsx?period=2026-11"
    payments_url = f"{P}/communities/{w.cid}/payments.xlsx?from=2026-11-01&to=2026-11-30"

    def statements(url) -> int:
        with _statements(wuye_app) as seen:
            r = w.mgr.get(url)
        assert r.status_code == 200
        return len(seen)

    def more(count: int, start: int):
        for i in range(start, start + count):
            fee_unit = unit(w.tenant, w.cid, w.site, label=f"车位 {i}", kind="parking", area=None,
                            payer_name=f"车主{i}")
            bill_id = bill(w.tenant, w.cid, w.site, fee_unit, amount_fen=10000, period="2026-11")
            payment(w.tenant, w.cid, w.site, fee_unit, 10000, {bill_id: 10000}, receipt_no=f"SF2026-{i:06d}",
                    paid_at=datetime(2026, 11, 10, 3, 0, tzinfo=UTC))

    more(2, 0)
    statements(bills_url), statements(payments_url)  # the caches warm (the caller's identity, the plugin's state)
    few = statements(bills_url), statements(payments_url)
    more(20, 2)
    assert (statements(bills_url), statements(payments_url)) == few
    assert len(_rows(w.mgr.get(bills_url))[0]) == 22
