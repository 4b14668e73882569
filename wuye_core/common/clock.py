"""Dates as the people using wuye count them: Beijing time (UTC+8 all year since 1991, no DST),
whatever the server's time zone. Timestamps are stored in UTC; periods, deadlines in days and
"today" are local dates. A fixed offset, so no tz database is needed in the container."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

LOCAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_now() -> datetime:
    return datetime.now(UTC).astimezone(LOCAL_TZ)


def local_today() -> date:
    return local_now().date()


def local_date(instant: datetime) -> date:
    """The local calendar date of an aware instant."""
    return instant.astimezone(LOCAL_TZ).date()
