"""The one way wuye writes spreadsheets: every .xlsx export of the core and of the plugins.

    book = XlsxWriter()
    sheet = book.sheet("工单", header=["编号", "标题"], widths=[10, 30], freeze="A2")
    for row in rows:
        sheet.append([row.id, row.title])        # a title "=HYPERLINK(…)" stays text
    return xlsx_response(book.save, "tickets.xlsx", "工单台账.xlsx")

The rules, kept here so no export has to remember them:

- **User text is always a string cell, never a formula.** openpyxl takes a string starting with
  "=" for a formula and "#N/A" for an error value; here every `str` becomes a cell of type "s"
  (an inline string), so a community named `=HYPERLINK(…)` is shown, not run (formula
  injection, OWASP "CSV injection"; in an .xlsx a string cell is never evaluated, so the text
  is kept as written, without the "'" prefix CSV needs). No export writes CSV today; one that
  does must prefix a "'" to values starting with = + - @ tab or CR.
- **Characters an .xlsx cannot hold** (control characters other than tab, LF and CR: openpyxl's
  `ILLEGAL_CHARACTERS_RE`) are dropped instead of failing the export; text is cut at Excel's
  32,767 characters a cell.
- Numbers, booleans, dates and times are written as such (a `datetime` must be naive: Excel
  has no time zones, write Beijing wall-clock time).
- Workbooks are write-only (openpyxl streams rows to a temporary file, strings inline, no
  shared-string table), so memory stays flat whatever the number of rows. Column widths and
  frozen panes are set when the sheet is created, before its first row.
- **Every sheet prints** (`print_setup`, applied when the sheet is created): A4, fitted to the
  width of one page (`fit_to_pages(1, 0)`: as many pages down as it takes), landscape when its
  columns are wider than a portrait page holds (or as the export declares), its title/header
  rows repeated on every page (the first row unless told otherwise), margins of about 1 cm, the
  sheet's title in the page header and "第 &P 页 共 &N 页" (in the reader's language) in the
  footer. Columns of long text (`wrap=`) wrap within their width instead of running across
  pages.

`xlsx_response` (and `download_response` for any other file) writes the file to an anonymous
temporary file and streams it back, with the file name in both forms (ASCII fallback, RFC 5987
UTF-8) and `no-store`; `download_name` builds every download's name the same way
("工单台账-稻香社区-2026-01-01至2026-01-31.xlsx": the parts that are not empty, joined by "-").
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any
from urllib.parse import quote

from flask import Response, request
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from werkzeug.wsgi import wrap_file

from ..i18n import N_

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# For `@blp.response(200, description=…, **XLSX_DOC)`: the body and its Content-Disposition.
XLSX_DOC = {
    "schema": {"type": "string", "format": "binary"},
    "content_type": XLSX,
    "headers": {"Content-Disposition": {
        "description": "attachment; filename=\"…\" (ASCII); filename*=UTF-8''… (中文文件名, RFC 5987)",
        "schema": {"type": "string"}}},
}
MAX_CELL_CHARS = 32_767  # Excel's limit for the text of one cell
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

_PLAIN = (bool, int, float, decimal.Decimal, dt.date, dt.time, dt.timedelta)  # datetime is a date

# Printing. A4 portrait holds about 95 characters of default-font column width between margins
# of about 1 cm (landscape about 140); a sheet wider than that prints landscape, and every sheet is
# scaled to the page width (so a wider sheet is smaller, never cut into pages side by side).
PAPER_A4 = 9  # openpyxl's Worksheet.PAPERSIZE_A4
PORTRAIT_CHARS = 95
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.25, "footer": 0.25}  # inches
PAGE_NUMBERS = N_("Page &P of &N")  # Excel's codes: &P this page, &N the number of pages
WRAP = Alignment(wrap_text=True, vertical="top")


def clean_text(value: Any) -> str:
    """`value` as the text a cell holds: characters an .xlsx cannot hold dropped, at most
    32,767 characters."""
    text = value if isinstance(value, str) else str(value)  # a str enum: its value
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_CHARS]


class Sheet:
    """A worksheet of an `XlsxWriter`: `append` rows of plain Python values, `cell` for a value
    with a number format or a style. `worksheet` is openpyxl's write-only sheet, for what this
    class does not cover (page header and footer, data validations); never append to it
    directly: that would skip the rules above."""

    def __init__(self, worksheet, wrap: Iterable[int] = ()):
        self.worksheet = worksheet
        self.wrap = frozenset(index - 1 for index in wrap)  # 0-based, as `append` counts

    def cell(self, value: Any, *, number_format: str | None = None, font=None, fill=None, alignment=None):
        """The cell for `value` (None for None): text for any `str`, never a formula."""
        if value is None:
            return None
        if isinstance(value, Cell):
            return value
        if isinstance(value, str):
            cell = WriteOnlyCell(self.worksheet)
            # Set as is, not through `value` (whose type guess makes "=…" a formula and "#N/A" an
            # error, and which checks the characters again)
            cell._value, cell.data_type = clean_text(value), "s"
        elif isinstance(value, _PLAIN):
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                raise TypeError("Excel has no time zones: write a naive (Beijing wall-clock) datetime")
            if number_format is None and font is None and fill is None and alignment is None:
                return value  # openpyxl types it (n, b, d) and reuses one cell object
            cell = WriteOnlyCell(self.worksheet, value=value)
        else:
            raise TypeError(f"cannot write {type(value).__name__} to a spreadsheet: convert it first")
        if number_format is not None:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        return cell

    def append(self, values: Iterable[Any]) -> None:
        """Write the next row; each value as `cell` makes it (text in a `wrap` column wraps)."""
        if not self.wrap:
            self.worksheet.append([self.cell(value) for value in values])
            return
        self.worksheet.append([
            self.cell(value, alignment=WRAP) if index in self.wrap and isinstance(value, str) else self.cell(value)
            for index, value in enumerate(values)])


class XlsxWriter:
    """A write-only workbook whose sheets follow the rules above."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)

    def sheet(self, title: str, *, header: Sequence[Any] | None = None, widths: Iterable[float | None] = (),
              freeze: str | None = None, column_formats: dict[int, str] | None = None, wrap: Iterable[int] = (),
              landscape: bool | None = None, title_rows: int = 1, page_header: str | None = None) -> Sheet:
        """A new sheet: column widths (characters, in column order; None keeps the default), number
        formats of whole columns ({1-based column: format}, e.g. "@" for text), the top-left cell
        of the part that scrolls (`freeze="A2"` keeps the header row in view), the 1-based
        columns whose text wraps (`wrap`: descriptions, minutes), and the header row.

        Printing (`print_setup`): `landscape` None decides by the width of the columns;
        `title_rows` rows at the top are repeated on every page (0: none); `page_header` is
        the text at the top of each page (default: the sheet's title)."""
        worksheet = self.workbook.create_sheet(title)
        widths = list(widths)
        for index, width in enumerate(widths, 1):  # write-only: before the first row
            if width is not None:
                worksheet.column_dimensions[get_column_letter(index)].width = width
        for index, number_format in (column_formats or {}).items():
            worksheet.column_dimensions[get_column_letter(index)].number_format = number_format
        if freeze:
            worksheet.freeze_panes = freeze
        columns = max(len(widths), len(header) if header is not None else 0)
        wide = sum(w or DEFAULT_WIDTH for w in widths) + DEFAULT_WIDTH * (columns - len(widths)) > PORTRAIT_CHARS
        print_setup(worksheet, landscape=wide if landscape is None else landscape, title_rows=title_rows,
                    page_header=title if page_header is None else page_header)
        sheet = Sheet(worksheet, wrap)
        if header is not None:
            sheet.append(header)
        return sheet

    def save(self, out: IO[bytes]) -> None:
        """Write the workbook to the binary file `out` (once: a write-only workbook is then closed)."""
        self.workbook.save(out)

    def to_bytes(self) -> bytes:
        with tempfile.TemporaryFile() as out:
            self.save(out)
            out.seek(0)
            return out.read()


def header_text(text: str) -> str:
    """User text for a page header or footer: "&" is Excel's code character there ("&&" prints
    one), at most 100 characters (Excel refuses a header or footer of more than 255)."""
    return clean_text(text).replace("\n", " ")[:100].replace("&", "&&")


def print_setup(worksheet, *, landscape: bool = False, title_rows: int = 1, page_header: str | None = None) -> None:
    """How a sheet prints (every sheet `XlsxWriter.sheet` makes gets this): A4; fitted to one page
    wide, as many pages down as it takes (fit_to_pages(1, 0)); landscape or portrait; the first
    `title_rows` rows repeated on every page; margins of about 1 cm; `page_header` centred at the
    top and the page numbers ("第 &P 页 共 &N 页", in the reader's language) at the bottom.
    Call it before the sheet's first row (the fit-to-page flag is written with the sheet's start)."""
    worksheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    setup = worksheet.page_setup
    setup.paperSize = PAPER_A4
    setup.orientation = "landscape" if landscape else "portrait"
    setup.fitToWidth, setup.fitToHeight = 1, 0
    worksheet.page_margins = PageMargins(**MARGINS)
    worksheet.print_options.horizontalCentered = True
    if title_rows > 0:
        worksheet.print_title_rows = f"1:{title_rows}"
    if page_header:
        worksheet.oddHeader.center.text = header_text(page_header)
    worksheet.oddFooter.center.text = PAGE_NUMBERS.translate()


# Characters file systems refuse (Windows: \ / : * ? " < > |), control characters, and the ";"
# and "," some clients split a Content-Disposition on.
_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f\\/:*?"<>|;,]+')
_SPACES = re.compile(r"\s+")
MAX_NAME_CHARS = 120


def download_name(*parts: Any, ext: str) -> str:
    """The file name of a download, the same way for every download of the core and the plugins:
    the parts that are not empty (None and "" are left out), as text, joined by "-", with
    characters a file system refuses replaced by "_", whitespace collapsed, at most 120
    characters before ".ext":

        download_name(_("Joint meeting minutes"), community.name, "2026-12-05", ext="xlsx")
        → "联席会议纪要-径河街社区-2026-12-05.xlsx"
        download_name("meeting", 12, "minutes", "2026-12-05", ext="xlsx")  # the ASCII fallback
        → "meeting-12-minutes-2026-12-05.xlsx"
    """
    texts = []
    for part in parts:
        if part is None:
            continue
        text = _SPACES.sub(" ", _UNSAFE_IN_NAMES.sub("_", clean_text(part))).strip(" ._")
        if text:
            texts.append(text)
    stem = "-".join(texts)[:MAX_NAME_CHARS].strip(" .-") or "export"
    return f"{stem}.{ext.lstrip('.')}"


_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(ascii_name: str, name: str) -> str:
    """`attachment` with an ASCII fallback and the real (Chinese) name per RFC 5987 / 6266; a
    name that is plain ASCII already (an English one) is its own fallback."""
    if name.isascii() and name.isprintable() and not set(name) & set('"\\;'):
        fallback = name
    else:
        fallback = _UNSAFE_ASCII.sub("_", ascii_name).strip("_") or "export.xlsx"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def xlsx_response(source: Callable[[IO[bytes]], Any] | bytes, ascii_name: str, name: str) -> Response:
    """The download of a workbook: `source` writes it to a binary file (`XlsxWriter.save`, or a
    function that builds and saves one), or is its bytes. The file goes through an anonymous
    temporary file, streamed back; `name` is the file name people see, `ascii_name` the
    fallback for old clients (both made by `download_name`)."""
    return download_response(source, ascii_name, name, XLSX)


def download_response(source: Callable[[IO[bytes]], Any] | bytes, ascii_name: str, name: str,
                      mimetype: str) -> Response:
    """The download of any file (a .docx, a .pdf): as `xlsx_response`, of type `mimetype`."""
    if isinstance(source, bytes | bytearray):
        response = Response(bytes(source), mimetype=mimetype)
    else:
        out = tempfile.TemporaryFile()
        try:
            source(out)
            size = out.tell()
            out.seek(0)
        except BaseException:
            out.close()
            raise
        response = Response(wrap_file(request.environ, out), mimetype=mimetype, direct_passthrough=True)
        response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(ascii_name, name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["DATETIME_FORMAT", "MAX_CELL_CHARS", "XLSX", "XLSX_DOC", "Sheet", "XlsxWriter", "clean_text",
           "content_disposition", "download_name", "download_response", "header_text", "print_setup",
           "xlsx_response"]
