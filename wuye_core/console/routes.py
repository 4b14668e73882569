"""The page modules of the console, imported once so each adds its views to the blueprint."""

from __future__ import annotations


def load() -> None:
    from . import auth, home, tickets, window  # noqa: F401
