"""The register's list totals, remembered per worker process for a few seconds.

The exact `total` of a list page is a count over every matching row — for a tenant with 10,000
households an index-only scan of 10,000 entries, more than the page itself. A page turn does not
change it, so paging (api/pagination.py) remembers it under (tenant, list, filters, the caller's
communities) for `list_total_cache_seconds` (WUYE_LIST_TOTAL_CACHE_SECONDS, default 5; 0 counts
every time). A commit in this process that writes any table of the housing register forgets
them all at once; writes made through other workers (or an import job) show in the total within
those seconds. The rows of the page are always read fresh.
"""

from __future__ import annotations

from ..common.caches import declare
from .models import Building, Community, Household, Resident, ResidentTag, Site, Unit


def install(app) -> None:
    # The register's lists filter across these tables (households by their residents' tags…).
    declare(app, "list_totals", seconds=app.config["WUYE"].list_total_cache_seconds,
            forget_on_commit_of=(Community, Site, Building, Unit, Household, Resident, ResidentTag),
            why="the count behind a register list's total, on every page turn")
