"""The access log's only deletion path: rows older than the retention (≥ 3 years), every tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from wuye_core.plugins import db, services, tenant_context

MIN_YEARS = 3


def purge(years: int = MIN_YEARS, now: datetime | None = None) -> int:
    from .models import CareAccessLog

    if years < MIN_YEARS:
        raise ValueError(f"the access log is kept at least {MIN_YEARS} years")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=366 * years)
    deleted = 0
    for tenant_id in services.tenant_ids(active_only=False):
        with tenant_context(tenant_id):
            result = db.session.execute(
                delete(CareAccessLog).where(CareAccessLog.at < cutoff),
                execution_options={"synchronize_session": False},
            )
            deleted += result.rowcount or 0
            db.session.commit()
    return deleted
