"""Receipts: a PDF (241 × 93 mm, STSong-Light) and a .docx with the number, payer, items, the total
in capitals; downloads audited as exported when they name a person."""

from __future__ import annotations

import io
import zipfile

from _fees_rows import P, bill, unit, world
from wuye_fees.models import Payment

from wuye_core.plugins import db, tenant_context


def _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, {"payee_name": "径河红色物业"})
    w.unit = unit(w.tenant, w.cid, w.site, label="3栋1单元301")
    bill(w.tenant, w.cid, w.site, w.unit, amount_fen=3931, period="2026-10")
    r = w.cashier.post(f"{P}/communities/{w.cid}/payments",
                       json={"fee_unit_id": w.unit, "amount_fen": 5000, "method": "cash", "payer_name": "张三"})
    w.payment = r.get_json()
    return w


def test_pdf_and_docx(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = w.cashier.get(f"{P}/payments/{w.payment['id']}/receipt.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF") and r.mimetype == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"]
    from wuye_fees.receipts import receipt_pdf

    with w.tenant.app.test_request_context(), tenant_context(w.tenant.id):
        raw = receipt_pdf(db.session.get(Payment, w.payment["id"]), compress=False)
        db.session.remove()
    assert raw.startswith(b"%PDF") and w.payment["receipt_no"].encode() in raw and b"STSong-Light" in raw
    r = w.cashier.get(f"{P}/payments/{w.payment['id']}/receipt.docx")
    assert r.status_code == 200
    xml = zipfile.ZipFile(io.BytesIO(r.data)).read("word/document.xml").decode()
    for text in (w.payment["receipt_no"], "径河红色物业", "张三", "3栋1单元301", "2026-10", "39.31", "10.69", "50.00",
                 "伍拾元整"):
        assert text in xml, text
    audit = w.tenant.admin.get("/api/v1/audit").get_json()
    items = audit["items"] if isinstance(audit, dict) else audit
    assert [a["action"] for a in items].count("fees.exported") == 2
    assert w.clerk.get(f"{P}/payments/{w.payment['id']}/receipt.pdf").status_code == 403
