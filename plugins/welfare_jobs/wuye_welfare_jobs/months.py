"""Months as the roster names them ("2026-11"): attendance, subsidies and their pages read them here.

The API documents the one pattern below (2000-01 to 2100-12, ASCII digits); a month is kept as
its first day.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

MONTH_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"
_MONTH = re.compile(MONTH_PATTERN)


def parse_month(text: str) -> date | None:
    """"2026-11" → date(2026, 11, 1); None when it is not a month of the pattern."""
    found = _MONTH.match(text or "")
    return date(int(found.group(1)), int(found.group(2)), 1) if found else None


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the month of `month`."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_text(first: date) -> str:
    return first.strftime("%Y-%m")
