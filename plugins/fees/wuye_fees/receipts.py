"""Receipts (收款收据) of payments, as .docx (python-docx) and .pdf (reportlab).

The PDF is the size of the pre-printed three-part receipt forms (三联收据, 241 × 93 mm) and uses
the reader's built-in STSong-Light (`UnicodeCIDFont`): no font file is shipped. A receipt shows
the payee (config `payee_name`, else the tenant's name), its number, the day, the payer, the fee
unit, each bill's period and the amount set against it (and the credit left, 预收), the total in
figures and in capitals (大写), how it was paid, the cashier's name and a space for the seal. A
payment refunded or reversed since says so (已退款 / 已冲正) with the amount.

`receipt_data(payment)` is the content (for the console's receipt page too); the routes record
the download as "exported" when the receipt names a person.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from wuye_core.plugins import beijing, db, plugin_config, staff_names, tenant_name

from . import vocab
from .access import NAME
from .i18n import _
from .models import Allocation, Bill, FeeUnit
from .money import chinese_amount, yuan

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def receipt_data(payment) -> dict:
    """What a receipt shows (strings and fen), in the reader's language."""
    from .refunds import taken_back

    config = plugin_config(NAME, payment.community_id)
    unit = db.session.get(FeeUnit, payment.fee_unit_id) if payment.fee_unit_id else None
    rows = db.session.execute(
        select(Bill.period_label, Bill.period_start, Allocation.amount_fen).join(Bill, Bill.id == Allocation.bill_id)
        .where(Allocation.payment_id == payment.id).order_by(Bill.period_start, Allocation.id)).all()
    items: dict[str, int] = {}
    for label, _start, fen in rows:
        if fen:
            items[label] = items.get(label, 0) + int(fen)
    allocated = sum(items.values())
    lines = [{"text": _("Property fee %(period)s", period=label), "amount_fen": fen} for label, fen in items.items()]
    if payment.amount_fen - allocated > 0:
        lines.append({"text": _("Paid in advance (credit)"), "amount_fen": payment.amount_fen - allocated})
    if unit is None and not rows:
        lines = [{"text": _("Online payment, not matched to a unit yet"), "amount_fen": payment.amount_fen}]
    back = taken_back([payment.id])[payment.id]
    status = []
    if back["reversed_fen"]:
        status.append(_("Reversed: %(amount)s yuan", amount=yuan(back["reversed_fen"])))
    if back["refunded_fen"]:
        status.append(_("Refunded: %(amount)s yuan", amount=yuan(back["refunded_fen"])))
    cashier = staff_names([payment.recorded_by]).get(payment.recorded_by, payment.recorded_by)
    payer = payment.payer_name or (unit.payer_name if unit is not None else None) or ""
    return {"payee": config.get("payee_name") or tenant_name(), "receipt_no": payment.receipt_no or "",
            "date": beijing(payment.paid_at)[:10], "time": beijing(payment.paid_at)[11:16],
            "payer": payer, "unit": unit.label if unit is not None else "", "lines": lines,
            "total_fen": payment.amount_fen, "total": yuan(payment.amount_fen, grouping=True),
            "capitals": chinese_amount(payment.amount_fen),
            "method": vocab.label(vocab.PAYMENT_METHODS, payment.method), "reference": payment.reference or "",
            "cashier": cashier, "status": status, "reversed": bool(back["reversed_fen"]),
            "refunded": bool(back["refunded_fen"]), "names_person": bool(payer)}


# --- .docx -------------------------------------------------------------------------------------------


def receipt_docx(payment) -> bytes:
    """The receipt of a payment (a journal row of kind "payment") as a Word document."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    d = receipt_data(payment)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(148)  # A5, landscape
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(12))
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.font.name = "SimSun"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT_ZH)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"{d['payee']}\n{_('Receipt')}")
    run.bold, run.font.size = True, Pt(15)
    if d["status"]:
        mark = doc.add_paragraph()
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        bold = mark.add_run("（" + "；".join(d["status"]) + "）")
        bold.bold = True
    doc.add_paragraph(f"{_('Receipt No.')}: {d['receipt_no']}    {_('Date')}: {d['date']}")
    doc.add_paragraph(f"{_('Payer')}: {d['payer']}    {_('Unit')}: {d['unit']}")
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = _("Item"), _("Amount (yuan)")
    for line in d["lines"]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = line["text"], yuan(line["amount_fen"], grouping=True)
    cells = table.add_row().cells
    cells[0].text, cells[1].text = _("Total"), d["total"]
    doc.add_paragraph(f"{_('Total in capitals')}: {d['capitals']}")
    method = d["method"] + (f"（{d['reference']}）" if d["reference"] else "")
    doc.add_paragraph(f"{_('Paid by')}: {method}    {_('Cashier')}: {d['cashier']}")
    doc.add_paragraph(f"{_('Seal of the payee')}:\n\n\n")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- .pdf --------------------------------------------------------------------------------------------

FONT = "STSong-Light"
FONT_ZH = "宋体"  # the .docx's East Asian font: its name, as Word knows it


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def receipt_pdf(payment, compress: bool = True) -> bytes:
    """The receipt of a payment as a PDF, 241 × 93 mm (三联收据), STSong-Light (no font file).
    `compress=False`: uncompressed and invariant (tests look for the number in the bytes)."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    d = receipt_data(payment)
    font = _font()
    width, height = 241 * mm, 93 * mm
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(width, height), pageCompression=1 if compress else 0,
                      invariant=0 if compress else 1)
    c.setTitle(f"{_('Receipt')} {d['receipt_no']}")
    left, right = 10 * mm, width - 10 * mm
    y = height - 11 * mm
    c.setFont(font, 13)
    c.drawCentredString(width / 2, y, f"{d['payee']} {_('Receipt')}")
    c.setFont("Helvetica", 10)  # the number in a standard font: plain in the page's text
    c.drawRightString(right, y, d["receipt_no"])
    y -= 7 * mm
    c.setFont(font, 9)
    c.drawString(left, y, f"{_('Date')}: {d['date']} {d['time']}")
    c.drawString(left + 55 * mm, y, f"{_('Payer')}: {d['payer']}")
    c.drawString(left + 120 * mm, y, f"{_('Unit')}: {d['unit']}")
    if d["status"]:
        c.setFont(font, 11)
        c.drawRightString(right, y, "；".join(d["status"]))
        c.setFont(font, 9)
    # the items' table
    y -= 3 * mm
    table_right = right - 45 * mm  # the seal's box on the right
    row = 5.2 * mm
    lines = d["lines"]
    if len(lines) > 6:  # a small form: the oldest periods together
        rest = lines[5:]
        lines = [*lines[:5], {"text": _("%(n)s more periods", n=len(rest)), "amount_fen": sum(x["amount_fen"] for x in rest)}]
    c.setLineWidth(0.6)
    c.rect(left, y - row * (len(lines) + 2), table_right - left, row * (len(lines) + 2))
    c.drawString(left + 2 * mm, y - row + 1.5 * mm, _("Item"))
    c.drawRightString(table_right - 2 * mm, y - row + 1.5 * mm, _("Amount (yuan)"))
    for i, line in enumerate(lines, 1):
        c.line(left, y - row * i, table_right, y - row * i)
        c.drawString(left + 2 * mm, y - row * (i + 1) + 1.5 * mm, line["text"])
        c.drawRightString(table_right - 2 * mm, y - row * (i + 1) + 1.5 * mm, yuan(line["amount_fen"], grouping=True))
    i = len(lines) + 1
    c.line(left, y - row * i, table_right, y - row * i)
    c.drawString(left + 2 * mm, y - row * (i + 1) + 1.5 * mm, f"{_('Total')} ({_('in capitals')}): {d['capitals']}")
    c.drawRightString(table_right - 2 * mm, y - row * (i + 1) + 1.5 * mm, f"¥{d['total']}")
    # the seal's space
    c.rect(table_right + 5 * mm, y - 38 * mm, 35 * mm, 38 * mm)
    c.drawCentredString(table_right + 22.5 * mm, y - 42 * mm, _("Seal of the payee"))
    method = d["method"] + (f"（{d['reference']}）" if d["reference"] else "")
    c.drawString(left, 8 * mm, f"{_('Paid by')}: {method}")
    c.drawString(left + 80 * mm, 8 * mm, f"{_('Cashier')}: {d['cashier']}")
    c.showPage()
    c.save()
    return out.getvalue()
