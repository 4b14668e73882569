"""Residents' rights: a member's data in the resident's copy, and its erasure."""

from __future__ import annotations


def personal_data(resident_ids):
    return None


def erase(resident_ids):
    return None
