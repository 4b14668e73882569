"""原收费台账 in Excel: the template, and the import of a community's existing fee ledger — one
row per chargeable thing (a home, a shop front, a parking space…), with its billing area, its
payer, its opening arrears and its prepaid balance. A compound taken over from another company
starts from its 台账, not from nothing.

The template's columns (found by their heading, in Chinese or English, in any order; * required):
小区*, 楼栋, 单元, 房号, 类型*, 名称/编号, 计费面积(㎡), 缴费人, 缴费人电话, 计费起始日, 欠费起始月,
欠费截止月, 欠费金额(元), 预交余额(元); a second sheet says what each column takes, and 类型 has a
drop-down list.

What a row makes:
- **the fee unit** (收费单元). A home (类型 住宅) is matched to the register's unit by 小区 + 楼栋 +
  单元 + 房号 (unmatched: a row error naming the column that did not match); its label is the
  building, entrance and room ("1栋1单元101"). Shops, parking spaces and other premises are named
  by 名称/编号 ("商铺 A-12"). 计费面积 is where the fee unit's area comes from (the register's area
  is the register's; plugins do not write it): Decimal > 0, two decimals at most; required for
  homes. An existing fee unit (the home's register unit, else the same site + kind + label) is
  updated — area, payer, phone, 计费起始日 where the cell is filled in; an empty cell leaves what
  is stored.
- **the opening arrears** (欠费起始月, 欠费截止月, 欠费金额: all three or none) → ONE bill of source
  "imported" for those months: from the first day of the first month to the last day of the
  last, labelled "2025-01~2026-06" (one month: "2025-01"), due on its last day. The last month
  may not be after this month. A unit with an imported bill starting that month already is
  reported as "already imported" — not an error, nothing is made twice — so the same ledger can
  be imported again after a correction elsewhere. A bill of the unit (any other, not cancelled)
  covering one of those months is a row error: the months would be charged twice.
- **the prepaid balance** (预交余额) → a journal row: a payment (kind "payment", method "transfer",
  note 期初余额) set against no bill — the unit's credit, which the payments area sets against its
  bills. A unit has one opening balance: a second import of it is "already imported".

All or nothing: the rows are checked first (every problem listed as 第 5 行“房号”：…, the first
MAX_MESSAGES shown, 422 naming `file`), and only a sheet without a single error is stored, in the
request's transaction, under the community's import lock (PostgreSQL: an advisory lock; SQLite
has one writer). A LedgerImport row records what was made; the import is audited. Limits: 10 MiB,
50 MB unpacked (a zip bomb is refused by its directory, before anything is unpacked), 20,000 rows
(the core's household import takes as many at once). The register's units, the community's fee
units, their imported bills and opening balances are each read in one query, whatever the rows.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import and_, func, insert, or_, select

from wuye_core.plugins import (
    Building,
    Community,
    DomainError,
    Household,
    Message,
    Site,
    Unit,
    XlsxWriter,
    db,
    download_name,
    invalid,
    local_today,
    record_audit,
    require_tenant_id,
    use_locale,
    xlsx_response,
)

from . import vocab
from .access import NAME
from .i18n import N_, _
from .models import Bill, FeeUnit, LedgerImport, Payment
from .money import parse_yuan, yuan
from .periods import add_months, months_between
from .units import MAX_AREA

MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024
MAX_ROWS = 20_000
MAX_MESSAGES = 200
TEMPLATE_ROWS = 2000  # rows the template's drop-down list covers
LOCK_NAMESPACE = zlib.crc32(b"wuye.fees.ledger_import") & 0x7FFFFFFF

# what the sheet's cells say, as the company's staff write them (data, not interface text)
OPENING_NOTE_ZH = "期初余额"  # the note of an opening balance's journal row
KIND_WORDS_ZH = {"住宅": "residential", "住房": "residential", "商铺": "shop", "门面": "shop", "商业": "shop",
                 "车位": "parking", "停车位": "parking", "其他": "other"}
ENTRANCE_SUFFIX_ZH = "单元"
BUILDING_SUFFIX_ZH = "栋"
LABEL_EXAMPLE_ZH = "商铺 A-12"

# the template's columns: (field, heading, width, required)
COLUMNS = (
    ("site", N_("Site"), 14, True),
    ("building", N_("Building"), 8, False),
    ("entrance", N_("Entrance"), 6, False),
    ("room", N_("Room"), 8, False),
    ("kind", N_("Type"), 8, True),
    ("label", N_("Name / number"), 14, False),
    ("area", N_("Billing area (㎡)"), 10, False),
    ("payer", N_("Payer"), 10, False),
    ("phone", N_("Payer's phone"), 13, False),
    ("billing_from", N_("Billed from"), 11, False),
    ("arrears_from", N_("Arrears from (month)"), 10, False),
    ("arrears_to", N_("Arrears to (month)"), 10, False),
    ("arrears", N_("Arrears (yuan)"), 11, False),
    ("credit", N_("Prepaid balance (yuan)"), 11, False),
)
TEXT_COLUMNS = ("building", "entrance", "room", "label", "phone", "arrears_from", "arrears_to")
PHONE = re.compile(r"^1[3-9]\d{9}$")
DATE_TEXT_ZH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MONTH_TEXT_ZH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
# how ledgers write an area, a building and a room: 87.5㎡ / 87.5平米, 1栋 / 1号楼, 301室 (matched as the register's 1, 301)
AREA_SUFFIXES_ZH = ("㎡", "m2", "平方米", "平米")
BUILDING_SUFFIXES_ZH = ("号楼", "栋", "幢", "座", "楼", "号")
ROOM_SUFFIXES_ZH = ("室", "号", "房")
COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")


# --- reading cells ------------------------------------------------------------------------------------


class CellProblem(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


def _both(message) -> set[str]:
    """A label as a person may have written it: in Chinese or in English, lower-case."""
    out = {str(message).strip().lower()}
    for locale in ("zh_CN", "en"):
        with use_locale(locale):
            out.add(message.translate().strip().lower())
    return out


def _date(value) -> date | None:
    if value is None or _text(value) == "":
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


def _month(value) -> date | None:
    """A month's first day: "2025-01", "2025/1", "2025年1月", "202501", or a date (Excel turns
    "2025-01" into 2025-01-01)."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.replace(day=1)
    text = _text(value)
    found = MONTH_TEXT_ZH.match(text) or COMPACT_MONTH.match(text)
    if found:
        year, month = (int(part) for part in found.groups())
        if 2000 <= year <= 2099 and 1 <= month <= 12:
            return date(year, month, 1)
    day = DATE_TEXT_ZH.match(text)
    if day:
        try:
            return date(*(int(part) for part in day.groups())).replace(day=1)
        except ValueError:
            pass
    raise CellProblem(N_("Not a month: write it as 2025-01."))


def _fen(value, *, positive: bool) -> int | None:
    try:
        fen = parse_yuan(value if not isinstance(value, str) else value.strip())
    except ValueError:
        raise CellProblem(N_("Not an amount in yuan with at most two decimals, e.g. 1280.50.")) from None
    if fen is None:
        return None
    if fen < 0 or (positive and fen == 0):
        raise CellProblem(N_("The amount must be more than 0."))
    if fen >= 10**13:
        raise CellProblem(N_("The amount is too large."))
    return fen


def _area(value) -> Decimal | None:
    text = _text(value) if not isinstance(value, float) else repr(value)
    for suffix in AREA_SUFFIXES_ZH:
        text = text.removesuffix(suffix)
    text = text.strip()
    if not text:
        return None
    try:
        area = Decimal(text)
    except InvalidOperation:
        raise CellProblem(N_("Not an area: write the ㎡ as a number with at most two decimals.")) from None
    if not area.is_finite() or area.as_tuple().exponent < -2:
        raise CellProblem(N_("Not an area: write the ㎡ as a number with at most two decimals."))
    if area <= 0:
        raise CellProblem(N_("The area must be more than 0."))
    if area > MAX_AREA:
        raise CellProblem(N_("The area is too large."))
    return area


def _short(text: str, limit: int) -> str:
    if len(text) > limit:
        raise CellProblem(N_("At most %(count)s characters.", count=limit))
    return text


def _building_key(name: str) -> str:
    text = name.strip()
    for suffix in BUILDING_SUFFIXES_ZH:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].strip()
    return text


def _entrance_key(name: str) -> str:
    text = name.strip()
    return text[: -len(ENTRANCE_SUFFIX_ZH)].strip() if text.endswith(ENTRANCE_SUFFIX_ZH) else text


def _room_key(name: str) -> str:
    text = name.strip()
    for suffix in ROOM_SUFFIXES_ZH:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].strip()
    return text


def home_label(building: str, entrance: str, room: str) -> str:
    """A home's label: 1栋1单元101 (the building's name as the register has it)."""
    text = building + (BUILDING_SUFFIX_ZH if building.isdigit() else "")
    if entrance:
        text += entrance if entrance.endswith(ENTRANCE_SUFFIX_ZH) else entrance + ENTRANCE_SUFFIX_ZH
    return text + room


# --- the template -------------------------------------------------------------------------------------


def _heading(label, required: bool) -> str:
    return f"{label.translate()}*" if required else label.translate()


def _kind_words() -> list[str]:
    return [vocab.label(vocab.UNIT_KINDS, code) for code in vocab.UNIT_KINDS]


def template_download(community_id: int):
    """The ledger template: its headings, a drop-down list for 类型, the community's site names
    in a second sheet with what each column takes. Holds no personal data."""
    community = db.session.get(Community, community_id)
    site_names = list(db.session.scalars(select(Site.name).where(Site.community_id == community_id)
                                         .order_by(Site.name)))
    book = XlsxWriter()
    sheet = book.sheet(_("Fee ledger"), header=[_heading(label, required) for _f, label, _w, required in COLUMNS],
                       widths=[width for _f, _l, width, _r in COLUMNS], freeze="A2",
                       column_formats={i: "@" for i, (f, *_r) in enumerate(COLUMNS, 1) if f in TEXT_COLUMNS})
    kinds = DataValidation(type="list", formula1='"{}"'.format(",".join(_kind_words())), allow_blank=True)
    kinds.add(f"{_letter('kind')}2:{_letter('kind')}{TEMPLATE_ROWS + 1}")
    sheet.worksheet.data_validations.append(kinds)  # a write-only sheet: before the rows
    # a list typed into the validation: Excel's limit is 255 characters, a comma separates, and the
    # XML holds no control characters (a name stored with one; the sheets' cells drop them themselves)
    listed = [re.sub(r'[\x00-\x1f\x7f"]', "", name) for name in site_names]
    if listed and not any("," in name for name in listed) and len(",".join(listed)) < 250:
        sites_list = DataValidation(type="list", formula1='"{}"'.format(",".join(listed)), allow_blank=True)
        sites_list.add(f"{_letter('site')}2:{_letter('site')}{TEMPLATE_ROWS + 1}")
        sheet.worksheet.data_validations.append(sites_list)
    help_sheet = book.sheet(_("How to fill in"), header=[_("Column"), _("What to write")], widths=[20, 64], wrap=[2])
    for name, label, _width, required in COLUMNS:
        help_sheet.append([_heading(label, required), _help(name, site_names)])
    help_sheet.append([])
    help_sheet.append([help_sheet.cell(
        _("One row per home, shop front or parking space. Columns marked * are required; columns are found by their "
          "heading, in any order. Nothing is stored when a row is wrong: the errors are listed by row and column. "
          "Importing the same ledger again updates areas and payers and makes no bill or balance twice."),
        font=Font(italic=True))])
    return xlsx_response(book.save, download_name("fees-ledger-template", community_id, ext="xlsx"),
                         download_name(_("Fee ledger template"), community.name, ext="xlsx"))


def _letter(name: str) -> str:
    return get_column_letter(next(i for i, column in enumerate(COLUMNS, 1) if column[0] == name))


def _help(name: str, site_names: list[str]) -> str:
    return {
        "site": _("The site (compound) exactly as the register names it: %(names)s.",
                  names="、".join(site_names) or "—"),
        "building": _("Homes: the building as the register names it."),
        "entrance": _("Homes: the entrance number; empty where the building has none."),
        "room": _("Homes: the room number as the register has it, e.g. 301. A home not found in the register is an "
                  "error: add it to the register first."),
        "kind": _("One of: %(words)s.", words="、".join(_kind_words())),
        "label": _("Shops, parking spaces and other premises: their name or number, e.g. %(example)s (unique on "
                   "the site). Homes are named by building, entrance and room.", example=LABEL_EXAMPLE_ZH),
        "area": _("The area fees are charged by, in ㎡, at most two decimals. Required for homes; may be empty for a "
                  "parking space charged a fixed amount."),
        "payer": _("Optional: who pays, when not the household (a shop's tenant)."),
        "phone": _("Optional: the payer's 11-digit mobile number (format the column as text)."),
        "billing_from": _("The day fees are charged from (handover, lease), e.g. 2024-07-01. Empty for a new unit: "
                          "the first month of its arrears."),
        "arrears_from": _("Opening arrears: the first month owed, e.g. 2025-01."),
        "arrears_to": _("Opening arrears: the last month owed, e.g. 2026-06 (not after this month)."),
        "arrears": _("Opening arrears: what is owed for those months in total, in yuan. The three arrears columns "
                     "are filled in together; they make one bill."),
        "credit": _("Optional: money paid in advance and not used yet, in yuan: the unit's credit."),
    }[name]


# --- reading the workbook -----------------------------------------------------------------------------


def read_workbook(data: bytes):
    """The first sheet, or 422 naming `file` (413 for a file too large)."""
    if not data:
        invalid("file", N_("The file is empty."), location="files")
    if len(data) > MAX_BYTES:
        invalid("file", N_("The file is larger than %(size)s MiB.", size=MAX_BYTES // 1024 // 1024), location="files")
    if not data.startswith(b"PK\x03\x04"):
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    if "xl/workbook.xml" not in names:
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    if unpacked > MAX_UNPACKED:
        invalid("file", N_("The workbook unpacks to more than %(size)s MB: split it.", size=MAX_UNPACKED // 1024 // 1024),
                location="files")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    return book, sheet


def _columns(header) -> dict[int, tuple[str, str]]:
    """{0-based index: (field, the heading as written)} by the headings' text in either language."""
    names: dict[str, str] = {}
    for name, label, _width, _required in COLUMNS:
        for text in _both(label):
            names[_squash(text)] = name
    out: dict[int, tuple[str, str]] = {}
    for index, value in enumerate(header or ()):
        heading = _text(value).rstrip("*＊ ").strip()
        name = names.get(_squash(heading.lower()))
        if name is not None and name not in {n for n, _h in out.values()}:
            out[index] = (name, heading)
    return out


def _squash(text: str) -> str:
    """A heading without spaces, and with full-width brackets as ASCII: 计费面积（㎡） = 计费面积(㎡)."""
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").replace("／", "/")


@dataclass
class Row:
    number: int
    site_id: int | None = None
    kind: str | None = None
    unit_id: int | None = None  # the register's unit (homes)
    label: str = ""
    area: Decimal | None = None
    payer: str | None = None
    phone: str | None = None
    billing_from: date | None = None
    arrears_from: date | None = None
    arrears_to: date | None = None
    arrears_fen: int | None = None
    credit_fen: int | None = None
    household_id: int | None = None  # the home's household now (the opening bill's)
    problems: list = field(default_factory=list)  # (field, message)


class Register:
    """The community's sites, buildings and units, read once: names → ids."""

    def __init__(self, community_id: int):
        self.sites = {name.strip(): site_id for site_id, name in db.session.execute(
            select(Site.id, Site.name).where(Site.community_id == community_id))}
        self.buildings: dict[tuple[int, str], int] = {}
        self.building_names: dict[int, str] = {}
        for building_id, site_id, name in db.session.execute(
                select(Building.id, Building.site_id, Building.name).where(Building.community_id == community_id)):
            self.buildings.setdefault((site_id, name.strip()), building_id)
            self.buildings.setdefault((site_id, _building_key(name)), building_id)
            self.building_names[building_id] = name.strip()
        self.units: dict[tuple[int, str, str], tuple[int, str, str]] = {}
        for unit_id, building_id, entrance, number in db.session.execute(
                select(Unit.id, Unit.building_id, Unit.entrance, Unit.number).where(Unit.community_id == community_id)):
            value = (unit_id, (entrance or "").strip(), number.strip())
            self.units.setdefault((building_id, (entrance or "").strip(), number.strip()), value)
            self.units.setdefault((building_id, _entrance_key(entrance or ""), _room_key(number)), value)
        self.households = dict(db.session.execute(
            select(Household.unit_id, func.max(Household.id)).where(
                Household.community_id == community_id, Household.moved_out_on.is_(None)).group_by(Household.unit_id)).all())


def _read_row(number: int, cells: dict, register: Register, kinds: dict[str, str], today: date) -> Row:
    row = Row(number)

    def attempt(name, reader):
        try:
            return reader(cells.get(name))
        except CellProblem as exc:
            row.problems.append((name, exc.message))
            return None

    site = _text(cells.get("site"))
    if not site:
        row.problems.append(("site", N_("Required.")))
    elif site not in register.sites:
        row.problems.append(("site", N_("No site “%(name)s” in this community.", name=site)))
    else:
        row.site_id = register.sites[site]
    kind = _text(cells.get("kind"))
    if not kind:
        row.problems.append(("kind", N_("Required.")))
    elif kind.lower() not in kinds:
        row.problems.append(("kind", N_("Not a type of unit: write one of %(words)s.", words="、".join(_kind_words()))))
    else:
        row.kind = kinds[kind.lower()]
    if row.kind == "residential":
        _match_home(row, cells, register)
    elif row.kind is not None:
        label = _text(cells.get("label"))
        if not label:
            row.problems.append(("label", N_("Required for shops, parking spaces and other premises.")))
        elif len(label) > 100:
            row.problems.append(("label", N_("At most %(count)s characters.", count=100)))
        else:
            row.label = label
    row.area = attempt("area", _area)
    if row.kind == "residential" and row.area is None and not any(f == "area" for f, _m in row.problems):
        row.problems.append(("area", N_("Required for homes.")))
    row.payer = attempt("payer", lambda v: _short(_text(v), 50) or None)
    row.phone = attempt("phone", _phone)
    row.billing_from = attempt("billing_from", _date)
    row.arrears_from = attempt("arrears_from", _month)
    row.arrears_to = attempt("arrears_to", _month)
    row.arrears_fen = attempt("arrears", lambda v: _fen(v, positive=True))
    row.credit_fen = attempt("credit", lambda v: _fen(v, positive=False) or None)
    _check_arrears(row, cells, today)
    return row


def _phone(value) -> str | None:
    text = re.sub(r"[\s-]", "", _text(value))
    if not text:
        return None
    if not PHONE.match(text):
        raise CellProblem(N_("A mobile number has 11 digits and starts with 13–19."))
    return text


def _match_home(row: Row, cells: dict, register: Register) -> None:
    building, entrance, room = (_text(cells.get(name)) for name in ("building", "entrance", "room"))
    if not building:
        row.problems.append(("building", N_("Required for homes.")))
    if not room:
        row.problems.append(("room", N_("Required for homes.")))
    if row.site_id is None or not building or not room:
        return
    building_id = register.buildings.get((row.site_id, building)) or register.buildings.get(
        (row.site_id, _building_key(building)))
    if building_id is None:
        row.problems.append(("building", N_("No building “%(name)s” on this site in the register.", name=building)))
        return
    found = register.units.get((building_id, entrance, room)) or register.units.get(
        (building_id, _entrance_key(entrance), _room_key(room)))
    if found is None:
        where = home_label(register.building_names[building_id], entrance, room)
        row.problems.append(("room", N_("No home %(home)s in the register.", home=where)))
        return
    row.unit_id, stored_entrance, stored_room = found
    row.label = home_label(register.building_names[building_id], stored_entrance, stored_room)


def _check_arrears(row: Row, cells: dict, today: date) -> None:
    bad = {name for name, _m in row.problems}
    given = {name: _text(cells.get(name)) != "" for name in ("arrears_from", "arrears_to", "arrears")}
    if any(given.values()):
        for name, there in given.items():
            if not there and name not in bad:
                row.problems.append((name, N_("The three arrears columns are filled in together.")))
    if row.arrears_from and row.arrears_to:
        if row.arrears_from > row.arrears_to:
            row.problems.append(("arrears_to", N_("The last month owed is before the first.")))
        elif row.arrears_to > today.replace(day=1):
            row.problems.append(("arrears_to", N_("The last month owed is after this month.")))
        elif row.billing_from and row.arrears_to < row.billing_from.replace(day=1):
            row.problems.append(("arrears_to", N_("The arrears end before the unit is billed from.")))


# --- the import ---------------------------------------------------------------------------------------


def parse(data: bytes, community_id: int, today: date) -> list[Row]:
    """The sheet's rows, read and checked against the register, or DomainError with every problem."""
    book, sheet = read_workbook(data)
    register = Register(community_id)
    kinds = dict(KIND_WORDS_ZH)
    for code, label in vocab.UNIT_KINDS.items():
        kinds[code] = code
        for text in _both(label):
            kinds[text] = code
    found: list[Row] = []
    try:
        rows = sheet.iter_rows(values_only=True)
        columns = _columns(next(rows, None))
        present = {name for name, _heading in columns.values()}
        for name, label, _width, required in COLUMNS:
            if required and name not in present:
                invalid("file", N_("The sheet has no column “%(column)s”: use the template.",
                                   column=label.translate()), location="files")
        headings = {name: label.translate() for name, label, _width, _required in COLUMNS}
        headings.update({name: heading for name, heading in columns.values()})
        for number, values in enumerate(rows, 2):
            if not values or all(v is None or _text(v) == "" for v in values):
                continue
            if len(found) >= MAX_ROWS:
                invalid("file", N_("The sheet has more than %(count)s rows: split it.", count=MAX_ROWS),
                        location="files")
            cells = {name: values[index] for index, (name, _h) in columns.items() if index < len(values)}
            found.append(_read_row(number, cells, register, kinds, today))
    finally:
        book.close()
    if not found:
        invalid("file", N_("The sheet holds no rows."), location="files")
    _same_unit_twice(found)
    _raise_problems(found, headings)
    for row in found:
        row.household_id = register.households.get(row.unit_id) if row.unit_id else None
    return found


def _same_unit_twice(rows: list[Row]) -> None:
    first: dict[tuple, int] = {}
    for row in rows:
        if row.site_id is None or row.kind is None or not row.label:
            continue
        key = ("unit", row.unit_id) if row.unit_id else (row.site_id, row.kind, row.label)
        if key in first:
            row.problems.append(("room" if row.unit_id else "label",
                                 N_("The same unit is on row %(row)s already.", row=first[key])))
        else:
            first[key] = row.number


class LedgerErrors(DomainError):
    """The sheet's row errors (422 naming `file`); `table` holds the first MAX_MESSAGES as
    (row, column heading, message) for a page that shows them as a table."""

    def __init__(self, message, errors, table, count):
        super().__init__(message, errors=errors)
        self.table, self.count = table, count


def _raise_problems(rows: list[Row], headings: dict[str, str]) -> None:
    found = [(row.number, headings.get(name, name), message) for row in rows for name, message in row.problems]
    if found:
        shown = [N_("Row %(row)s, column “%(column)s”: %(message)s", row=number, column=column,
                    message=_translated(message)) for number, column, message in found[:MAX_MESSAGES]]
        if len(found) > MAX_MESSAGES:
            shown.append(N_("… and %(count)s more.", count=len(found) - MAX_MESSAGES))
        raise LedgerErrors(N_("The sheet has %(count)s errors: nothing was stored.", count=len(found)),
                           {"files": {"file": shown}}, found[:MAX_MESSAGES], len(found))


def _translated(message) -> str:
    return message.translate() if isinstance(message, Message) else str(message)


def _lock(community_id: int) -> None:
    """One import per community at a time (the second waits, then finds the first's rows)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(LOCK_NAMESPACE, community_id)))


def _period_label(first: date, last: date) -> str:
    start = f"{first.year}-{first.month:02d}"
    end = f"{last.year}-{last.month:02d}"
    return start if start == end else f"{start}~{end}"


def import_ledger(community_id: int, data: bytes, filename: str, actor: str) -> LedgerImport:
    """Store the sheet's units, opening arrears and balances, all or nothing; the import's record."""
    today = local_today()
    rows = parse(data, community_id, today)
    _lock(community_id)
    units_by_register: dict[int, FeeUnit] = {}
    units_by_label: dict[tuple, FeeUnit] = {}
    for unit in db.session.scalars(select(FeeUnit).where(FeeUnit.community_id == community_id)):
        if unit.unit_id is not None:
            units_by_register.setdefault(unit.unit_id, unit)
        units_by_label[(unit.site_id, unit.kind, unit.label)] = unit
    matched = {row.number: _existing(row, units_by_register, units_by_label) for row in rows}
    known_ids = [u.id for u in matched.values() if u is not None]
    bills = _bills_of(known_ids)
    balances = _balances_of(known_ids)
    # the rows' problems with what is stored (bills overlapping the arrears' months)
    for row in rows:
        unit = matched[row.number]
        if unit is None or row.arrears_from is None:
            continue
        last = add_months(row.arrears_to, 1) - timedelta(days=1)
        for start, end, source in bills.get(unit.id, ()):
            if start == row.arrears_from and source == "imported":
                break
            if start <= last and end >= row.arrears_from:
                row.problems.append(("arrears_from", N_(
                    "The unit has a bill for %(period)s already: those months would be charged twice.",
                    period=_period_label(start, end))))
                break
    headings = {name: label.translate() for name, label, _width, _required in COLUMNS}
    _raise_problems(rows, headings)

    record = LedgerImport(community_id=community_id, filename=(filename or "ledger.xlsx")[:200], rows=len(rows),
                          made={}, imported_by=actor)
    db.session.add(record)
    db.session.flush()
    made = {"units_created": 0, "units_updated": 0, "units_unchanged": 0, "bills": 0, "arrears_fen": 0,
            "credits": 0, "credit_fen": 0, "already_imported": 0, "already_imported_rows": []}
    new_units: list[tuple[Row, FeeUnit]] = []
    for row in rows:
        unit = matched[row.number]
        if unit is None:
            unit = FeeUnit(community_id=community_id, site_id=row.site_id, kind=row.kind, unit_id=row.unit_id,
                           label=row.label, area_m2=row.area, payer_name=row.payer, payer_phone=row.phone,
                           billing_from=row.billing_from or row.arrears_from or today, active=True,
                           created_by=actor)
            db.session.add(unit)
            new_units.append((row, unit))
            matched[row.number] = unit
            made["units_created"] += 1
        elif _update(unit, row):
            made["units_updated"] += 1
        else:
            made["units_unchanged"] += 1
    db.session.flush()  # the new units' ids, in batches
    now = datetime.now(UTC)
    tenant_id = require_tenant_id()
    new_bills: list[dict] = []
    new_payments: list[dict] = []
    for row in rows:
        unit = matched[row.number]
        repeated = False
        if row.arrears_fen:
            if any(start == row.arrears_from and source == "imported" for start, _e, source in bills.get(unit.id, ())):
                repeated = True
            else:
                last = add_months(row.arrears_to, 1) - timedelta(days=1)
                new_bills.append(dict(
                    tenant_id=tenant_id, community_id=community_id, site_id=unit.site_id, fee_unit_id=unit.id,
                    household_id=row.household_id, rate_id=None, run_id=None, source="imported",
                    period_start=row.arrears_from, period_end=last, period_label=_period_label(row.arrears_from, last),
                    months=months_between(row.arrears_from, last), area_m2=unit.area_m2, price=None,
                    amount_fen=row.arrears_fen, discount_fen=0, paid_fen=0, status="open", due_on=last))
                made["bills"] += 1
                made["arrears_fen"] += row.arrears_fen
        if row.credit_fen:
            if unit.id in balances:
                repeated = True
            else:
                new_payments.append(dict(
                    tenant_id=tenant_id, community_id=community_id, site_id=unit.site_id, fee_unit_id=unit.id,
                    household_id=row.household_id, kind="payment", amount_fen=row.credit_fen, method="transfer",
                    reference=f"ledger-import-{record.id}", payer_name=unit.payer_name, paid_at=now,
                    note=OPENING_NOTE_ZH, recorded_by=actor))
                made["credits"] += 1
                made["credit_fen"] += row.credit_fen
        if repeated:
            made["already_imported"] += 1
            if len(made["already_imported_rows"]) < MAX_MESSAGES:
                made["already_imported_rows"].append(row.number)
    # bulk inserts (executemany, no ids needed back): 20,000 bills in well under a second
    for model, values in ((Bill, new_bills), (Payment, new_payments)):
        for start in range(0, len(values), 5000):
            db.session.execute(insert(model), values[start:start + 5000])
    record.made = made
    db.session.flush()
    # the audit's plugin verbs are exported / config_changed / amended: an import changes the records
    record_audit(NAME, "amended", target_type="ledger_import", target_id=record.id,
                 details={"action": "ledger_import", "community_id": community_id, "rows": len(rows),
                          **{k: v for k, v in made.items() if k != "already_imported_rows"}})
    return record


def _existing(row: Row, by_register: dict, by_label: dict) -> FeeUnit | None:
    if row.unit_id is not None and row.unit_id in by_register:
        return by_register[row.unit_id]
    return by_label.get((row.site_id, row.kind, row.label))


def _update(unit: FeeUnit, row: Row) -> bool:
    """The row's filled-in cells into the unit; whether anything changed."""
    changed = False
    for attribute, value in (("area_m2", row.area), ("payer_name", row.payer), ("payer_phone", row.phone),
                             ("billing_from", row.billing_from), ("unit_id", row.unit_id)):
        if value is not None and getattr(unit, attribute) != value:
            setattr(unit, attribute, value)
            changed = True
    return changed


def _bills_of(fee_unit_ids: list[int]) -> dict[int, list[tuple[date, date, str]]]:
    """The units' bills that are not cancelled: {fee unit: [(start, end, source)]}, one query (in chunks)."""
    out: dict[int, list] = {}
    for chunk in _chunks(fee_unit_ids):
        for unit_id, start, end, source in db.session.execute(
                select(Bill.fee_unit_id, Bill.period_start, Bill.period_end, Bill.source)
                .where(Bill.fee_unit_id.in_(chunk), Bill.status != "cancelled")):
            out.setdefault(unit_id, []).append((start, end, source))
    return out


def _balances_of(fee_unit_ids: list[int]) -> set[int]:
    """The units with an opening balance in the journal already."""
    out: set[int] = set()
    for chunk in _chunks(fee_unit_ids):
        out.update(db.session.scalars(select(Payment.fee_unit_id).where(
            Payment.fee_unit_id.in_(chunk), Payment.kind == "payment", Payment.note == OPENING_NOTE_ZH,
            and_(Payment.reverses_id.is_(None), or_(Payment.provider.is_(None), Payment.provider == "")))))
    return out


def _chunks(ids: list[int], size: int = 5000):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def imports_query(community_id: int):
    return select(LedgerImport).where(LedgerImport.community_id == community_id)


def summary(record: LedgerImport) -> dict:
    """What an import made, for people: counts, and the yuan."""
    made = dict(record.made or {})
    made["arrears"] = yuan(made.get("arrears_fen", 0))
    made["credit"] = yuan(made.get("credit_fen", 0))
    return made
