"""The claim sheet (公益性岗位人员实名制花名册及补贴申报表): one month's subsidies as the district
人社 office expects them with the monthly claim, written with wuye's `XlsxWriter`.

Layout (one sheet, A4 landscape fitted to the page width, the first three rows on every page):
a title row "<YYYY>年<M>月公益性岗位人员实名制花名册及补贴申报表"; a row with the claiming unit
(申报单位: the tenant and the community), the receiving office (受理单位: config
`claim_office`) and the month; the header; one row per subsidy (money in yuan, numbers with two
decimals); a totals row; the signature line (经办人 负责人 单位（盖章） 日期).

The office needs the full ID number and bank account: the sheet is for the roster manager only
(the routes check) and every download is recorded in the audit trail. Its words follow the
reader's language (Chinese by default).

A draft can be downloaded too — to check it against the paper attendance sheets before
submitting — and says so: "（草稿）" after the title, and "草稿" in the file's name. Only a
submitted month's sheet is the claim.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from openpyxl.styles import Font
from sqlalchemy import select

from wuye_core.plugins import (
    Community,
    Site,
    XlsxWriter,
    db,
    download_name,
    plugin_config,
    record_audit,
    tenant_name,
    xlsx_response,
)

from . import vocab
from .access import NAME
from .i18n import _
from .models import Placement, Post, Subsidy, SubsidyMonth, Worker
from .subsidies import last_day, month_text

YUAN = "0.00"
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
WIDTHS = [5, 8, 5, 20, 12, 16, 14, 11, 11, 7, 7, 10, 10, 10, 14, 22, 16]


def yuan(fen: int) -> Decimal:
    """Fen as yuan, exactly (Decimal: written as a number)."""
    return Decimal(fen) / 100


def header() -> list[str]:
    return [_("No."), _("Name"), _("Gender"), _("ID number"), _("Group"), _("Post name"), _("Post location"),
            _("Placed on"), _("Placement ends on"), _("Days required"), _("Days counted"),
            _("Post subsidy (yuan)"), _("Insurance subsidy (yuan)"), _("Total (yuan)"), _("Bank"),
            _("Bank account"), _("Remarks")]


def _remarks(worker: Worker, placement: Placement, first: date) -> str | None:
    notes = []
    if placement.exited_on is not None and first <= placement.exited_on <= last_day(first):
        notes.append(_("Left the post on %(day)s", day=placement.exited_on.isoformat()))
    if worker.erased_at is not None:
        notes.append(_("Personal data erased"))
    return "; ".join(notes) or None


def roster_workbook(month: SubsidyMonth) -> tuple[XlsxWriter, int]:
    """The month's claim sheet and its number of people."""
    first = month.month
    community = db.session.get(Community, month.community_id)
    office = plugin_config(NAME, month.community_id).get("claim_office") or ""
    rows = db.session.scalars(select(Subsidy).where(Subsidy.month_id == month.id).order_by(Subsidy.id)).all()
    workers = {w.id: w for w in db.session.scalars(select(Worker).where(Worker.id.in_({r.worker_id for r in rows})))}
    placements = {p.id: p for p in db.session.scalars(
        select(Placement).where(Placement.id.in_({r.placement_id for r in rows})))}
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_({r.post_id for r in rows})))}
    sites = dict(db.session.execute(
        select(Site.id, Site.name).where(Site.id.in_({p.site_id for p in posts.values()}))).all())

    title = _("%(year)s-%(month)s public-welfare job real-name roster and subsidy claim",
              year=first.year, month=first.month)
    if month.status != "submitted":
        title = _("%(title)s (draft)", title=title)
    book = XlsxWriter()
    sheet = book.sheet(_("Roster"), widths=WIDTHS, freeze="A4", title_rows=3, landscape=True, wrap=[6, 7, 17],
                       page_header=title)
    blank = [None] * len(WIDTHS)
    sheet.append([sheet.cell(title, font=TITLE_FONT)])
    info = list(blank)
    info[0] = _("Claiming unit: %(name)s", name=f"{tenant_name()} {community.name}")
    info[7] = _("Receiving office: %(name)s", name=office)
    info[13] = _("Month: %(month)s", month=_("%(year)s-%(month)s", year=first.year, month=first.month))
    sheet.append(info)
    sheet.append([sheet.cell(text, font=BOLD) for text in header()])
    post_total = insurance_total = 0
    for number, row in enumerate(rows, 1):
        worker, placement, post = workers[row.worker_id], placements[row.placement_id], posts[row.post_id]
        total = row.post_subsidy_fen + row.insurance_subsidy_fen
        post_total += row.post_subsidy_fen
        insurance_total += row.insurance_subsidy_fen
        sheet.append([
            number, worker.name, vocab.label(vocab.GENDERS, worker.gender), worker.id_number,
            vocab.label(vocab.GROUPS, worker.group), post.name, sites.get(post.site_id), placement.starts_on,
            placement.ends_on, row.days_required, row.days_counted,
            sheet.cell(yuan(row.post_subsidy_fen), number_format=YUAN),
            sheet.cell(yuan(row.insurance_subsidy_fen), number_format=YUAN),
            sheet.cell(yuan(total), number_format=YUAN),
            worker.bank_name, worker.bank_account, _remarks(worker, placement, first),
        ])
    totals = list(blank)
    totals[1] = sheet.cell(_("Total"), font=BOLD)
    totals[3] = _("%(n)s people", n=len(rows))
    totals[11] = sheet.cell(yuan(post_total), number_format=YUAN, font=BOLD)
    totals[12] = sheet.cell(yuan(insurance_total), number_format=YUAN, font=BOLD)
    totals[13] = sheet.cell(yuan(post_total + insurance_total), number_format=YUAN, font=BOLD)
    sheet.append(totals)
    sheet.append(blank)
    signatures = list(blank)
    signatures[1] = _("Prepared by:")
    signatures[5] = _("Person in charge:")
    signatures[9] = _("Unit (seal):")
    signatures[14] = _("Date:")
    sheet.append(signatures)
    return book, len(rows)


def roster_download(month: SubsidyMonth):
    """The month's claim sheet as a download, recorded in the audit trail (API and console)."""
    book, people = roster_workbook(month)
    record_audit(NAME, "exported", target_type="subsidy_month", target_id=month.id, details={"rows": people})
    community = db.session.get(Community, month.community_id)
    draft = month.status != "submitted"
    text = month_text(month.month)
    return xlsx_response(
        book.save,
        download_name("welfare-jobs-roster", month.community_id, text, "draft" if draft else None, ext="xlsx"),
        download_name(_("Public-welfare job roster"), community.name, text, _("draft") if draft else None,
                      ext="xlsx"))
