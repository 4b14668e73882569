"""Reading the ledger: the workbook's first sheet, streamed (openpyxl read-only, one row at a
time, so the file is never held in memory), and its header row, which says which column is where.

    with open_ledger(file) as ledger:   # ImportFailed: not a workbook, or the header has problems
        for row_number, values in ledger.rows: ...
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ...i18n import N_
from .cells import as_text
from .columns import COLUMNS, HeaderProblem, column_for, expected_headers
from .report import ImportFailed, RowError

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 10  # a title row or two may come before the header

NOT_XLSX = N_("The file cannot be read as an Excel workbook (.xlsx).")
DAMAGED = N_("The file is damaged and could not be read to the end; the rows before the damage were imported.")


_FIRST_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\s(?:\w+:)?id=\"([^\"]+)\"")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?[A-Z]*\$?(\d*)(?::\$?[A-Z]*\$?(\d+))?\"")
_PART_LIMIT = 4 * 1024 * 1024  # workbook.xml and its relationships are small: a bigger one is not read


def declared_last_row(archive: zipfile.ZipFile) -> int | None:
    """The last row number the first sheet declares (`<dimension ref="A1:K20001"/>`, near the
    start of the sheet's XML), read without unpacking the sheet; None when it says nothing usable.
    A hint only (some writers leave it out or get it wrong): the job counts the rows it reads."""
    try:
        infos = {info.filename: info for info in archive.infolist()}
        parts = [infos.get("xl/workbook.xml"), infos.get("xl/_rels/workbook.xml.rels")]
        if any(part is None or part.file_size > _PART_LIMIT for part in parts):
            return None
        first = _FIRST_SHEET.search(archive.read(parts[0]))
        if first is None:
            return None
        for element in _RELATIONSHIP.findall(archive.read(parts[1])):
            if re.search(rb'\sId="' + re.escape(first.group(1)) + rb'"', element):
                target = re.search(rb'\sTarget="([^"]+)"', element)
                break
        else:
            return None
        if target is None:
            return None
        name = target.group(1).decode()
        name = name.lstrip("/") if name.startswith("/") else f"xl/{name}"
        with archive.open(name) as sheet:
            head = sheet.read(16384)  # unpacks the start only
        dimension = _DIMENSION.search(head)
    except (KeyError, OSError, ValueError, zipfile.BadZipFile, RuntimeError, EOFError, UnicodeDecodeError):
        return None
    if dimension is None:
        return None
    last = dimension.group(2) or dimension.group(1)
    return int(last) if last else None


@dataclass
class Ledger:
    header_row: int
    columns: dict[str, tuple[int, str]]  # key -> (0-based index, header as written in the file)
    rows: Iterator[tuple[int, tuple]]  # the rows after the header: (row number as Excel shows it, cell values)
    declared_rows: int | None  # data rows, as the file says (a hint for progress; blank rows count too)

    @property
    def headers(self) -> dict[str, str]:
        """key -> the header as written in the file."""
        return {key: header for key, (_index, header) in self.columns.items()}


@contextmanager
def open_ledger(source) -> Iterator[Ledger]:
    """The first sheet of `source` (a path or a binary file object), read up to its header row.
    Raises ImportFailed when it is not a workbook or its header has problems; the workbook is
    closed when the block ends. A read error further on raises ImportFailed(DAMAGED) from `rows`."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # zipfile, XML and openpyxl's own errors alike
        log.info("not an xlsx workbook: %s", exc)
        raise ImportFailed(NOT_XLSX) from exc
    try:
        try:
            sheet = workbook.worksheets[0]
            declared_rows = sheet.max_row
            # Some writers declare a wrong size; read-only mode would trust it and stop early.
            sheet.reset_dimensions()
            rows = _readable(enumerate(sheet.iter_rows(values_only=True), 1))
            header_row, columns = find_header(rows)
        except ImportFailed as exc:
            if exc.msgid == DAMAGED:
                raise ImportFailed(NOT_XLSX) from exc
            raise
        except Exception as exc:
            raise ImportFailed(NOT_XLSX) from exc
        declared = declared_rows - header_row if declared_rows and declared_rows > header_row else None
        yield Ledger(header_row, columns, rows, declared)
    finally:
        workbook.close()


def _readable(rows):
    """The rows, with a read error midway (a damaged file) turned into ImportFailed."""
    iterator = iter(rows)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            log.info("workbook unreadable midway: %s", exc)
            raise ImportFailed(DAMAGED) from exc
        yield item


def find_header(rows) -> tuple[int, dict[str, tuple[int, str]]]:
    """Read up to the header row; return its row number and the columns it names.

    Raises ImportFailed for unknown, repeated or missing columns."""
    for row_number, values in rows:
        keys = [column_for(v) if as_text(v) is not None else None for v in values]
        if not any(keys):
            if row_number >= HEADER_SEARCH_ROWS:
                break
            continue
        columns: dict[str, tuple[int, str]] = {}
        errors: list[RowError] = []
        for index, (value, key) in enumerate(zip(values, keys, strict=True)):
            header = as_text(value)
            if header is None:
                continue  # an unnamed column: ignored
            if key is None:
                errors.append(RowError(row_number, header, HeaderProblem.UNKNOWN, {"expected": expected_headers()}))
            elif key in columns:
                errors.append(RowError(row_number, header, HeaderProblem.DUPLICATE,
                                       {"other": columns[key][1]}))
            else:
                columns[key] = (index, header)
        for column in COLUMNS:
            if column.required and column.key not in columns:
                errors.append(RowError(row_number, column.header, HeaderProblem.MISSING))
        if errors:
            raise ImportFailed(N_("The header row has problems; nothing was imported."), errors)
        return row_number, columns
    raise ImportFailed(HeaderProblem.NO_HEADER)
