"""志愿服务证明: the certificate the alliance issues to a member for a period, on request
(志愿服务记录与证明出具办法), as a Word document ready to print and stamp.

- **Issuing** (`issue`, the manager): a member of the community and a period (Beijing dates, both
  included) holding at least one of the member's service records (else 422 `period_start`). The
  certificate's row keeps the figures as issued: the number of records and their minutes.
- **Numbers**: `<certificate_prefix>〔YYYY〕第 NNNN 号`, one sequence per tenant and year (the year
  of the issue, Beijing time), never given twice: the community's alliance row is locked while
  the number is taken (issues in one community wait for each other) and the unique index
  (tenant, number) stands behind it — an issue in another community of the tenant that took the
  same number first makes this one take the next (a savepoint, then a fresh look).
- **The document** (`write_docx`, python-docx, A4): the number, the title 志愿服务证明, the
  sentence "兹证明 … 参加志愿服务 N 次，累计服务时长 H 小时" (the ID number masked, when known),
  a table of the records (date, content, place, hours), the purpose if given, the issuer and the
  date with room for the stamp. It is built on each download from the row and the member's
  records as they were at the issue (`record_corrections.as_of`: corrections made since are
  undone, records entered since are left out), and the totals printed are the stored ones: a
  certificate downloaded again says what it said the first time.
- Every download is an export of personal data: `volunteers.exported` in the audit trail.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import (
    LOCAL_TZ,
    Conflict,
    current_locale,
    db,
    download_name,
    download_response,
    invalid,
    mask_id_card,
    plugin_config,
    record_audit,
    staff_names,
)

from .access import NAME
from .alliance import alliance_row, names
from .i18n import N_, _
from .models import Alliance, Certificate, Member, ServiceRecord
from .record_corrections import as_of
from .records import in_period, member_names

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# 证明编号: a Chinese document number (志证〔2026〕第 0007 号) in every reader's language
SERIAL_ZH = re.compile(r"第\s*(\d+)\s*号")
NUMBER_ZH = "{prefix}〔{year}〕第 {serial:04d} 号"
DEFAULT_PREFIX_ZH = "志证"
ATTEMPTS = 20  # numbers taken by other communities at the same moment, at most


def hours(minutes: int | None) -> str:
    """Minutes as hours the way people read them: 90 → "1.5", 120 → "2" (console.hours_text)."""
    if minutes is None:
        return ""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def long_date(day: date) -> str:
    """A date as a document gives it: 2026年12月4日 / December 4, 2026."""
    from babel.dates import format_date

    return format_date(day, format="long", locale=current_locale())


# --- numbers ----------------------------------------------------------------------------------------


def number_text(prefix: str, year: int, serial: int) -> str:
    return NUMBER_ZH.format(prefix=prefix, year=year, serial=serial)


def next_serial(year: int) -> int:
    """The next serial of the tenant's certificates of `year` (whatever their prefix)."""
    numbers = db.session.scalars(select(Certificate.number).where(Certificate.number.like(f"%〔{year}〕%"))).all()
    return max((int(m.group(1)) for n in numbers if (m := SERIAL_ZH.search(n))), default=0) + 1


# --- issuing ----------------------------------------------------------------------------------------


def period_figures(member_id: int, first: date, last: date) -> tuple[int, int]:
    """(records, minutes) of the member's records that started on the Beijing days `first` to `last`."""
    count, minutes = db.session.execute(
        select(func.count(ServiceRecord.id), func.coalesce(func.sum(ServiceRecord.minutes), 0))
        .where(ServiceRecord.member_id == member_id, *in_period(ServiceRecord.started_at, first, last))).one()
    return int(count), int(minutes)


def _lock_alliance(community_id: int) -> None:
    """The community's alliance row, locked until the transaction ends; made first when missing (in a
    savepoint: two first uses at once make it once, and the second then waits for its lock)."""
    if db.session.scalar(select(Alliance.id).where(Alliance.community_id == community_id)) is None:
        try:
            with db.session.begin_nested():
                alliance_row(community_id)
        except IntegrityError:
            pass
    alliance_row(community_id, lock=True)


def issue(community_id: int, data: dict, by: str, now: datetime | None = None) -> Certificate:
    """Issue a certificate to `data["member_id"]` for `period_start`–`period_end` (and `purpose`);
    flushed, the caller commits (soon: the alliance's row stays locked until then)."""
    member = db.session.get(Member, data["member_id"])
    if member is None or member.community_id != community_id:
        invalid("member_id", N_("No such member in this community."))
    if member.erased_at is not None:
        invalid("member_id", N_("This member's personal data were erased: no certificate can name them."))
    first, last = data["period_start"], data["period_end"]
    _lock_alliance(community_id)  # one issue at a time in the community: numbers in order
    records, minutes = period_figures(member.id, first, last)
    if records == 0:
        invalid("period_start", N_("The member has no service record in this period."))
    now = now or datetime.now(UTC)
    year = now.astimezone(LOCAL_TZ).year
    prefix = (plugin_config(NAME, community_id).get("certificate_prefix") or DEFAULT_PREFIX_ZH).strip()
    purpose = (data.get("purpose") or "").strip() or None
    for _attempt in range(ATTEMPTS):
        certificate = Certificate(
            community_id=community_id, member_id=member.id, number=number_text(prefix, year, next_serial(year)),
            period_start=first, period_end=last, minutes=minutes, records=records, purpose=purpose, issued_by=by,
            issued_at=now)
        try:
            with db.session.begin_nested():  # another community of the tenant may take the number first
                db.session.add(certificate)
        except IntegrityError:
            continue
        return certificate
    raise Conflict(N_("No certificate number could be taken now; try again."))


def list_query(community_id: int, args: dict):
    stmt = select(Certificate).where(Certificate.community_id == community_id)
    if args.get("member_id") is not None:
        stmt = stmt.where(Certificate.member_id == args["member_id"])
    return stmt


def certificates_out(certificates: list[Certificate]) -> list[dict]:
    member = member_names(c.member_id for c in certificates)
    staff = staff_names(c.issued_by for c in certificates)
    return [{
        "id": c.id, "community_id": c.community_id, "member_id": c.member_id, "member_name": member.get(c.member_id),
        "number": c.number, "period_start": c.period_start, "period_end": c.period_end, "records": c.records,
        "minutes": c.minutes, "purpose": c.purpose, "issued_by": c.issued_by,
        "issued_by_name": staff.get(c.issued_by, c.issued_by), "issued_at": c.issued_at,
    } for c in certificates]


def certificate_records(certificate: Certificate) -> list[dict]:
    """The records the certificate covers, as they were when it was issued, by start: the member's
    records confirmed by then, with the corrections made since undone, that started in its period."""
    records = db.session.scalars(
        select(ServiceRecord).where(ServiceRecord.member_id == certificate.member_id,
                                    ServiceRecord.confirmed_at <= certificate.issued_at)
        .order_by(ServiceRecord.started_at, ServiceRecord.id)).all()
    rows = []
    for values in as_of(list(records), certificate.issued_at):
        day = values["started_at"].astimezone(LOCAL_TZ).date()
        if certificate.period_start <= day <= certificate.period_end:
            rows.append({**values, "day": day})
    rows.sort(key=lambda row: (row["started_at"], row["id"]))
    return rows


# --- the document -----------------------------------------------------------------------------------


def _font(run, size: float | None = None, bold: bool | None = None, east_asia: str | None = "SimSun") -> None:
    """A run's size, weight and font, the East Asian font too (Word takes Chinese text's font from
    `w:eastAsia`, not from `w:ascii`): as care_visits' brief sets it."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if east_asia:
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


def certificate_text(certificate: Certificate, member: Member, alliance: str) -> str:
    """The certificate's sentence: who (ID number masked), when, where, how many times, how long."""
    who = member.name
    if member.id_number:
        who = _("%(name)s (ID number %(id_number)s)", name=who, id_number=mask_id_card(member.id_number))
    return _("This is to certify that %(who)s served as a volunteer with %(alliance)s from %(start)s to %(end)s: "
             "%(records)s services, %(hours)s hours of service in all.", who=who, alliance=alliance,
             start=long_date(certificate.period_start), end=long_date(certificate.period_end),
             records=certificate.records, hours=hours(certificate.minutes))


def write_docx(certificate: Certificate) -> bytes:
    """The certificate as a .docx (A4, ready to print and stamp)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    member = db.session.get(Member, certificate.member_id)
    alliance, issuer = names(certificate.community_id)
    rows = certificate_records(certificate)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.5)
    section.left_margin, section.right_margin = Cm(2.6), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)

    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(number.add_run(_("No.: %(number)s", number=certificate.number)), size=11)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before, title.paragraph_format.space_after = Pt(12), Pt(18)
    _font(title.add_run(_("Volunteer service certificate")), size=22, bold=True, east_asia="SimHei")

    body = doc.add_paragraph()
    body.paragraph_format.first_line_indent = Pt(24)
    body.paragraph_format.line_spacing = 1.5
    _font(body.add_run(certificate_text(certificate, member, alliance)), size=14)
    if member.registry_number:
        registry = doc.add_paragraph()
        registry.paragraph_format.first_line_indent = Pt(24)
        _font(registry.add_run(_("Number in the national volunteer service information system: %(number)s",
                                 number=member.registry_number)), size=12)
    intro = doc.add_paragraph()
    intro.paragraph_format.first_line_indent = Pt(24)
    _font(intro.add_run(_("The services were:")), size=12)

    header = [_("No."), _("Date"), _("Service"), _("Place"), _("Hours")]
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for index, row in enumerate(rows, 1):
        cells = table.add_row().cells
        _cell(cells[0], str(index), align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell(cells[1], row["day"].isoformat())
        _cell(cells[2], row["content"])
        _cell(cells[3], row["place"])
        _cell(cells[4], hours(row["minutes"]), align=WD_ALIGN_PARAGRAPH.RIGHT)
    total = table.add_row().cells
    _cell(total[0], _("Total"), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(total[2], _("%(records)s services", records=certificate.records), bold=True)
    _cell(total[4], hours(certificate.minutes), bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    for row in table.rows:
        for cell, width in zip(row.cells, (Cm(1.3), Cm(2.6), Cm(6.6), Cm(3.7), Cm(1.8)), strict=True):
            cell.width = width

    closing = doc.add_paragraph()
    closing.paragraph_format.first_line_indent = Pt(24)
    closing.paragraph_format.space_before = Pt(12)
    _font(closing.add_run(_("This is hereby certified.")), size=14)
    if certificate.purpose:
        purpose = doc.add_paragraph()
        purpose.paragraph_format.first_line_indent = Pt(24)
        _font(purpose.add_run(_("(Issued for: %(purpose)s)", purpose=certificate.purpose)), size=12)

    # the issuer, the date and room for the stamp, on the right
    for text, size, space in ((issuer, 14, Pt(48)), (_("(Seal)"), 12, Pt(6)),
                              (long_date(certificate.issued_at.astimezone(LOCAL_TZ).date()), 14, Pt(6))):
        line = doc.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        line.paragraph_format.space_before = space
        _font(line.add_run(text), size=size)
    contact = alliance_row(certificate.community_id).contact
    if contact:
        note = doc.add_paragraph()
        note.paragraph_format.space_before = Pt(24)
        _font(note.add_run(_("Contact: %(contact)s", contact=contact)), size=10.5)
    rule = doc.add_paragraph()
    rule.paragraph_format.space_before = Pt(6 if contact else 24)
    _font(rule.add_run(_("Issued under the Measures for volunteer service records and certificates; the hours are "
                         "those of the volunteer service records.")), size=10.5)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def download(certificate: Certificate):
    """The certificate's .docx, recorded in the audit trail as an export (the API's and the console's)."""
    content = write_docx(certificate)
    record_audit(NAME, "exported", target_type="certificate", target_id=certificate.id,
                 details={"member_id": certificate.member_id, "file": "certificate.docx"})
    member = db.session.get(Member, certificate.member_id)
    return download_response(
        content, download_name("volunteer-certificate", certificate.id, ext="docx"),
        download_name(_("Volunteer service certificate"), member.name, certificate.number, ext="docx"), DOCX)
