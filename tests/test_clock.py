"""Local (Beijing) dates, whatever the server's time zone."""

from datetime import UTC, date, datetime

from wuye_core.plugins import services


def test_a_late_utc_evening_is_the_next_day_in_beijing():
    assert services.local_date(datetime(2026, 11, 25, 16, 30, tzinfo=UTC)) == date(2026, 11, 26)
    assert services.local_date(datetime(2026, 11, 25, 15, 59, tzinfo=UTC)) == date(2026, 11, 25)
    assert services.local_now().utcoffset().total_seconds() == 8 * 3600
    assert services.local_today() == services.local_now().date()
