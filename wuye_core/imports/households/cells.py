"""One cell of the ledger as its column's API field takes it: text (numbers without a trailing
".0"), numbers, ISO dates (from Excel dates or the usual Chinese ways of writing them), tags.
Blank cells are None: "leave as stored". Whether the value is valid is the field's to say."""

from __future__ import annotations

import re
from datetime import date, datetime


def as_text(value) -> str | None:
    """A cell as text: numbers without a trailing ".0", dates as ISO dates, blanks as None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def as_number(value):
    """A numeric cell as it is; text stripped; blanks None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return str(value)
    return value


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def as_date(value):
    """Dates as Excel stores them (datetime), or written as text in the usual Chinese ways."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = as_text(value)
    if text is None:
        return None
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return text  # the field says why it is not a date
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text


_TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")


def as_tags(value):
    text = as_text(value)
    if text is None:
        return None
    return [t for t in _TAG_SEPARATORS.split(text) if t]


# How each column's cells are prepared for its field; every other column: as_text.
PREPARE = {"floor": as_number, "area": as_number, "members": as_number, "moved_in": as_date, "tags": as_tags}
