"""The page modules of the console, imported once so each adds its views to the blueprint."""

from __future__ import annotations


def load() -> None:
    from . import (  # noqa: F401
        auth,
        deletion_requests,
        disclosures,
        downloads,
        handoffs,
        home,
        links,
        notices,
        notifications,
        register,
        register_config,
        register_imports,
        register_poster,
        settings,
        supervision,
        tenants,
        tickets,
        users,
        window,
    )
