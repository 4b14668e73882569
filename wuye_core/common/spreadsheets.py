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

`xlsx_response` writes the workbook to an anonymous temporary file and streams it back, with
the file name in both forms (ASCII fallback, RFC 5987 UTF-8) and `no-store`.
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
from openpyxl.utils import get_column_letter
from werkzeug.wsgi import wrap_file

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

    def __init__(self, worksheet):
        self.worksheet = worksheet

    def cell(self, value: Any, *, number_format: str | None = None, font=None, fill=None):
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
            if number_format is None and font is None and fill is None:
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
        return cell

    def append(self, values: Iterable[Any]) -> None:
        """Write the next row; each value as `cell` makes it."""
        self.worksheet.append([self.cell(value) for value in values])


class XlsxWriter:
    """A write-only workbook whose sheets follow the rules above."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)

    def sheet(self, title: str, *, header: Sequence[Any] | None = None, widths: Iterable[float | None] = (),
              freeze: str | None = None, column_formats: dict[int, str] | None = None) -> Sheet:
        """A new sheet: column widths (characters, in column order; None keeps the default), number
        formats of whole columns ({1-based column: format}, e.g. "@" for text), the top-left cell
        of the part that scrolls (`freeze="A2"` keeps the header row in view), and the header row."""
        worksheet = self.workbook.create_sheet(title)
        for index, width in enumerate(widths, 1):  # write-only: before the first row
            if width is not None:
                worksheet.column_dimensions[get_column_letter(index)].width = width
        for index, number_format in (column_formats or {}).items():
            worksheet.column_dimensions[get_column_letter(index)].number_format = number_format
        if freeze:
            worksheet.freeze_panes = freeze
        sheet = Sheet(worksheet)
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
    fallback for old clients."""
    if isinstance(source, bytes | bytearray):
        response = Response(bytes(source), mimetype=XLSX)
    else:
        out = tempfile.TemporaryFile()
        try:
            source(out)
            size = out.tell()
            out.seek(0)
        except BaseException:
            out.close()
            raise
        response = Response(wrap_file(request.environ, out), mimetype=XLSX, direct_passthrough=True)
        response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(ascii_name, name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["DATETIME_FORMAT", "MAX_CELL_CHARS", "XLSX", "XLSX_DOC", "Sheet", "XlsxWriter", "clean_text",
           "content_disposition", "xlsx_response"]
