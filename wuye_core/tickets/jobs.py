"""The tickets' periodic work, in every tenant."""

from __future__ import annotations

from ..events.edge import in_every_tenant
from ..jobs import JobRegistry, Policy
from . import service


def check_sla() -> int:
    """Mark missed deadlines in every tenant (each one once)."""
    return in_every_tenant(service.mark_sla_breaches)


def auto_close() -> int:
    """Close resolved tickets nobody rated in time."""
    return in_every_tenant(service.auto_close)


def register_jobs(jobs: JobRegistry) -> None:
    jobs.every(60, check_sla, policy=Policy(timeout=300, retries=(30,)))
    jobs.every(3600, auto_close, policy=Policy(timeout=300, retries=(60,)))
