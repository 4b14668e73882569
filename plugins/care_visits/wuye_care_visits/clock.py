"""Dates as the people using wuye count them: Beijing time, the core's clock (like its KPIs),
whatever the server's time zone. Tests use `today()` too."""

from __future__ import annotations

from wuye_core.plugins import LOCAL_TZ as BEIJING  # noqa: F401
from wuye_core.plugins import local_date  # noqa: F401
from wuye_core.plugins import local_now as now  # noqa: F401
from wuye_core.plugins import local_today as today  # noqa: F401
