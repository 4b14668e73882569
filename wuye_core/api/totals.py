"""List totals, remembered per worker process for a few seconds.

The exact `total` of a list page is a count over every matching row — for a tenant with 10,000
households an index-only scan of 10,000 entries, more than the page itself. A page turn does not
change it, so it is remembered under (tenant, list, filters, the caller's communities) for
`list_total_cache_seconds` (WUYE_LIST_TOTAL_CACHE_SECONDS, default 5; 0 counts every time).
A commit in this process that writes any table of the housing register forgets them all at
once; writes made through other workers (or an import job) show in the total within those
seconds. The rows of the page are always read fresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import current_app, has_app_context

from ..common.ttl_cache import TtlCache


def totals_cache() -> TtlCache:
    return current_app.extensions["wuye_totals_cache"]


def total(key: Hashable, count: Callable[[], int]) -> int:
    """The cached total under `key`, or `count()` (then remembered)."""
    cache = totals_cache()
    found = cache.get(key)
    if found is None:
        found = count()
        cache.put(key, found)
    return found


def _forget_totals() -> None:
    if has_app_context():
        totals_cache().clear()


def install(app) -> None:
    from ..db_changes import forget_on_commit
    from ..households.models import Building, Community, Household, Resident, ResidentTag, Site, Unit

    app.extensions["wuye_totals_cache"] = TtlCache(app.config["WUYE"].list_total_cache_seconds)
    # The register's lists filter across these tables (households by their residents' tags…).
    forget_on_commit((Community, Site, Building, Unit, Household, Resident, ResidentTag), _forget_totals)
