"""The daily job: find overdue resolutions, mark each once, and tell the others (event
`red_property.resolution_overdue`). Idempotent: a marked resolution is not reported again
(unless its deadline moves)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from wuye_core.extensions import db
from wuye_core.plugins import services

from .common import NAME, today
from .models import Resolution

DAY = 24 * 60 * 60


def mark_overdue(tenant_id: int, **_) -> int:
    """Runs in the tenant's context (the core starts it); returns how many were marked."""
    now, day = datetime.now(UTC), today()
    late = db.session.scalars(
        select(Resolution)
        .where(
            Resolution.status.in_(("open", "in_progress")),
            Resolution.due_on < day,
            Resolution.overdue_at.is_(None),
        )
        .order_by(Resolution.id)
    ).all()
    enabled: dict[int, bool] = {}
    marked = 0
    for resolution in late:
        community = resolution.community_id
        if community not in enabled:
            enabled[community] = services.plugin_enabled(NAME, community)
        if not enabled[community]:
            continue  # switched off there: its data rests, and nobody is told
        resolution.overdue_at = now
        services.emit(
            NAME,
            "resolution_overdue",
            community,
            resolution.id,
            due_on=resolution.due_on.isoformat(),
            days_overdue=(day - resolution.due_on).days,
            owner_side=resolution.owner_side,
            owner_name=resolution.owner_name,
        )
        marked += 1
    services.commit()
    return marked


JOBS = {"mark_overdue_resolutions": mark_overdue}
