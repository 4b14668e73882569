"""The access log's only deletion path: rows older than the retention (≥ 3 years), every tenant.

The table is append-only in the database (migration care_visits_0002): the app's role may not
DELETE from it, and a trigger refuses to delete a row younger than 3 years, whoever asks.
`purge_expired` goes through the one path the database leaves (wuye_core's append-only tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wuye_core.plugins import db, purge_expired, services, tenant_context

MIN_YEARS = 3


def purge(years: int = MIN_YEARS, now: datetime | None = None) -> int:
    if years < MIN_YEARS:
        raise ValueError(f"the access log is kept at least {MIN_YEARS} years")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=366 * years)
    deleted = 0
    for tenant_id in services.tenant_ids(active_only=False):
        with tenant_context(tenant_id):
            deleted += purge_expired("care_visits_access_log", cutoff)
            db.session.commit()
    return deleted
