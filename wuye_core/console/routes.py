"""The page modules of the console, imported once so each adds its views to the blueprint."""

from __future__ import annotations


def load() -> None:
    from . import (  # noqa: F401
        auth,
        deletion_requests,
        downloads,
        handoffs,
        home,
        links,
        notifications,
        register,
        register_config,
        register_imports,
        settings,
        supervision,
        tenants,
        tickets,
        users,
        window,
    )
