"""Expired Idempotency-Keys are deleted: every hour, in every tenant (active or not: a stored
answer may hold personal data and is kept no longer than promised), and the operators' keys."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select

from ..events.edge import unit_of_work
from ..extensions import db
from ..jobs import JobRegistry, Policy
from ..tenancy import Tenant, tenant_context
from .models import IdempotencyKey, PlatformIdempotencyKey, ResidentIdempotencyKey

EVERY_SECONDS = 3600


def _delete_expired(model, now: datetime) -> int:
    result = db.session.execute(delete(model).where(model.expires_at <= now)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def purge_expired_keys() -> int:
    """Delete the keys whose time is up; returns how many. Each tenant is its own transaction."""
    now = datetime.now(UTC)
    with unit_of_work():
        purged = _delete_expired(PlatformIdempotencyKey, now)
        tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id), unit_of_work():
            purged += _delete_expired(IdempotencyKey, now) + _delete_expired(ResidentIdempotencyKey, now)
    return purged


def register_jobs(jobs: JobRegistry) -> None:
    jobs.every(EVERY_SECONDS, purge_expired_keys, policy=Policy(timeout=300, retries=(60,)))
