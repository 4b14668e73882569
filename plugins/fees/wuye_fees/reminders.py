"""Reminders to households in arrears (figures area)."""

from __future__ import annotations

JOBS: dict = {}
SCHEDULES: list = []
