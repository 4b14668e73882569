"""时间银行 (optional per community): confirmed hours earn points, spent on services from other
members; a member's ledger never goes negative."""

from __future__ import annotations


def earn(record, by: str) -> None:
    """Points for a confirmed service record (once per record)."""
    return None


def record_corrected(record, minutes_before: int, by: str) -> None:
    """A record's minutes were corrected: the points it earned follow (an adjustment line)."""
    return None
