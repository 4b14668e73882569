"""A community's report for a period: the sections the core and its enabled plugins contribute
(hook `wuye_report_sections`). Read by the API (households/dashboard.py, GET …/report) and shown
by the console (console/downloads.py) from this one function."""

from __future__ import annotations

from datetime import date

from ..host.dispatch import call_contained
from .figures import plugin_config
from .models import Community


def community_report(community: Community, first: date, last: date) -> dict:
    """The report of a community the caller may read (checked by the caller), from `first` to
    `last` (Beijing dates, both included)."""
    results = call_contained("wuye_report_sections", community.id, per_plugin=plugin_config(community.id),
                             tenant_id=community.tenant_id, community_id=community.id,
                             period_start=first, period_end=last)
    sections = [{"plugin": name, **vars(s)} for name, secs in results for s in (secs or [])]
    return {"community_id": community.id, "period_start": first, "period_end": last, "sections": sections}
