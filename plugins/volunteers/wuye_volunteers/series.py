"""Recurring activities (每周清洁): a series makes its occurrences ahead, idempotently."""

from __future__ import annotations

JOBS: dict = {}
SCHEDULES: list = []
