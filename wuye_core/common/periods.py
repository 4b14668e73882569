"""The period of every figure endpoint: one argument schema, one rule for what is left out.

    GET …/kpis            ?from=2026-11-01&to=2026-11-30
    GET …/kpis            (nothing)           → this month so far: the 1st of the month to today
    GET …/kpis            ?from=2026-10-15    → 2026-10-15 to today
    GET …/kpis            ?to=2026-10-20      → 2026-10-01 (the 1st of that month) to 2026-10-20

Dates are Beijing dates (Asia/Shanghai, common/clock.py), both ends included. "Today" is the
local date at the time of the request; a period ends today rather than on the month's last day
because figures describe what has happened (tickets created, visits made): nothing is counted
after today, and the response's period then says what it covers. A start after the end (given,
or defaulted: `from` after today) is a 422 naming `from`; a period longer than the endpoint
allows is a 422 naming the date given (`to` if given, else `from`).

`PeriodArgs` loads `{"first": date, "last": date}` with both always set. An endpoint with other
limits, or a body whose keys are not `from`/`to`, subclasses it: redeclare `first`/`last` with
another `data_key` (keep the attribute names), set `MAX_DAYS`, `TOO_LONG`, `ORDER_FIELD` and
`ORDER_MESSAGE`. Plugins reach it as `wuye_core.plugins.PeriodArgs` (docs/plugins.md §3).
"""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from ..i18n import N_
from . import clock

# Far enough either way for any real period, and keeps `to + 1 day` inside Python's dates.
DATES = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31))
# The same years as the document states them: a date's year is 2000 to 2099.
YEARS_20XX = "^20[0-9]{2}-"
THREE_YEARS = 3 * 365 + 1  # one of them a leap year
RULE = ("不填为本月（1 日至今天）；只填 from 则到今天；只填 to 则从该月 1 日起 / "
        "both left out: this month (the 1st to today); `from` alone: to today; `to` alone: from the 1st of its month")


def default_period(first: date | None, last: date | None, today: date | None = None) -> tuple[date, date]:
    """The period meant by `from`/`to` when either or both are left out (see the module)."""
    if first is not None and last is not None:
        return first, last
    today = today or clock.local_today()
    if first is None and last is None:
        return today.replace(day=1), today
    if last is None:
        return first, today
    return last.replace(day=1), last


def this_month(today: date | None = None) -> tuple[date, date]:
    """The default period: the 1st of the current (Beijing) month to today."""
    return default_period(None, None, today)


class PeriodArgs(Schema):
    """`from` and `to` (query), both optional: see the module for the defaults."""

    MAX_DAYS = THREE_YEARS
    TOO_LONG = N_("The period may be at most three years long.")
    ORDER_FIELD = "first"
    ORDER_MESSAGE = N_("The start of the period is after its end.")

    first = fields.Date(data_key="from", validate=DATES, metadata={
        "pattern": YEARS_20XX,
        "description": f"首日（北京时间，含；2000–2099 年）/ first day, Beijing time, included (2000–2099); {RULE}"})
    last = fields.Date(data_key="to", validate=DATES, metadata={
        "pattern": YEARS_20XX,
        "description": f"末日（北京时间，含；2000–2099 年）/ last day, Beijing time, included (2000–2099); {RULE}"})

    def _key(self, attribute: str) -> str:
        return self.fields[attribute].data_key or attribute

    @validates_schema
    def _valid_period(self, data, **kwargs):
        first, last = default_period(data.get("first"), data.get("last"))
        if first > last:
            raise ValidationError(self.ORDER_MESSAGE, self._key(self.ORDER_FIELD))
        if (last - first).days >= self.MAX_DAYS:
            raise ValidationError(self.TOO_LONG, self._key("last" if data.get("last") else "first"))

    @post_load
    def _fill(self, data, **kwargs):
        data["first"], data["last"] = default_period(data.get("first"), data.get("last"))
        return data


__all__ = ["DATES", "THREE_YEARS", "YEARS_20XX", "PeriodArgs", "default_period", "this_month"]
