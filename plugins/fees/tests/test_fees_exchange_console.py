"""The console's "Import and export" tab: the template, an upload with its result, an upload with
errors as a table (nothing stored), the export forms and their refusals, who may."""

from __future__ import annotations

import io

from _fees_rows import C, bill, rows, unit, world
from openpyxl import load_workbook
from test_fees_import import GOOD, _book, _homes
from wuye_fees.models import FeeUnit

PASSWORD = "password-123"


def _csrf(page: str) -> str:
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


def _post_file(console, url, content: bytes, name="台账.xlsx"):
    token = _csrf(console.get(url).get_data(as_text=True))
    return console.post(url, data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")


def test_the_page_imports_and_shows_the_result(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _homes(w, "102")
    console = w.tenant.console("mgr", PASSWORD)
    url = f"{C}/communities/{w.cid}/import"
    page = console.get(url + "?lang=en").get_data(as_text=True)
    assert "Import the existing fee ledger" in page and "Export bills" in page and "Export the payments journal" in page
    assert f"/communities/{w.cid}/ledger-template.xlsx" in page and 'aria-current="page"' in page
    assert "fees-exchange.css" in page and "<style" not in page and "<script>" not in page
    template = console.get(f"{C}/communities/{w.cid}/ledger-template.xlsx")
    assert template.status_code == 200 and load_workbook(io.BytesIO(template.data)).worksheets[0].max_column == 14
    r = _post_file(console, url, _book(GOOD))
    assert r.status_code == 303 and "done=" in r.headers["Location"]
    shown = console.get(r.headers["Location"].split("#")[0] + "&lang=en").get_data(as_text=True)
    assert "Imported: 5 rows of 台账.xlsx" in shown and "1,907.54" in shown and "Recent imports" in shown
    assert len(rows(w.tenant, FeeUnit)) == 5


def test_the_page_shows_row_errors_as_a_table(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    console = w.tenant.console("mgr", PASSWORD)
    url = f"{C}/communities/{w.cid}/import?lang=en"
    bad = [["小区", "1栋", "1", "999", "住宅", None, 80, None, None, None, None, None, None, None],
           ["火星", None, None, None, "商铺", "A", 10, None, "123", None, None, None, None, None]]
    r = _post_file(console, url, _book(bad))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "The sheet has 3 errors: nothing was stored" in page
    assert '<td data-label="Row" class="fe-num">2</td><td data-label="Column">Room</td>' in page
    assert "No site “火星” in this community." in page and "Payer&#39;s phone" in page
    assert rows(w.tenant, FeeUnit) == []
    # no file chosen; not a workbook
    token = _csrf(console.get(url).get_data(as_text=True))
    assert console.post(url, data={"csrf_token": token}, content_type="multipart/form-data").status_code == 422
    r = _post_file(console, url, b"hello")
    assert r.status_code == 422 and "cannot be read as an Excel workbook" in r.get_data(as_text=True)


def test_the_export_forms(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    fee_unit = unit(w.tenant, w.cid, w.site, unit_id=w.ids["unit"])
    bill(w.tenant, w.cid, w.site, fee_unit, period="2026-11")
    console = w.tenant.console("mgr", PASSWORD)
    r = console.get(f"{C}/communities/{w.cid}/bills.xlsx?period=2026-11&status=&site_id=&kind=")
    assert r.status_code == 200 and f"fees-bills-{w.cid}-2026-11.xlsx" in r.headers["Content-Disposition"]
    r = console.get(f"{C}/communities/{w.cid}/payments.xlsx?from=2026-11-01&to=2026-11-30")
    assert r.status_code == 200 and "fees-payments" in r.headers["Content-Disposition"]
    refused = console.get(f"{C}/communities/{w.cid}/bills.xlsx?period=2026-13&lang=en")
    assert refused.status_code == 422 and "Write a period as 2026-11" in refused.get_data(as_text=True)
    refused = console.get(f"{C}/communities/{w.cid}/payments.xlsx?from=2026-12-01&to=2026-11-01&lang=en")
    assert refused.status_code == 422 and "after its end" in refused.get_data(as_text=True)


def test_a_cashier_may_not(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    console = w.tenant.console("cashier", PASSWORD)
    for path in ("import", "ledger-template.xlsx", "bills.xlsx", "payments.xlsx"):
        assert console.get(f"{C}/communities/{w.cid}/{path}").status_code == 403, path
    assert console.get(f"{C}/communities/{w.cid + 999}/import").status_code == 404
