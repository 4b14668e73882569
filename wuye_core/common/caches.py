"""Every per-process cache of the app, in one registry; each declares how it is invalidated.

    declare(app, "identity", seconds=5, forget_on_commit_of=(StaffUser, RoleGrant, Tenant),
            why="a token's user and grants on every request")
    found = cache("identity").get(key)

A cache spares a hot path a query; the price is staleness, so each one states it:
- `forget_on_commit_of`: a commit in this process that wrote a row of one of these classes
  empties the cache at once (db_changes.py); writes made elsewhere (other workers, the rq
  worker, raw SQL) show within `seconds`.
- `keyed_by_version=True`: every key holds a version number that each change bumps in the same
  transaction (a tenant's plugins_version); an entry never goes stale, it stops being asked for.
Values must be immutable (tuples, frozensets, NamedTuples, numbers) or be copied on the way
out: a caller must not be able to change what the next one gets. `clear_all` is for tests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context

from ..db_changes import forget_on_commit

_REGISTRY = "wuye_caches"


class TtlCache:
    """Entries expire `seconds` after they were put (None: never; 0: the cache keeps nothing).
    Not shared between processes; not thread-safe beyond what dict operations are (worst case
    two threads compute the same entry)."""

    def __init__(self, seconds: float | None, max_entries: int = 10_000):
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return default
        return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        if self.seconds == 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # crude, but bounded; entries are cheap to compute again
        expires = math.inf if self.seconds is None else time.monotonic() + self.seconds
        self._entries[key] = (expires, value)

    def clear(self) -> None:
        self._entries.clear()


@dataclass(frozen=True)
class Declared:
    name: str
    cache: TtlCache
    why: str
    forget_on_commit_of: tuple[type, ...] = ()
    keyed_by_version: bool = False


def declare(app, name: str, *, why: str, seconds: float | None, forget_on_commit_of: tuple[type, ...] = (),
            keyed_by_version: bool = False, max_entries: int = 10_000) -> TtlCache:
    """Create the app's cache `name`. It must say how it is invalidated (see the module doc)."""
    if not forget_on_commit_of and not keyed_by_version:
        raise ValueError(f"cache {name!r} declares no invalidation")
    if keyed_by_version and seconds is not None:
        raise ValueError(f"cache {name!r} is keyed by a version: it needs no expiry")
    registry = app.extensions.setdefault(_REGISTRY, {})
    if name in registry:
        raise ValueError(f"cache {name!r} is declared twice")
    declared = Declared(name, TtlCache(seconds, max_entries), why, tuple(forget_on_commit_of), keyed_by_version)
    registry[name] = declared
    if forget_on_commit_of:
        forget_on_commit(declared.forget_on_commit_of, _forgetter(name))
    return declared.cache


_forgetters: dict[str, Any] = {}


def _forgetter(name: str):
    """One commit listener per cache name (the listeners are process-wide, apps are many in
    tests): it empties the cache of whichever app is current."""
    if name not in _forgetters:
        def forget() -> None:
            if has_app_context():
                found = current_app.extensions.get(_REGISTRY, {}).get(name)
                if found is not None:
                    found.cache.clear()

        _forgetters[name] = forget
    return _forgetters[name]


def cache(name: str) -> TtlCache | None:
    """The current app's cache `name`, or None where it was not declared."""
    found = current_app.extensions.get(_REGISTRY, {}).get(name)
    return None if found is None else found.cache


def declared(app) -> list[Declared]:
    return list(app.extensions.get(_REGISTRY, {}).values())


def clear_all(app) -> None:
    """Empty every cache of the app (tests: ids and versions start over between them)."""
    for found in declared(app):
        found.cache.clear()
