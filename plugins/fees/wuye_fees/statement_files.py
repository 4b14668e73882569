"""The quarterly statement's files, from one version's figures, in the current language (the
reader's for a download; Chinese for what is published — statements.publish sets it):

- **.xlsx** (the core's XlsxWriter: A4, one page wide, amounts as numbers with two decimals): the
  title, the scope and the quarter, the publisher, then one table — income (fees received, refunds
  deducted; other income by category), spending by category, the gap and how it was covered, the
  balance, and the collection of the quarter's bills.
- **.docx** (python-docx, A4, to print and post on the notice board): the title
  「××小区 2026 年第 3 季度物业服务费收支情况公示」, the same table, the publication period (公示期),
  the publisher and the date, and a supervision telephone line left blank to fill in by hand.

A draft's files say so at the top (草稿，未公示).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from wuye_core.plugins import XlsxWriter, download_name, plugin_config, tenant_name

from . import vocab
from .access import NAME
from .i18n import _
from .money import yuan

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MONEY_FORMAT = "#,##0.00"


def file_stem(figures: dict, version: int) -> str:
    """「物业费收支公示-幸福小区-2026Q3-v2」 (no extension)."""
    name = download_name(_("Fee income and spending statement"), figures.get("site_name") or figures["community_name"],
                         f"{figures['year']}Q{figures['quarter']}", f"v{version}", ext="x")
    return name[:-2]


def publisher(community_id: int | None = None) -> str:
    """Who publishes: the payee set in the community's fee settings, else the tenant (the company)."""
    payee = plugin_config(NAME, community_id).get("payee_name") if community_id else ""
    return payee or tenant_name()


def _long(day: date | str | None) -> str:
    if day is None:
        return "—"
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return _("%(year)s-%(month)02d-%(day)02d", year=day.year, month=day.month, day=day.day)


def rows(figures: dict) -> list[tuple]:
    """The statement's table: (kind, item, fen or rate or None, note) — kind "section", "line",
    "sub", "total", "rate"."""
    out: list[tuple] = [("section", _("I. Income"), None, "")]
    out.append(("line", _("Property service fees received"), figures["fee_income_fen"],
                _("Payments received in the quarter, refunds and reversals deducted")))
    if figures.get("fee_returned_fen"):
        out.append(("sub", _("of which: received"), figures["fee_received_fen"], ""))
        out.append(("sub", _("of which: refunded or reversed"), figures["fee_returned_fen"], ""))
    for code, message in vocab.INCOME_CATEGORIES.items():
        out.append(("line", message.translate(), figures["other_income"].get(code, 0), ""))
    for code, fen in figures["other_income"].items():  # a category no longer in the vocabulary
        if code not in vocab.INCOME_CATEGORIES:
            out.append(("line", code, fen, ""))
    out.append(("total", _("Total income"), figures["income_fen"], ""))
    out.append(("section", _("II. Spending"), None, ""))
    for code, message in vocab.SPENDING_CATEGORIES.items():
        out.append(("line", message.translate(), figures["spending"].get(code, 0), ""))
    for code, fen in figures["spending"].items():
        if code not in vocab.SPENDING_CATEGORIES:
            out.append(("line", code, fen, ""))
    out.append(("total", _("Total spending"), figures["spending_fen"], ""))
    out.append(("section", _("III. The gap and how it was covered"), None, ""))
    out.append(("line", _("Spending not covered by fees (the gap)"), figures["gap_fen"],
                _("Spending less property service fees received")))
    out.append(("line", _("Covered by other income"), figures["covered_fen"],
                _("Shop-front rent, parking rentals, government subsidy and other income")))
    balance = figures["balance_fen"]
    out.append(("total", _("Surplus") if balance >= 0 else _("Deficit"), abs(balance),
                _("Total income less total spending")))
    out.append(("section", _("IV. Collection of the quarter's bills"), None, ""))
    out.append(("line", _("Billed (discounts deducted)"), figures["billed_fen"],
                _("%(bills)s bills for periods starting in the quarter", bills=figures["bills"])))
    out.append(("line", _("Paid on them so far"), figures["billed_paid_fen"], ""))
    out.append(("rate", _("Collection rate"), figures["collection_rate"], _("Paid ÷ billed")))
    return out


def _heading_lines(figures: dict, community_id: int | None, version: int) -> list[str]:
    scope = figures.get("site_name") or _("%(community)s (the whole community)", community=figures["community_name"])
    lines = [_("Scope: %(scope)s", scope=scope),
             _("Period: %(start)s to %(end)s", start=_long(figures["period_start"]), end=_long(figures["period_end"])),
             _("Published by: %(publisher)s", publisher=publisher(community_id)),
             _("Version %(version)s", version=version), _("Amounts in yuan")]
    return lines


def _is_draft(figures: dict) -> bool:
    return not figures.get("publish_from")


def xlsx_bytes(figures: dict, version: int, community_id: int | None = None) -> bytes:
    from openpyxl.styles import Font

    from .statements import title

    book = XlsxWriter()
    sheet = book.sheet(_("Statement"), widths=[40, 18, 46], wrap=[1, 3], title_rows=0,
                       page_header=title(figures), landscape=False)
    sheet.append([sheet.cell(title(figures), font=Font(bold=True, size=14))])
    if _is_draft(figures):
        sheet.append([sheet.cell(_("DRAFT — not published"), font=Font(bold=True, color="C00000"))])
    for line in _heading_lines(figures, community_id, version):
        sheet.append([line])
    if not _is_draft(figures):
        sheet.append([_("Publication period: %(start)s to %(end)s", start=_long(figures.get("publish_from")),
                        end=_long(figures.get("publish_until")))])
    sheet.append([])
    bold = Font(bold=True)
    sheet.append([sheet.cell(_("Item"), font=bold), sheet.cell(_("Amount (yuan)"), font=bold),
                  sheet.cell(_("Note"), font=bold)])
    for kind, item, value, note in rows(figures):
        if kind == "section":
            sheet.append([sheet.cell(item, font=bold)])
        elif kind == "rate":
            sheet.append(["    " + item, sheet.cell(value, number_format="0.0%") if value is not None else "—", note])
        else:
            label = item if kind == "total" else ("        " + item if kind == "sub" else "    " + item)
            amount = sheet.cell(Decimal(value) / 100, number_format=MONEY_FORMAT, font=bold if kind == "total" else None)
            sheet.append([sheet.cell(label, font=bold) if kind == "total" else label, amount, note])
    sheet.append([])
    sheet.append([_("Supervision telephone: ____________")])
    return book.to_bytes()


def _font(run, size: float | None = None, bold: bool | None = None, east_asia: str = "SimSun") -> None:
    """A run's size, weight and font, the East Asian font too (Word takes Chinese text's font from
    `w:eastAsia`)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    run.font.name = east_asia
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asia)


def _cell(cell, text: str, bold: bool = False, align=None) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    if align is not None:
        paragraph.alignment = align
    _font(paragraph.add_run(text), size=10.5, bold=bold)


def docx_bytes(figures: dict, version: int, community_id: int | None = None) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from .statements import title

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.2)
    doc.styles["Normal"].font.size = Pt(11)
    if _is_draft(figures):
        mark = doc.add_paragraph()
        mark.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(mark.add_run(_("DRAFT — not published")), size=12, bold=True)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_after = Pt(12)
    _font(heading.add_run(title(figures)), size=18, bold=True, east_asia="SimHei")
    for line in _heading_lines(figures, community_id, version):
        _font(doc.add_paragraph().add_run(line), size=11)

    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, (_("Item"), _("Amount (yuan)"), _("Note")), strict=True):
        _cell(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for kind, item, value, note in rows(figures):
        cells = table.add_row().cells
        if kind == "section":
            merged = cells[0].merge(cells[2])
            _cell(merged, item, bold=True)
            continue
        if kind == "rate":
            amount = "—" if value is None else f"{value * 100:.1f}%"
        else:
            amount = yuan(value, True)
        indent = {"line": "　", "sub": "　　"}.get(kind, "")
        _cell(cells[0], indent + item, bold=kind == "total")
        _cell(cells[1], amount, bold=kind == "total", align=WD_ALIGN_PARAGRAPH.RIGHT)
        _cell(cells[2], note)
    for row in table.rows:
        for cell, width in zip(row.cells, (Cm(6.2), Cm(3.4), Cm(7)), strict=True):
            cell.width = width

    explain = doc.add_paragraph()
    explain.paragraph_format.space_before = Pt(12)
    explain.paragraph_format.first_line_indent = Pt(22)
    gap_fen, balance = figures["gap_fen"], figures["balance_fen"]
    if gap_fen > 0:
        text = _("This quarter's property service fees fell short of the spending by %(gap)s yuan; other income "
                 "covered %(covered)s yuan of it.", gap=yuan(gap_fen, True), covered=yuan(figures["covered_fen"], True))
    else:
        text = _("This quarter's property service fees covered the spending.")
    text += " " + (_("The quarter closes with a surplus of %(amount)s yuan.", amount=yuan(balance, True))
                   if balance >= 0 else
                   _("The quarter closes with a deficit of %(amount)s yuan.", amount=yuan(-balance, True)))
    _font(explain.add_run(text), size=11)

    period = doc.add_paragraph()
    period.paragraph_format.space_before = Pt(12)
    if _is_draft(figures):
        _font(period.add_run(_("Publication period: set when published")), size=11)
    else:
        _font(period.add_run(_("Publication period: %(start)s to %(end)s", start=_long(figures.get("publish_from")),
                               end=_long(figures.get("publish_until")))), size=11)
    ask = doc.add_paragraph()
    _font(ask.add_run(_("Residents with questions may ask during the publication period.")), size=11)
    phone = doc.add_paragraph()
    _font(phone.add_run(_("Supervision telephone: ____________")), size=11)

    for text, space in ((publisher(community_id), Pt(30)), (_long(figures.get("publish_from")), Pt(6))):
        line = doc.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        line.paragraph_format.space_before = space
        _font(line.add_run(text), size=12)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
