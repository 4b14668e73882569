"""Billing periods: a community bills monthly, quarterly or yearly (its config `billing_cycle`).

A period is named by its first day; `label` is what people read and what files are named by
("2026-11", "2026Q4", "2026"). The bill of a fee unit for a period is unique on (unit, first day):
that is what makes generating bills twice harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
# a period's label as the API documents it (parse_label reads these, "2026q4" too)
LABEL_PATTERN = "^20[0-9]{2}(-(0[1-9]|1[0-2])|[Qq][1-4])?$"


@dataclass(frozen=True)
class Period:
    cycle: str
    start: date
    end: date  # the last day, included
    months: int

    @property
    def label(self) -> str:
        if self.cycle == "yearly":
            return f"{self.start.year}"
        if self.cycle == "quarterly":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"


def period_of(cycle: str, day: date) -> Period:
    """The period of `cycle` that holds `day`."""
    months = CYCLE_MONTHS[cycle]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    return Period(cycle, start, add_months(start, months) - timedelta(days=1), months)


def next_period(period: Period) -> Period:
    return period_of(period.cycle, period.end + timedelta(days=1))


def parse_label(label: str) -> Period:
    """"2026-11" → that month, "2026Q4" → that quarter, "2026" → that year; ValueError otherwise."""
    text = label.strip().upper()
    if len(text) == 4 and text.isdigit():
        return period_of("yearly", date(int(text), 1, 1))
    if len(text) == 6 and text[4] == "Q" and text[:4].isdigit() and text[5] in "1234":
        return period_of("quarterly", date(int(text[:4]), (int(text[5]) - 1) * 3 + 1, 1))
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
        return period_of("monthly", date(int(text[:4]), int(text[5:]), 1))
    raise ValueError(label)


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter 1–4) of a day: the disclosure statements are quarterly."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, (quarter - 1) * 3 + 1, 1)
    return start, add_months(start, 3) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the 1st stays the 1st; the 31st becomes the month's last)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def months_between(first: date, last: date) -> int:
    """Whole months from `first`'s month to `last`'s, both included (2026-01 … 2026-03 → 3)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1
