"""The payments area's console pages: the cashier's desk (find, pay, the receipt page), the journal
with the daily summary, refunds (the manager), matching, the account, the arrears."""

from __future__ import annotations

import re

from _fees_rows import C, P, bill, rows, unit, world
from wuye_fees.models import Bill, Payment
from wuye_fees.payment_codes import payment_code


def _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    w.unit = unit(w.tenant, w.cid, w.site, label="3栋1单元301")
    w.b1 = bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3931, period="2026-09")
    w.b2 = bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3931, period="2026-10")
    return w


def test_desk_pay_receipt_refund(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    console = w.tenant.console("cashier", "password-123")
    page = console.get(f"{C}/communities/{w.cid}/cashier?lang=en&q=301").get_data(as_text=True)
    assert "3栋1单元301" in page and payment_code(w.unit) in page and "78.62" in page  # one found: its bills
    page = console.get(f"{C}/communities/{w.cid}/cashier?lang=en&q={payment_code(w.unit)}").get_data(as_text=True)
    assert 'name="bill_ids"' in page and 'value="78.62"' in page
    r = console.post(f"{C}/communities/{w.cid}/cashier?lang=en",
                     data={"fee_unit_id": w.unit, "amount": "abc", "method": "cash", "bill_ids": [w.b1]})
    assert r.status_code == 422 and 'id="e-amount"' in r.get_data(as_text=True)
    r = console.post(f"{C}/communities/{w.cid}/cashier",
                     data={"fee_unit_id": w.unit, "amount": "39.31", "method": "cash", "bill_ids": [w.b1],
                           "payer_name": "张三"})
    assert r.status_code == 303, r.get_data(as_text=True)
    [p] = rows(w.tenant, Payment)
    assert r.headers["Location"].endswith(f"/payments/{p['id']}") and p["amount_fen"] == 3931
    page = console.get(f"{C}/payments/{p['id']}?lang=en").get_data(as_text=True)
    assert p["receipt_no"] in page and "叁拾玖元叁角壹分" in page and "张三" in page and "receipt.pdf" in page
    assert "Refund or reverse" not in page  # the cashier: no refund form
    assert console.post(f"{C}/payments/{p['id']}/refund", data={"kind": "reversal", "reason": "x"}).status_code == 403
    assert console.get(f"{C}/payments/{p['id']}/receipt.pdf").data.startswith(b"%PDF")
    # the manager reverses it
    mgr = w.tenant.console("mgr", "password-123")
    assert "Refund or reverse" in mgr.get(f"{C}/payments/{p['id']}?lang=en").get_data(as_text=True)
    r = mgr.post(f"{C}/payments/{p['id']}/refund?lang=en", data={"kind": "refund", "amount": "100", "reason": "x"})
    assert r.status_code == 422 and 'id="e-amount"' in r.get_data(as_text=True)
    r = mgr.post(f"{C}/payments/{p['id']}/refund", data={"kind": "reversal", "reason": "录错"})
    assert r.status_code == 303
    assert {b["id"]: b["status"] for b in rows(w.tenant, Bill)}[w.b1] == "open"
    page = mgr.get(f"{C}/payments/{p['id']}?lang=en").get_data(as_text=True)
    assert "Reversed: 39.31 yuan" in page
    # the journal, the account, the arrears
    page = console.get(f"{C}/communities/{w.cid}/payments?lang=en").get_data(as_text=True)
    assert "Daily summary" in page and p["receipt_no"] in page and "-39.31" in page
    page = console.get(f"{C}/units/{w.unit}/account?lang=en").get_data(as_text=True)
    assert "78.62" in page and payment_code(w.unit) in page
    page = console.get(f"{C}/communities/{w.cid}/arrears?lang=en").get_data(as_text=True)
    assert "3栋1单元301" in page and "Over a year" in page
    assert re.search(r"<link[^>]+fees-payments\.css", page)
    # no inline script or style
    for path in (f"/communities/{w.cid}/cashier?q=301", f"/payments/{p['id']}", f"/communities/{w.cid}/arrears"):
        html = console.get(C + path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html


def test_console_roles(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    clerk = w.tenant.console("clerk", "password-123")
    for path in ("cashier", "payments", "arrears"):
        assert clerk.get(f"{C}/communities/{w.cid}/{path}").status_code == 403
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    console = other.tenant.console("cashier", "password-123")
    assert console.get(f"{C}/units/{w.unit}/account").status_code == 404


def test_match_an_unmatched_payment_in_the_console(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from test_fees_provider import _data, _deliver

    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    _deliver(w, _data(w, payment_code="1-1"))
    [p] = rows(w.tenant, Payment)
    console = w.tenant.console("cashier", "password-123")
    assert "not matched" in console.get(f"{C}/communities/{w.cid}/payments?lang=en").get_data(as_text=True)
    r = console.post(f"{C}/payments/{p['id']}/match", data={"unit": payment_code(w.unit)})
    assert r.status_code == 303
    assert w.cashier.get(f"{P}/payments/{p['id']}").get_json()["matched"] is True
