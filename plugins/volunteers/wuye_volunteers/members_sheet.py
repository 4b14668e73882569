"""成员名册 in Excel: the export of the member list (the manager's; full phones, audited), the
import template, and the import of a filled-in template — 370 members are not typed one by one.

The template: one row per member — 姓名*, 类别*, 手机号*, 身份证号, 技能, 可服务时间, 职业/专长,
所在单位党组织, 党组织联系人, 报到日期, 同意联系, 加入日期, 备注 — and a second sheet that explains
each column and lists the words it takes (类别 volunteer / 在职党员 / 专业人士, the skills and their
levels, the times to serve). Columns are found by their heading (Chinese or English), so their
order may change; 姓名, 类别 and 手机号 must be there.

The import checks every row as the form does (members.problems), plus a phone twice in the sheet
or already a member's, and stores nothing when anything is wrong (422, one message per row and
column: 第 5 行“手机号”：…). Otherwise every row is registered, under the alliance's lock, all in
the request's transaction. Limits: 5 MiB, 2,000 rows.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from wuye_core.plugins import (
    Community,
    DomainError,
    Identity,
    Message,
    XlsxWriter,
    db,
    download_name,
    invalid,
    local_today,
    record_audit,
    use_locale,
    xlsx_response,
)

from . import members as rules
from . import vocab
from .access import NAME
from .alliance import alliance_row
from .i18n import N_, _
from .models import Member

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
MAX_MESSAGES = 200
TEMPLATE_ROWS = 1000  # rows the template's drop-down lists cover

# the template's columns: (field, heading, width, required)
COLUMNS = (
    ("name", N_("Name"), 10, True),
    ("kind", N_("Kind"), 11, True),
    ("phone", N_("Mobile phone"), 13, True),
    ("id_number", N_("ID number"), 20, False),
    ("skills", N_("Skills"), 26, False),
    ("availability", N_("When they can serve"), 20, False),
    ("profession", N_("Profession"), 12, False),
    ("party_org", N_("Workplace party organisation"), 20, False),
    ("party_org_contact", N_("Party organisation contact"), 14, False),
    ("party_reported_on", N_("Reported to the community on"), 12, False),
    ("consent_contact", N_("Consents to be contacted"), 9, False),
    ("joined_on", N_("Joined on"), 11, False),
    ("note", N_("Note"), 20, False),
)
TEXT_COLUMNS = ("phone", "id_number")
# what a sheet's cells say, in Chinese as people write them (the columns' headings are translated)
YES_ZH, NO_ZH = "是", "否"
AGREE_ZH, DISAGREE_ZH = "同意", "不同意"
YES = {YES_ZH, AGREE_ZH, "y", "yes", "true", "1", "√", "✓"}
NO = {NO_ZH, DISAGREE_ZH, "n", "no", "false", "0", ""}
SKILLS_EXAMPLE_ZH = "法律咨询（专业）、缝纫"
SEPARATORS = re.compile(r"[、,，;；/\n]+")
LEVEL_IN = re.compile(r"^(.+?)\s*(?:[:：]\s*(.+)|[（(]\s*(.+?)\s*[)）])$")
DATE_TEXT_ZH = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _both(message) -> set[str]:
    """A label as a person may have written it: in Chinese or in English."""
    out = {str(message).strip().lower()}
    for locale in ("zh_CN", "en"):
        with use_locale(locale):
            out.add(message.translate().strip().lower())
    return out


def _lookup(vocabulary: dict) -> dict[str, str]:
    """{label or code, lower-case, in either language: code}."""
    found = {}
    for code, label in vocabulary.items():
        found[code.lower()] = code
        for text in _both(label):
            found[text] = code
    return found


def _labels(vocabulary: dict) -> str:
    return "、".join(vocab.label(vocabulary, code) for code in vocabulary)


# --- the export ------------------------------------------------------------------------------------


def export(community_id: int, args: dict, identity: Identity):
    """成员名册 .xlsx of the members matching the list's filters, by name: full phones (the manager's),
    skills, teams, party organisation, joined, hours this year; audited as an export."""
    found = list(db.session.scalars(rules.list_query(community_id, args, identity).order_by(Member.name, Member.id)))
    ids = [m.id for m in found]
    skills, teams, minutes = rules.skills_of(ids), rules.teams_of(ids), rules.year_minutes(ids)
    today = local_today()
    book = XlsxWriter()
    sheet = book.sheet(_("Member list"), header=[
        _("No."), _("Name"), _("Kind"), _("Mobile phone"), _("Skills"), _("Teams"), _("Workplace party organisation"),
        _("Joined on"), _("Status"), _("Hours in %(year)s", year=today.year)],
        widths=[5, 10, 11, 13, 26, 18, 22, 11, 8, 9], freeze="C2", column_formats={4: "@"}, wrap=[5, 6, 7])
    for number, member in enumerate(found, 1):
        sheet.append([
            number, member.name, vocab.label(vocab.MEMBER_KINDS, member.kind), member.phone,
            "、".join(_skill_text(s) for s in skills[member.id]),
            "、".join(team["name"] for team in teams[member.id]), member.party_org, member.joined_on,
            vocab.label(vocab.MEMBER_STATUSES, member.status), round(minutes.get(member.id, 0) / 60, 2)])
    record_audit(NAME, "exported", target_type="community", target_id=community_id,
                 details={"file": "members.xlsx", "rows": len(found)})
    name = db.session.get(Community, community_id).name
    return xlsx_response(book.save, download_name("volunteers-members", community_id, today.isoformat(), ext="xlsx"),
                         download_name(_("Alliance members"), name, today.isoformat(), ext="xlsx"))


def _skill_text(row) -> str:
    text = vocab.label(vocab.SKILLS, row.skill)
    if row.level != "basic":
        text += f"（{vocab.label(vocab.SKILL_LEVELS, row.level)}）"
    return text


# --- the template ----------------------------------------------------------------------------------


def template_download(community_id: int):
    """The import template: the headings, drop-down lists for 类别 and 同意联系, and a sheet that
    explains each column. Holds no personal data."""
    book = XlsxWriter()
    sheet = book.sheet(_("Members to import"), header=[
        f"{label.translate()}*" if required else label.translate() for _f, label, _w, required in COLUMNS],
        widths=[width for _f, _l, width, _r in COLUMNS], freeze="B2",
        column_formats={index: "@" for index, (field, *_rest) in enumerate(COLUMNS, 1) if field in TEXT_COLUMNS})
    kinds = DataValidation(type="list", formula1='"{}"'.format(",".join(
        vocab.label(vocab.MEMBER_KINDS, code) for code in vocab.MEMBER_KINDS)), allow_blank=True)
    kinds.add(f"{_letter('kind')}2:{_letter('kind')}{TEMPLATE_ROWS + 1}")
    consent = DataValidation(type="list", formula1=f'"{_("Yes")},{_("No")}"', allow_blank=True)
    consent.add(f"{_letter('consent_contact')}2:{_letter('consent_contact')}{TEMPLATE_ROWS + 1}")
    sheet.worksheet.data_validations.append(kinds)  # a write-only sheet: its list, before the rows
    sheet.worksheet.data_validations.append(consent)
    help_sheet = book.sheet(_("How to fill in"), header=[_("Column"), _("What to write")], widths=[22, 70], wrap=[2])
    for field, label, _width, required in COLUMNS:
        help_sheet.append([f"{label.translate()}*" if required else label.translate(), _help(field)])
    help_sheet.append([])
    help_sheet.append([help_sheet.cell(_("Columns marked * are required. One member per mobile number: a number "
                                         "registered already is refused. Nothing is stored when a row is wrong: "
                                         "the errors are listed by row and column."), font=Font(italic=True))])
    name = db.session.get(Community, community_id).name
    return xlsx_response(book.save, download_name("volunteers-members-template", community_id, ext="xlsx"),
                         download_name(_("Alliance members template"), name, ext="xlsx"))


def _letter(field: str) -> str:
    return get_column_letter(next(i for i, column in enumerate(COLUMNS, 1) if column[0] == field))


def _help(field: str) -> str:
    return {
        "name": _("The member's name."),
        "kind": _("One of: %(words)s.", words=_labels(vocab.MEMBER_KINDS)),
        "phone": _("11-digit mobile number (format the column as text)."),
        "id_number": _("Optional. 18 characters, the last may be X; format the column as text, or Excel loses "
                       "digits."),
        "skills": _("Separated by 、 with the level in brackets when not basic, e.g. %(example)s. Skills: "
                    "%(skills)s. Levels: %(levels)s.", example=SKILLS_EXAMPLE_ZH, skills=_labels(vocab.SKILLS),
                    levels=_labels(vocab.SKILL_LEVELS)),
        "availability": _("Separated by 、: %(words)s.", words=_labels(vocab.AVAILABILITY)),
        "profession": _("Optional."),
        "party_org": _("Required for serving party members."),
        "party_org_contact": _("Optional: who receives the hours report there."),
        "party_reported_on": _("Required for serving party members: a date such as 2025-03-01."),
        "consent_contact": _("%(yes)s (yes) or %(no)s (no, the default): may organisers call them about tasks?",
                             yes=YES_ZH, no=NO_ZH),
        "joined_on": _("A date such as 2025-03-01; empty: today."),
        "note": _("Optional."),
    }[field]


# --- the import ------------------------------------------------------------------------------------


def read_workbook(data: bytes):
    """The first sheet, or 422 naming `file`."""
    if len(data) > MAX_BYTES:
        invalid("file", N_("The file is larger than 5 MiB."), location="files")
    if not data:
        invalid("file", N_("The file is empty."), location="files")
    if not data.startswith(b"PK\x03\x04"):
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    return book, sheet


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class CellProblem(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    found = DATE_TEXT_ZH.match(_text(value))
    if found:
        try:
            return date(*(int(part) for part in found.groups()))
        except ValueError:
            pass
    raise CellProblem(N_("Not a date: write it as 2025-03-01."))


class Reader:
    """Turns a row's cells into a member's values (AllianceMemberIn's fields)."""

    def __init__(self):
        self.kinds = _lookup(vocab.MEMBER_KINDS)
        self.skills = _lookup(vocab.SKILLS)
        self.levels = _lookup(vocab.SKILL_LEVELS)
        self.times = _lookup(vocab.AVAILABILITY)
        self.yes = YES | {t for t in _both(N_("Yes"))}
        self.no = NO | {t for t in _both(N_("No"))}

    def value(self, field: str, raw):
        text = _text(raw)
        if field == "kind":
            if not text:
                return None
            if text.lower() not in self.kinds:
                raise CellProblem(N_("Not a kind of member: write one of %(words)s.",
                                     words=_labels(vocab.MEMBER_KINDS)))
            return self.kinds[text.lower()]
        if field == "phone":
            return re.sub(r"[\s-]", "", text)
        if field == "id_number":
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                raise CellProblem(N_("Excel stored the ID number as a number and may have lost digits: format "
                                     "the column as text and type it again."))
            return text.upper() or None
        if field == "skills":
            return self._skills(text)
        if field == "availability":
            out = []
            for word in (w.strip() for w in SEPARATORS.split(text)):
                if not word:
                    continue
                if word.lower() not in self.times:
                    raise CellProblem(N_("Not a time to serve: %(word)s.", word=word))
                out.append(self.times[word.lower()])
            return out
        if field == "consent_contact":
            if text.lower() in self.yes:
                return True
            if text.lower() in self.no:
                return False
            raise CellProblem(N_("Write %(yes)s or %(no)s.", yes=YES_ZH, no=NO_ZH))
        if field in ("party_reported_on", "joined_on"):
            return _date(raw)
        limit = {"name": 50, "profession": 100, "party_org": 200, "party_org_contact": 100, "note": 500}[field]
        if len(text) > limit:
            raise CellProblem(N_("At most %(count)s characters.", count=limit))
        return text or None

    def _skills(self, text: str) -> list[dict]:
        out = []
        for word in (w.strip() for w in SEPARATORS.split(text)):
            if not word:
                continue
            found = LEVEL_IN.match(word)
            name, level = (found.group(1), found.group(2) or found.group(3)) if found else (word, None)
            if name.strip().lower() not in self.skills:
                raise CellProblem(N_("Not a skill: %(word)s.", word=name.strip()))
            if level is not None and level.strip().lower() not in self.levels:
                raise CellProblem(N_("Not a level: %(word)s.", word=level.strip()))
            out.append({"skill": self.skills[name.strip().lower()],
                        "level": self.levels[level.strip().lower()] if level else "basic"})
        return out


def _columns(header) -> dict[int, tuple[str, str]]:
    """{0-based index: (field, the heading as written)} by the headings' text in either language."""
    names = {}
    for field, label, _width, _required in COLUMNS:
        for text in _both(label):
            names[text] = field
    out = {}
    for index, value in enumerate(header or ()):
        heading = _text(value)
        field = names.get(heading.rstrip("*＊ ").strip().lower())
        if field is not None and field not in {f for f, _h in out.values()}:
            out[index] = (field, heading.rstrip("*＊ ").strip())
    return out


def parse(data: bytes, community_id: int, known: dict[str, int]) -> list[dict]:
    """The sheet's members as values, or DomainError with every problem (row and column named)."""
    book, sheet = read_workbook(data)
    reader = Reader()
    problems: list = []
    found: list[dict] = []
    try:
        rows = sheet.iter_rows(values_only=True)
        columns = _columns(next(rows, None))
        present = {field for field, _heading in columns.values()}
        for field, label, _width, required in COLUMNS:
            if required and field not in present:
                invalid("file", N_("The sheet has no column “%(column)s”: use the template.",
                                   column=label.translate()), location="files")
        headings = {field: label.translate() for field, label, _width, _required in COLUMNS}
        headings.update({field: heading for field, heading in columns.values()})
        first_row: dict[str, int] = {}
        names = {member_id: name for member_id, name in db.session.execute(
            select(Member.id, Member.name).where(Member.id.in_(list(known.values()))))} if known else {}
        count = 0
        for number, cells in enumerate(rows, 2):
            cells = list(cells)
            if all(_text(c) == "" for c in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                invalid("file", N_("The sheet has more than %(count)s rows.", count=MAX_ROWS), location="files")
            values: dict = {}
            row_problems: list = []
            for index, (field, _heading) in columns.items():
                raw = cells[index] if index < len(cells) else None
                try:
                    values[field] = reader.value(field, raw)
                except CellProblem as exc:
                    row_problems.append((field, exc.message))
            bad = {field for field, _m in row_problems}
            values = rules.normalised(values)
            for field, messages in rules.problems(community_id, values).items():
                if field not in bad:
                    row_problems += [(field, m) for m in messages]
            phone = values.get("phone")
            if phone and "phone" not in {f for f, _m in row_problems}:
                if phone in first_row:
                    row_problems.append(("phone", N_("the number is on row %(row)s already", row=first_row[phone])))
                elif phone in known:
                    row_problems.append(("phone", N_("%(name)s is a member with this number already",
                                                     name=names.get(known[phone], ""))))
                else:
                    first_row[phone] = number
            for field, message in row_problems:
                problems.append(N_("Row %(row)s, column “%(column)s”: %(message)s",
                                   row=number, column=headings.get(field, field), message=_translated(message)))
            found.append(values)
    finally:
        book.close()
    if problems:
        shown = problems[:MAX_MESSAGES]
        if len(problems) > MAX_MESSAGES:
            shown.append(N_("… and %(count)s more.", count=len(problems) - MAX_MESSAGES))
        raise DomainError(N_("The sheet has %(count)s errors: nothing was stored.", count=len(problems)),
                          errors={"files": {"file": shown}})
    if not found:
        invalid("file", N_("The sheet holds no members."), location="files")
    return found


def _translated(message) -> str:
    return message.translate() if isinstance(message, Message) else str(message)


def import_members(community_id: int, data: bytes, actor: str) -> dict:
    """Register the sheet's members, all or nothing, under the alliance's lock."""
    alliance_row(community_id, lock=True)
    known = rules.phones(community_id)
    rows = parse(data, community_id, known)
    made = [rules.register_member(community_id, values, actor, known_phones=known) for values in rows]
    return {"created": len(made), "member_ids": [m.id for m in made]}
