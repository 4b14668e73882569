"""Dates as the people using wuye count them: Beijing time (UTC+8 all year), like the core's KPIs,
whatever the server's time zone. Tests use `today()` too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC).astimezone(BEIJING)


def today() -> date:
    return now().date()


def local_date(instant: datetime) -> date:
    return instant.astimezone(BEIJING).date()
