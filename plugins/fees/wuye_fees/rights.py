"""Residents' copies of their data and erasures (demo area)."""

from __future__ import annotations


def personal_data(resident_ids, phone):
    return None


def erase(resident_ids, phone):
    return None
