"""A small per-process cache whose entries expire after a fixed number of seconds.

Serves the caches that spare the hot paths a query (auth/identity_cache.py, api/totals.py);
each says why its staleness is acceptable. Not shared between processes, not thread-safe
beyond what dict operations are (worst case two threads compute the same entry).
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any


class TtlCache:
    def __init__(self, seconds: float, max_entries: int = 10_000):
        self.seconds = seconds  # 0: the cache keeps nothing
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return default
        return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        if not self.seconds:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # crude, but bounded; the entries live seconds anyway
        self._entries[key] = (time.monotonic() + self.seconds, value)

    def clear(self) -> None:
        self._entries.clear()
