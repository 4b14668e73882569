"""Test rows of the trainings' and the time bank's tests: members and skills inserted directly
(the members' own services are another area's), service records made through records.add_record
(the one way in), a record's correction as the records' area makes it. Not a test module."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select
from wuye_volunteers import records, time_bank
from wuye_volunteers.models import LedgerEntry, Member, MemberSkill, ServiceRecord

from wuye_core.plugins import db, tenant_context

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


def member(tenant, community: int, name: str, kind: str = "volunteer", status: str = "active", **kw) -> int:
    return add(tenant, Member(community_id=community, name=name, kind=kind, phone=kw.pop("phone", "13900000000"),
                              joined_on=kw.pop("joined_on", date(2024, 1, 1)), status=status,
                              left_on=date(2025, 6, 1) if status == "left" else None, availability=[],
                              consent_contact=False, created_by="test", **kw))[0]


def skill(tenant, community: int, member_id: int, code: str, level: str = "basic", **kw) -> int:
    return add(tenant, MemberSkill(community_id=community, member_id=member_id, skill=code, level=level, **kw))[0]


def skills_of(tenant, member_id: int) -> dict:
    """{skill: (level, confirmed_on, confirmed_by_training_id, confirmed_by)} of a member."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        found = {s.skill: (s.level, s.confirmed_on, s.confirmed_by_training_id, s.confirmed_by)
                 for s in db.session.scalars(select(MemberSkill).where(MemberSkill.member_id == member_id))}
        db.session.remove()
    return found


def service_record(tenant, member_id: int, minutes: int, source_id: int | None = None, by: str = "mgr",
                   content: str = "小区清洁") -> int:
    """A confirmed service record through records.add_record (which earns when the time bank is on)."""
    start = datetime(2026, 3, 7, 0, 30, tzinfo=UTC)
    with tenant.app.app_context(), tenant_context(tenant.id):
        found = db.session.get(Member, member_id)
        record = records.add_record(found, source="activity" if source_id else "manual", source_id=source_id,
                                    content=content, place="海景北社区", started_at=start,
                                    ended_at=start + timedelta(minutes=max(minutes, 1) + 30), minutes=minutes,
                                    organiser="海景北社区居民服务联盟", confirmed_by=by)
        db.session.commit()
        record_id = record.id
        db.session.remove()
    return record_id


def correct(tenant, record_id: int, minutes: int, by: str = "mgr") -> None:
    """The records' area correcting a record's minutes: the new minutes, then the time bank told."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        record = db.session.get(ServiceRecord, record_id)
        before = record.minutes
        record.minutes = minutes
        record.corrections += 1
        db.session.flush()
        time_bank.record_corrected(record, before, by)
        db.session.commit()
        db.session.remove()


def ledger(tenant, member_id: int) -> list[tuple]:
    """The member's lines, oldest first: (kind, points, balance, record_id)."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        found = [(e.kind, e.points, e.balance, e.record_id) for e in db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.member_id == member_id).order_by(LedgerEntry.id))]
        db.session.remove()
    return found


def world(wuye_make_tenant, wuye_register, wuye_enable_plugin, *, time_bank_on: bool = False, per_hour: int = 10,
          slug: str = "acme") -> SimpleNamespace:
    """A community with the plugin on (the time bank as asked), its alliance manager `mgr`, an
    activity organiser `org`, community staff `staff`; members 王秀英, 李建国 (active) and 赵大山 (left)."""
    tenant = wuye_make_tenant(slug)
    ids = wuye_register(tenant)
    cid = ids["community"]
    wuye_enable_plugin(tenant, "volunteers", cid, {"time_bank": time_bank_on, "points_per_hour": per_hour})
    mgr = tenant.user("mgr", "volunteers_manager", [cid])
    org = tenant.user("org", "volunteers_organiser", [cid])
    staff = tenant.user("staff", "community_staff", [cid])
    wang = member(tenant, cid, "王秀英")
    li = member(tenant, cid, "李建国", kind="party_member")
    zhao = member(tenant, cid, "赵大山", status="left")
    return SimpleNamespace(tenant=tenant, ids=ids, cid=cid, mgr=mgr, org=org, staff=staff, wang=wang, li=li,
                           zhao=zhao)


def set_time_bank(tenant, community: int, on: bool, per_hour: int = 10) -> None:
    r = tenant.admin.put(f"/api/v1/communities/{community}/plugins/volunteers",
                         json={"enabled": True, "config": {"time_bank": on, "points_per_hour": per_hour}})
    assert r.status_code == 200, r.get_json()
