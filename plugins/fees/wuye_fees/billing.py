"""Generating a period's bills (billing area)."""

from __future__ import annotations

JOBS: dict = {}
SCHEDULES: list = []
