"""The monthly attendance sheet (月度考勤表) in Excel: the template of a month, filled in by hand
(or from the company's own sheet), and its import.

The sheet: one row per worker on post in the month — 序号, 姓名, 身份证后四位, 岗位 — then one
column per day (1…N) holding a code: √ present, 休 rest, 缺 absent, 病/事/年/工/婚 the kinds of
leave; "—" (greyed) where the worker's placement does not cover the day; a legend below.

The import matches a row by name and the last four characters of the ID number (the
community's few hundred ID numbers decrypted once), checks every cell, and stores nothing when
anything is wrong (422, one message per row and column: 行 12 列 “5”：无法识别的代码 “X”). An
empty cell or "—" leaves the day as it is; a code overwrites the day's status, a clock-in and
clock-out from the phone are kept. Limits: 5 MiB, 2,000 rows.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import select

from wuye_core.plugins import (
    Community,
    DomainError,
    XlsxWriter,
    db,
    download_name,
    get_for_update,
    invalid,
    local_today,
    record_audit,
    xlsx_response,
)

from . import tenure
from .access import NAME
from .attendance import rows_of, write_day
from .i18n import N_, _
from .models import Placement, Post, Worker
from .months import month_bounds

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
MAX_MESSAGES = 200
FIRST_DAY_COLUMN = 5  # A 序号, B 姓名, C 身份证后四位, D 岗位, E… the days
OFF_POST = "—"

# code on the sheet -> (status, kind of leave); in the order of the legend
CODES: dict[str, tuple[str, str | None]] = {
    "√": ("present", None),
    "休": ("rest", None),
    "缺": ("absent", None),
    "病": ("leave", "sick"),
    "事": ("leave", "personal"),
    "年": ("leave", "annual"),
    "工": ("leave", "injury"),
    "婚": ("leave", "marriage_funeral"),
}
ALIASES = {"✓": "√", "✔": "√", "v": "√", "V": "√", "对": "√"}
BLANK = {"", OFF_POST, "-", "–", "/"}
LEGEND = [("√", N_("Present")), ("休", N_("Rest day")), ("缺", N_("Absent")), ("病", N_("Sick leave")),
          ("事", N_("Personal leave")), ("年", N_("Annual leave")), ("工", N_("Work-injury leave")),
          ("婚", N_("Marriage or funeral leave")), (OFF_POST, N_("Not on post"))]
GREY = PatternFill("solid", start_color="FFD9D9D9", end_color="FFD9D9D9")


def code_of(status: str | None, leave_kind: str | None) -> str | None:
    for code, meaning in CODES.items():
        if meaning == (status, leave_kind):
            return code
    return None


def _last4(id_number: str | None) -> str:
    return (id_number or "")[-4:].upper()


def month_roster(community_id: int, first: date, last: date) -> list[tuple[Worker, list[Placement], list[str]]]:
    """The workers on post at least one day of the month, with their placements in it and the
    names of their posts, by post then name: two queries."""
    rows = db.session.execute(
        select(Placement, Worker, Post.name).join(Worker, Worker.id == Placement.worker_id)
        .join(Post, Post.id == Placement.post_id)
        .where(Placement.community_id == community_id, tenure.overlapping(first, last), Worker.erased_at.is_(None))
        .order_by(Placement.starts_on, Placement.id)
    ).all()
    found: dict[int, tuple[Worker, list[Placement], list[str]]] = {}
    for placement, worker, post_name in rows:
        entry = found.setdefault(worker.id, (worker, [], []))
        entry[1].append(placement)
        if post_name not in entry[2]:
            entry[2].append(post_name)
    return sorted(found.values(), key=lambda e: (e[2][-1], e[0].name, e[0].id))


def covering(placements: list[Placement], day: date) -> Placement | None:
    for placement in reversed(placements):
        if tenure.covers(placement, day):
            return placement
    return None


# --- the template ----------------------------------------------------------------------------------


def template_download(community_id: int, month: date):
    """The month's sheet, with what is recorded already (manager only: it shows ID digits)."""
    first, last = month_bounds(month)
    roster = month_roster(community_id, first, last)
    recorded = rows_of([w.id for w, _p, _n in roster], first, last)
    days = list(range(1, last.day + 1))
    book = XlsxWriter()
    title = _("Attendance %(month)s", month=first.strftime("%Y-%m"))
    sheet = book.sheet(title, header=[_("No."), _("Name"), _("ID last 4"), _("Post"), *days],
                       widths=[5, 10, 9, 16, *([3.6] * len(days))], freeze="E2", column_formats={3: "@"})
    center = Alignment(horizontal="center")
    for number, (worker, placements, posts) in enumerate(roster, 1):
        cells = [number, worker.name, _last4(worker.id_number), "、".join(posts)]
        for day in days:
            when = first.replace(day=day)
            if covering(placements, when) is None:
                cells.append(sheet.cell(OFF_POST, fill=GREY, alignment=center))
            else:
                row = recorded.get((worker.id, when))
                code = code_of(row.status, row.leave_kind) if row is not None else None
                cells.append(sheet.cell(code, alignment=center) if code else None)
        sheet.append(cells)
    sheet.append([])
    legend = "　".join(f"{code} {label.translate()}" for code, label in LEGEND)
    sheet.append([sheet.cell(_("Codes: %(legend)s. An empty cell leaves the day as it is.", legend=legend),
                             font=Font(italic=True))])
    record_audit(NAME, "exported", target_type="community", target_id=community_id,
                 details={"file": "attendance-template.xlsx", "month": first.strftime("%Y-%m")})
    name = db.session.get(Community, community_id).name
    return xlsx_response(book.save,
                         download_name("attendance", "template", community_id, first.strftime("%Y-%m"), ext="xlsx"),
                         download_name(_("Attendance sheet"), name, first.strftime("%Y-%m"), ext="xlsx"))


# --- the import ------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _id4(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value):04d}"  # Excel dropped the leading zero of 0123
    return _text(value).upper()


def _day_number(value) -> int | None:
    text = _text(value)
    return int(text) if text.isdigit() else None


def read_workbook(data: bytes):
    """The first sheet's rows (values), or 422 naming `file`."""
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


def parse_sheet(data: bytes, community_id: int, month: date):
    """The sheet's cells as [(worker, placement, day, status, leave_kind)], or DomainError with
    every problem (row and column named)."""
    first, last = month_bounds(month)
    today = local_today()
    book, sheet = read_workbook(data)
    try:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        columns = {}  # 0-based index -> day of the month
        for index, value in enumerate(header or ()):
            if index + 1 >= FIRST_DAY_COLUMN and (number := _day_number(value)) is not None:
                columns[index] = number
        if sorted(columns.values()) != list(range(1, last.day + 1)):
            invalid("file", N_("The day columns are not those of %(month)s: use the template of the month.",
                               month=first.strftime("%Y-%m")), location="files")
        roster = {w.id: (w, placements) for w, placements, _n in month_roster(community_id, first, last)}
        by_key: dict[tuple[str, str], list[Worker]] = {}
        for worker in db.session.scalars(select(Worker).where(Worker.community_id == community_id,
                                                              Worker.erased_at.is_(None))):
            by_key.setdefault((worker.name.strip(), _last4(worker.id_number)), []).append(worker)
        problems: list = []
        entries: list[tuple[Worker, Placement, date, str, str | None]] = []
        first_row: dict[int, int] = {}
        count = 0
        for number, values in enumerate(rows, 2):
            values = list(values) + [None] * max(0, FIRST_DAY_COLUMN - 1 - len(values))
            name, last4 = _text(values[1]), _id4(values[2])
            if not name and not last4:
                continue  # a blank row, the legend
            count += 1
            if count > MAX_ROWS:
                invalid("file", N_("The sheet has more than %(count)s rows.", count=MAX_ROWS), location="files")
            matches = by_key.get((name, last4), [])
            if len(matches) != 1:
                problems.append(
                    N_("Row %(row)s: no worker named %(name)s whose ID number ends in %(last4)s.",
                       row=number, name=name, last4=last4) if not matches else
                    N_("Row %(row)s: two workers are named %(name)s with an ID number ending in %(last4)s.",
                       row=number, name=name, last4=last4))
                continue
            worker = matches[0]
            if worker.id in first_row:
                problems.append(N_("Row %(row)s: %(name)s is on row %(first)s already.",
                                   row=number, name=name, first=first_row[worker.id]))
                continue
            first_row[worker.id] = number
            placements = roster.get(worker.id, (worker, []))[1]
            for index, day_number in columns.items():
                raw = _text(values[index] if index < len(values) else None)
                if raw in BLANK:
                    continue
                code = ALIASES.get(raw, raw)
                if code not in CODES:
                    problems.append(N_("Row %(row)s, column “%(column)s”: unknown code “%(code)s”.",
                                       row=number, column=day_number, code=raw))
                    continue
                day = first.replace(day=day_number)
                placement = covering(placements, day)
                if day > today:
                    problems.append(N_("Row %(row)s, column “%(column)s”: the day has not come yet.",
                                       row=number, column=day_number))
                elif placement is None:
                    problems.append(N_("Row %(row)s, column “%(column)s”: %(name)s is not on post that day.",
                                       row=number, column=day_number, name=name))
                else:
                    entries.append((worker, placement, day, *CODES[code]))
    finally:
        book.close()
    if problems:
        shown = problems[:MAX_MESSAGES]
        if len(problems) > MAX_MESSAGES:
            shown.append(N_("… and %(count)s more.", count=len(problems) - MAX_MESSAGES))
        raise DomainError(N_("The sheet has %(count)s errors: nothing was stored.", count=len(problems)),
                          errors={"files": {"file": shown}})
    return entries


def import_sheet(community_id: int, month: date, data: bytes, actor: str) -> dict:
    """Import a filled-in sheet: all or nothing. {"created", "updated", "unchanged"} days."""
    entries = parse_sheet(data, community_id, month)
    first, last = month_bounds(month)
    workers = sorted({worker.id for worker, *_rest in entries})
    for worker_id in workers:  # in one order: no two imports (or a sheet and a clock-in) wait for each other
        get_for_update(Worker, worker_id)
    existing = rows_of(workers, first, last)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changed_fields: set[str] = set()
    for worker, placement, day, status, leave_kind in entries:
        row = existing.get((worker.id, day))
        _row, outcome, changed = write_day(
            worker, placement, day, status=status, leave_kind=leave_kind, note=row.note if row is not None else None,
            source="sheet", actor=actor, existing=row, known=True, audit=False)
        counts[outcome] += 1
        changed_fields.update(changed)
    if counts["updated"]:  # one entry for the sheet's corrections, not one per day
        record_audit(NAME, "amended", target_type="attendance_sheet", target_id=community_id,
                     details={"fields": sorted(changed_fields), "month": first.strftime("%Y-%m"),
                              "days": counts["updated"]})
    db.session.flush()
    return counts
