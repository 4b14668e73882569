"""Collection figures: the dashboard, the community report, the overview (figures area)."""

from __future__ import annotations


def dashboard_figures(community_id, config):
    return []


def report_sections(community_id, period_start, period_end, config):
    return []


def overview_figures(community_id):
    return []


def panel(community_ids) -> str:
    return ""
