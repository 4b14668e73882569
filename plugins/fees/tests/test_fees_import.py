"""The import of an existing fee ledger (原收费台账, Excel): the template, a good ledger of homes,
shops and parking spaces (fee units, their areas, one imported bill of the opening arrears, the
prepaid balance as credit), a bad one (every error named by row and column, nothing stored), a
re-import (nothing made twice), the limits, who may, and a ledger of 20,000 rows in seconds.

Chinese texts asserted here are the sheet's own (headings come from the catalog: run with it
compiled, or the English headings are used — tests that depend on it say so)."""

from __future__ import annotations

import io
import time
from datetime import date
from decimal import Decimal

import pytest
from _fees_rows import P, bill, rows, unit, world
from openpyxl import Workbook, load_workbook
from wuye_fees.models import Bill, FeeUnit, LedgerImport, Payment

HEAD = ["小区", "楼栋", "单元", "房号", "类型", "名称/编号", "计费面积(㎡)", "缴费人", "缴费人电话", "计费起始日",
        "欠费起始月", "欠费截止月", "欠费金额(元)", "预交余额(元)"]
# the same columns by their English headings (the msgids: what the sheet's headings are read as
# in either language, whatever the catalog holds)
HEAD_EN = ["Site", "Building", "Entrance", "Room", "Type", "Name / number", "Billing area (㎡)", "Payer",
           "Payer's phone", "Billed from", "Arrears from (month)", "Arrears to (month)", "Arrears (yuan)",
           "Prepaid balance (yuan)"]


def _book(lines, head=HEAD_EN) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(head)
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, cid, content: bytes, name="台账.xlsx", **kw):
    return client.post(f"{P}/communities/{cid}/ledger-imports", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", **kw)


def _homes(w, *numbers, entrance="1"):
    """More homes in the register's building 1栋 (wuye_register made 101 in entrance 1)."""
    made = {}
    for number in numbers:
        r = w.tenant.admin.post("/api/v1/units", json={"building_id": w.ids["building"], "number": number,
                                                       "entrance": entrance})
        assert r.status_code == 201, r.get_json()
        made[number] = r.get_json()["id"]
    return made


GOOD = [
    # site, building, entrance, room, kind, label, area, payer, phone, from, arrears from, to, arrears, credit
    ["小区", "1栋", "1", "101", "住宅", None, 87.35, None, None, "2020-01-01", "2025-01", "2026-06", "707.54", None],
    ["小区", "1栋", "1单元", "102", "住宅", None, "92.5", "李四", "139 0000 1111", date(2021, 3, 1), None, None, None,
     "300"],
    ["小区", None, None, None, "商铺", "商铺 A-12", 45, "王老板", 13800002222, "2022-05-01", date(2026, 1, 1), "2026-03",
     1200, None],
    ["小区", None, None, None, "车位", "车位 B-033", None, "赵六", None, "2023-01-01", None, None, None, "¥150.50"],
    ["小区", None, None, None, "other", "仓库 3", "20.00", None, None, "2024-01-01", None, None, None, None],
]


def test_the_template_has_the_columns_and_a_drop_down(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = w.mgr.get(f"{P}/communities/{w.cid}/ledger-template.xlsx", headers={"Accept-Language": "en"})
    assert r.status_code == 200 and "no-store" in r.headers["Cache-Control"]
    assert f"fees-ledger-template-{w.cid}.xlsx" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    sheet = book.worksheets[0]
    headings = [c.value for c in sheet[1]]
    assert headings[:5] == ["Site*", "Building", "Entrance", "Room", "Type*"] and "Prepaid balance (yuan)" in headings
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert '"Residence,Shop front,Parking space,Other premises"' in lists and '"小区"' in lists
    assert "How to fill in" in book.sheetnames
    # a cashier may not
    assert w.cashier.get(f"{P}/communities/{w.cid}/ledger-template.xlsx").status_code == 403


def test_a_good_ledger_makes_units_bills_and_credit(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    homes = _homes(w, "102")
    r = _upload(w.mgr, w.cid, _book(GOOD))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["rows"] == 5 and body["filename"] == "台账.xlsx" and body["imported_by"] == "mgr"
    made = body["made"]
    assert made["units_created"] == 5 and made["bills"] == 2 and made["arrears_fen"] == 70754 + 120000
    assert made["credits"] == 2 and made["credit_fen"] == 30000 + 15050 and made["already_imported"] == 0

    units = {u["label"]: u for u in rows(w.tenant, FeeUnit)}
    assert set(units) == {"1栋1单元101", "1栋1单元102", "商铺 A-12", "车位 B-033", "仓库 3"}
    home = units["1栋1单元101"]
    assert home["unit_id"] == w.ids["unit"] and home["kind"] == "residential" and home["area_m2"] == Decimal("87.35")
    assert home["billing_from"] == date(2020, 1, 1) and home["site_id"] == w.site
    assert units["1栋1单元102"]["unit_id"] == homes["102"] and units["1栋1单元102"]["payer_phone"] == "13900001111"
    shop = units["商铺 A-12"]
    assert shop["kind"] == "shop" and shop["unit_id"] is None and shop["payer_name"] == "王老板"
    assert shop["payer_phone"] == "13800002222" and shop["area_m2"] == Decimal("45.00")
    assert units["车位 B-033"]["kind"] == "parking" and units["车位 B-033"]["area_m2"] is None
    assert units["仓库 3"]["kind"] == "other"

    bills = {b["fee_unit_id"]: b for b in rows(w.tenant, Bill)}
    opening = bills[home["id"]]
    assert opening["source"] == "imported" and opening["period_start"] == date(2025, 1, 1)
    assert opening["period_end"] == date(2026, 6, 30) and opening["period_label"] == "2025-01~2026-06"
    assert opening["months"] == 18 and opening["due_on"] == date(2026, 6, 30) and opening["amount_fen"] == 70754
    assert opening["status"] == "open" and opening["paid_fen"] == 0 and opening["rate_id"] is None
    assert opening["household_id"] == w.ids["household"] and opening["area_m2"] == Decimal("87.35")
    assert bills[shop["id"]]["period_label"] == "2026-01~2026-03" and bills[shop["id"]]["months"] == 3

    credits = {p["fee_unit_id"]: p for p in rows(w.tenant, Payment)}
    assert set(credits) == {units["1栋1单元102"]["id"], units["车位 B-033"]["id"]}
    balance = credits[units["车位 B-033"]["id"]]
    assert balance["kind"] == "payment" and balance["method"] == "transfer" and balance["note"] == "期初余额"
    assert balance["amount_fen"] == 15050 and balance["recorded_by"] == "mgr"
    assert balance["reference"] == f"ledger-import-{body['id']}"
    assert rows(w.tenant, LedgerImport)[0]["made"]["units_created"] == 5

    listed = w.mgr.get(f"{P}/communities/{w.cid}/ledger-imports").get_json()
    assert listed["total"] == 1 and listed["items"][0]["made"]["bills"] == 2
    assert w.mgr.get(f"{P}/ledger-imports/{body['id']}").get_json()["rows"] == 5
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "fees.amended"}).get_json()["items"]
    assert trail[0]["details"]["action"] == "ledger_import" and trail[0]["details"]["units_created"] == 5


def test_chinese_headings(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Needs the catalog compiled (the integrator's): the headings as the Chinese template has them."""
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    probe = w.mgr.get(f"{P}/communities/{w.cid}/ledger-template.xlsx")
    if load_workbook(io.BytesIO(probe.data)).worksheets[0]["A1"].value != "小区*":
        pytest.skip("the fees catalog is not compiled yet")
    _homes(w, "102")
    r = _upload(w.mgr, w.cid, _book(GOOD, head=HEAD))
    assert r.status_code == 201, r.get_json()


def test_a_bad_ledger_names_every_error_and_stores_nothing(wuye_app, wuye_make_tenant, wuye_register,
                                                           wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    bad = [
        ["小区", "1栋", "1", "101", "住宅", None, 87.35, None, None, "2020-01-01", None, None, None, None],  # 2: fine
        ["别的小区", None, None, None, "商铺", "商铺 1", 10, None, None, None, None, None, None, None],  # 3: site
        ["小区", "9栋", "1", "101", "住宅", None, 80, None, None, None, None, None, None, None],  # 4: building
        ["小区", "1栋", "1", "999", "住宅", None, 80, None, None, None, None, None, None, None],  # 5: room
        ["小区", "1栋", "1", "101", "住宅", None, 80, None, None, None, None, None, None, None],  # 6: row 2's home
        ["小区", None, None, None, "别墅", "X", "-3", None, "12345", "昨天", None, None, None, None],  # 7: 4 errors
        ["小区", None, None, None, "车位", None, "1.234", None, None, None, "2025-13", "2025-01", "abc", "-5"],  # 8
        ["小区", None, None, None, "商铺", "商铺 2", 10, None, None, None, "2025-03", "2025-01", 100, None],  # 9
        ["小区", None, None, None, "商铺", "商铺 3", 10, None, None, None, "2099-01", "2099-02", 100, None],  # 10
        ["小区", "1栋", "1", "101", "住宅", None, None, None, None, None, "2025-01", None, None, None],  # 11
        [None] * 14,  # blank: skipped
    ]
    r = _upload(w.mgr, w.cid, _book(bad), headers={"Accept-Language": "en"})
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    messages = body["errors"]["files"]["file"]
    assert "nothing was stored" in body["message"]
    where = [m.split(":")[0] for m in messages]
    assert where == [
        "Row 3, column “Site”",
        "Row 4, column “Building”",
        "Row 5, column “Room”",
        "Row 6, column “Room”",
        "Row 7, column “Type”", "Row 7, column “Billing area (㎡)”", "Row 7, column “Payer's phone”",
        "Row 7, column “Billed from”",
        "Row 8, column “Name / number”", "Row 8, column “Billing area (㎡)”", "Row 8, column “Arrears from (month)”",
        "Row 8, column “Arrears (yuan)”", "Row 8, column “Prepaid balance (yuan)”",
        "Row 9, column “Arrears to (month)”",
        "Row 10, column “Arrears to (month)”",
        "Row 11, column “Billing area (㎡)”", "Row 11, column “Arrears to (month)”",
        "Row 11, column “Arrears (yuan)”", "Row 11, column “Room”",
    ], messages
    assert "No home 1栋1单元999 in the register" in messages[2] and "row 2" in messages[3]
    assert "“Site”: No site “别的小区”" in messages[0] and "before the first" in messages[13]
    assert "after this month" in messages[14]
    assert body["message"].startswith("The sheet has 19 errors")
    assert rows(w.tenant, FeeUnit) == [] and rows(w.tenant, Bill) == [] and rows(w.tenant, LedgerImport) == []
    # in Chinese (the reader's language), the same row; the column as the file heads it
    zh = _upload(w.mgr, w.cid, _book(bad)).get_json()["errors"]["files"]["file"]
    assert len(zh) == 19
    assert zh[0] == "第 3 行“Site”：本社区没有小区“别的小区”。"


def test_reimport_updates_and_makes_nothing_twice(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _homes(w, "102")
    assert _upload(w.mgr, w.cid, _book(GOOD)).status_code == 201
    changed = [list(line) for line in GOOD]
    changed[0][6] = "88.00"  # the area corrected
    changed[2][7] = "王二"  # the shop let to someone else
    again = _upload(w.mgr, w.cid, _book(changed))
    assert again.status_code == 201, again.get_json()
    made = again.get_json()["made"]
    assert made["units_created"] == 0 and made["units_updated"] == 2 and made["units_unchanged"] == 3
    assert made["bills"] == 0 and made["credits"] == 0 and made["already_imported"] == 4
    assert made["already_imported_rows"] == [2, 3, 4, 5]
    units = {u["label"]: u for u in rows(w.tenant, FeeUnit)}
    assert units["1栋1单元101"]["area_m2"] == Decimal("88.00") and units["商铺 A-12"]["payer_name"] == "王二"
    assert len(rows(w.tenant, FeeUnit)) == 5 and len(rows(w.tenant, Bill)) == 2 and len(rows(w.tenant, Payment)) == 2
    assert len(rows(w.tenant, LedgerImport)) == 2


def test_arrears_overlapping_a_bill_are_refused(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    fee_unit = unit(w.tenant, w.cid, w.site, label="1栋1单元101", unit_id=w.ids["unit"])
    bill(w.tenant, w.cid, w.site, fee_unit, period="2026-03")
    line = ["小区", "1栋", "1", "101", "住宅", None, 87.35, None, None, None, "2026-01", "2026-04", 100, None]
    r = _upload(w.mgr, w.cid, _book([line]), headers={"Accept-Language": "en"})
    assert r.status_code == 422
    message = r.get_json()["errors"]["files"]["file"][0]
    assert message.startswith("Row 2, column “Arrears from (month)”") and "2026-03" in message
    assert len(rows(w.tenant, Bill)) == 1
    # the months after it are fine, and the existing fee unit (the register's home) is updated
    line[10], line[11] = "2026-04", "2026-04"
    ok = _upload(w.mgr, w.cid, _book([line]))
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["made"]["units_updated"] == 0 and ok.get_json()["made"]["bills"] == 1


def test_limits_and_who_may(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{w.cid}/ledger-imports"

    def refused(response, status=422):
        assert response.status_code == status, response.get_json()
        return response.get_json()

    assert "file" in str(refused(_upload(w.mgr, w.cid, b"not a workbook")))
    assert "file" in str(refused(_upload(w.mgr, w.cid, b"")))
    assert "file" in str(refused(_upload(w.mgr, w.cid, b"PK\x03\x04 broken")))
    assert "file" in str(refused(_upload(w.mgr, w.cid, b"PK\x03\x04" + b"0" * (10 * 1024 * 1024)), 422))
    missing = Workbook()
    missing.active.append(["Building", "Room"])
    missing.active.append(["1栋", "101"])
    out = io.BytesIO()
    missing.save(out)
    assert "Site" in str(refused(_upload(w.mgr, w.cid, out.getvalue(), headers={"Accept-Language": "en"})))
    assert "no rows" in str(refused(_upload(w.mgr, w.cid, _book([]), headers={"Accept-Language": "en"})))
    assert w.mgr.post(url, data={}, content_type="multipart/form-data").status_code == 422
    # a cashier and a clerk may not; another tenant's community is not there
    assert _upload(w.cashier, w.cid, _book(GOOD[:1])).status_code == 403
    assert _upload(w.clerk, w.cid, _book(GOOD[:1])).status_code in (403, 404)
    assert w.cashier.get(url).status_code == 403
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    assert _upload(other.mgr, w.cid, _book(GOOD[:1])).status_code == 404
    assert other.mgr.get(url).status_code == 404
    assert rows(w.tenant, FeeUnit) == []


def test_twenty_thousand_rows_in_seconds(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """20,000 shops and parking spaces (the register has few homes in a test) with arrears and
    balances, one import; and a sheet over the limit is refused whole."""
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    lines = [["小区", None, None, None, "车位" if i % 2 else "商铺", f"P-{i:05d}", "12.50", f"租户{i}",
              f"139{i:08d}", "2024-01-01", "2025-01", "2025-12", "540", "10" if i % 3 == 0 else None]
             for i in range(20_000)]
    content = _book(lines)
    started = time.monotonic()
    r = _upload(w.mgr, w.cid, content)
    took = time.monotonic() - started
    assert r.status_code == 201, str(r.get_json())[:500]
    made = r.get_json()["made"]
    assert made["units_created"] == 20_000 and made["bills"] == 20_000 and made["credits"] == 6667
    assert took < 60, took  # seconds on a quiet machine (SQLite ~5 s); generous for shared CI cores and PostgreSQL
    print(f"20,000 rows imported in {took:.1f} s")
    over = _upload(w.mgr, w.cid, _book(lines + [["小区", None, None, None, "商铺", "one more", 1, None, None, None,
                                                 None, None, None, None]]), headers={"Accept-Language": "en"})
    assert over.status_code == 422 and "more than 20000 rows" in str(over.get_json())
