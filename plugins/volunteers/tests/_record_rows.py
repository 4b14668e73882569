"""Test rows for service records, certificates and hours: members, teams, activities and records
inserted directly through the models (the members' and activities' own services are other
areas'), and a world with the alliance's manager and an activity organiser."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select
from wuye_volunteers.models import Activity, Member, ServiceRecord, Team, TeamMember

from wuye_core.plugins import LOCAL_TZ, db, local_today, tenant_context

P = "/api/v1/plugins/volunteers"
C = "/console/plugins/volunteers"
ID_NUMBER = "420117198805121234"


def add(tenant, *rows):
    """Insert the rows in the tenant; returns their ids."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        for row in rows:
            db.session.add(row)
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


def beijing(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as an aware instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def member(tenant, community_id: int, name: str = "张志华", kind: str = "volunteer", **kw) -> int:
    values = {"phone": "13900001111", "joined_on": date(2020, 1, 1), "status": "active", "consent_contact": True,
              "availability": [], "created_by": "test", **kw}
    return add(tenant, Member(community_id=community_id, name=name, kind=kind, **values))[0]


def team(tenant, community_id: int, name: str = "环保督导队", kind: str = "environment", leader=None) -> int:
    return add(tenant, Team(community_id=community_id, name=name, kind=kind, leader_member_id=leader, active=True,
                            created_by="test"))[0]


def join(tenant, community_id: int, team_id: int, *member_ids: int) -> None:
    add(tenant, *(TeamMember(community_id=community_id, team_id=team_id, member_id=m, joined_on=date(2020, 1, 1))
                  for m in member_ids))


def activity(tenant, community_id: int, title: str = "小区清洁", starts_at: datetime | None = None,
             minutes: int = 120, team_id=None) -> int:
    starts_at = starts_at or beijing(local_today() - timedelta(days=3))
    return add(tenant, Activity(community_id=community_id, team_id=team_id, title=title, place="海景北小区",
                                starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
                                skills_wanted=[], status="confirmed", checkin_token=f"tok-{title}-{int(starts_at.timestamp())}",
                                organiser="org", created_by="test"))[0]


def record(tenant, community_id: int, member_id: int, started_at: datetime, minutes: int = 120,
           content: str = "小区环境清洁", place: str = "海景北小区", source: str = "manual", source_id=None,
           confirmed_at: datetime | None = None, evaluation: str | None = "good") -> int:
    return add(tenant, ServiceRecord(
        community_id=community_id, member_id=member_id, source=source, source_id=source_id, content=content,
        place=place, started_at=started_at, ended_at=started_at + timedelta(minutes=minutes), minutes=minutes,
        organiser="海景北社区居民服务联盟", evaluation=evaluation, confirmed_by="org",
        confirmed_at=confirmed_at or datetime.now(UTC), corrections=0))[0]


def rows(tenant, model, *where):
    """The tenant's rows of `model` (detached values as dicts)."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        found = [{c.name: getattr(r, c.name) for c in model.__table__.columns}
                 for r in db.session.scalars(select(model).where(*where).order_by(model.id))]
        db.session.remove()
    return found


def world(wuye_make_tenant, wuye_register, wuye_enable_plugin, config=None, slug="acme"):
    """A community with the plugin on, its manager (`mgr`), an activity organiser (`org`), a clerk
    of the community (`clerk`)."""
    tenant = wuye_make_tenant(slug)
    ids = wuye_register(tenant)
    cid = ids["community"]
    wuye_enable_plugin(tenant, "volunteers", cid, config)
    mgr = tenant.user("mgr", "volunteers_manager", [cid])
    org = tenant.user("org", "volunteers_organiser", [cid])
    clerk = tenant.user("clerk", "community_staff", [cid])
    return SimpleNamespace(tenant=tenant, ids=ids, cid=cid, mgr=mgr, org=org, clerk=clerk, today=local_today())
