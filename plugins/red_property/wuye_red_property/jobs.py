"""Daily jobs. `mark_overdue_resolutions`: find overdue resolutions, mark each once, and tell the
others (event `red_property.resolution_overdue`); a marked resolution is not reported again
unless its deadline moves. `schedule_meetings`: every community where the plugin is on (and
`auto_schedule` is set) always has its next joint meeting planned, at the configured cadence.
Both are idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from wuye_core.plugins import db, services

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
        .with_for_update(skip_locked=True)  # a second run at once, or a follow-up in progress: not twice
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


def schedule_meetings(tenant_id: int, **_) -> int:
    """Plan the next meeting where none is planned; returns how many were planned."""
    from wuye_core.plugins import Community

    from .meetings import create_meeting, next_meeting

    planned = 0
    for community_id in db.session.scalars(select(Community.id).order_by(Community.id)).all():
        if not services.plugin_enabled(NAME, community_id):
            continue
        if not services.plugin_config(NAME, community_id)["auto_schedule"] or next_meeting(community_id):
            continue
        meeting = create_meeting(community_id, {})
        services.emit(
            NAME, "meeting_scheduled", community_id, meeting.id, scheduled_on=meeting.scheduled_on.isoformat()
        )
        planned += 1
    services.commit()
    return planned


JOBS = {"mark_overdue_resolutions": mark_overdue, "schedule_meetings": schedule_meetings}
