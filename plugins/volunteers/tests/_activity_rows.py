"""Test rows for activities: members and teams inserted directly through the models (the members'
own services are another area's), a community with an organiser, and Beijing times."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select
from wuye_volunteers.models import Activity, Member, ServiceRecord, Signup, Team

from wuye_core.plugins import LOCAL_TZ, db, local_now, tenant_context

P = "/api/v1/plugins/volunteers"
C = "/console/plugins/volunteers"


def add(tenant, *rows) -> list[int]:
    """Insert the rows in the tenant; returns their ids."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        for row in rows:
            db.session.add(row)
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


@contextmanager
def in_tenant(tenant):
    """The app and the tenant's context, committed at the end (for calling the services directly)."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        try:
            yield db.session
            db.session.commit()
        finally:
            db.session.remove()


def member(tenant, community_id: int, name: str = "王芳", kind: str = "volunteer", phone: str = "13800000001",
           status: str = "active", consent: bool = False) -> int:
    return add(tenant, Member(community_id=community_id, name=name, kind=kind, phone=phone, availability=[],
                              consent_contact=consent, joined_on=date(2025, 1, 1), status=status,
                              left_on=date(2025, 6, 1) if status == "left" else None, created_by="test"))[0]


def members(tenant, community_id: int, n: int, prefix: str = "成员") -> list[int]:
    return add(tenant, *[Member(community_id=community_id, name=f"{prefix}{i + 1}", kind="volunteer",
                                phone=f"1380000{i:04d}", availability=[], consent_contact=False,
                                joined_on=date(2025, 1, 1), status="active", created_by="test") for i in range(n)])


def team(tenant, community_id: int, name: str = "环保督导队", active: bool = True) -> int:
    return add(tenant, Team(community_id=community_id, name=name, kind="environment", active=active,
                            created_by="test"))[0]


def beijing(days: int = 0, hour: int = 9, minute: int = 0) -> datetime:
    """A Beijing moment `days` from today at hour:minute."""
    day = local_now().date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def activity_body(days: int = 3, hours: int = 2, **changes) -> dict:
    starts = beijing(days, 9)
    return {"title": "小区周末大扫除", "description": "清理楼道杂物", "place": "3号楼前广场",
            "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=hours)), "capacity": None,
            "skills_wanted": ["cleaning"], **changes}


def world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug: str = "acme", config: dict | None = None):
    """A community with the plugin on: the alliance manager `mgr`, two organisers `org` and `org2`,
    community staff `staff` and a read-only `reader`."""
    tenant = wuye_make_tenant(slug)
    ids = wuye_register(tenant)
    cid = ids["community"]
    wuye_enable_plugin(tenant, "volunteers", cid, config)
    return SimpleNamespace(
        tenant=tenant, ids=ids, cid=cid,
        mgr=tenant.user(f"{slug}-mgr", "volunteers_manager", [cid]),
        org=tenant.user(f"{slug}-org", "volunteers_organiser", [cid]),
        org2=tenant.user(f"{slug}-org2", "volunteers_organiser", [cid]),
        staff=tenant.user(f"{slug}-staff", "community_staff", [cid]),
        reader=tenant.user(f"{slug}-reader", "readonly", [cid]),
    )


def create(api, cid: int, **changes) -> dict:
    r = api.post(f"{P}/communities/{cid}/activities", json=activity_body(**changes))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def signup_rows(tenant, activity_id: int) -> list[tuple]:
    """(member_id, status) of an activity's sign-ups, in id order."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        found = [(s.member_id, s.status) for s in db.session.scalars(
            select(Signup).where(Signup.activity_id == activity_id).order_by(Signup.id))]
        db.session.remove()
    return found


def records(tenant, activity_id: int) -> list[tuple]:
    """(member_id, minutes, organiser, confirmed_by, evaluation) of an activity's service records."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        found = [(r.member_id, r.minutes, r.organiser, r.confirmed_by, r.evaluation) for r in db.session.scalars(
            select(ServiceRecord).where(ServiceRecord.source == "activity", ServiceRecord.source_id == activity_id)
            .order_by(ServiceRecord.member_id))]
        db.session.remove()
    return found


def token_of(tenant, activity_id: int) -> str:
    with tenant.app.app_context(), tenant_context(tenant.id):
        token = db.session.get(Activity, activity_id).checkin_token
        db.session.remove()
    return token


def second_community(tenant, name: str = "第二社区") -> int:
    """Another community of the tenant (the plugin is not enabled there)."""
    r = tenant.admin.post("/api/v1/communities", json={"name": name, "code": "c2"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]
