"""The alliance's figures: the dashboard's and the community report's section."""

from __future__ import annotations


def dashboard_figures(community_id: int, config: dict):
    return []


def report_sections(community_id: int, period_start, period_end, config: dict):
    return []


def panel(community_ids) -> str:
    return ""


def overview_figures(community_id: int) -> list:
    """The overview page's figures: (label, value, unit) rows."""
    return []
