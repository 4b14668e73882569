"""Demo data (demo area)."""

from __future__ import annotations


def add_demo_data(community_id, config, today) -> None:
    return None
