"""When a placement has its worker on post — one definition for attendance, subsidies, figures.

A placement covers the days from `starts_on` to `ends_on`, both included, cut short by an exit:
`exited_on` is the worker's last day on post (离岗日期), so it is covered too.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_

from .models import Placement


def last_day(placement: Placement) -> date:
    """The last day the placement covers."""
    if placement.exited_on is not None and placement.exited_on < placement.ends_on:
        return placement.exited_on
    return placement.ends_on


def covers(placement: Placement, day: date) -> bool:
    return placement.starts_on <= day <= last_day(placement)


def overlapping(first: date, last: date):
    """SQL: the placements covering at least one day of `first`..`last` (both included)."""
    return and_(
        Placement.starts_on <= last,
        Placement.ends_on >= first,
        or_(Placement.exited_on.is_(None), Placement.exited_on >= first),
    )


def on_post(day: date):
    """SQL: the placements covering `day`."""
    return overlapping(day, day)


def days_covered(placement: Placement, first: date, last: date) -> int:
    """How many days of `first`..`last` the placement covers."""
    start, end = max(first, placement.starts_on), min(last, last_day(placement))
    return max(0, (end - start).days + 1)
