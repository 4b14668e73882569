"""Test rows for tasks: members and their skills inserted directly (the members' own services are
another area's), a world with the plugin on, staff of each kind, and the core's tickets."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import select
from wuye_volunteers.models import Member, MemberSkill, ServiceRecord, Task

from wuye_core.plugins import db, tenant_context

P = "/api/v1/plugins/volunteers"
C = "/console/plugins/volunteers"


def add(tenant, *rows):
    """Insert the rows in the tenant; returns their ids."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        for row in rows:
            db.session.add(row)
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


def member(tenant, community_id: int, name: str, phone: str = "13900000000", *, consent: bool = True,
           skills: dict | None = None, availability=("weekend",), kind: str = "volunteer", status: str = "active") -> int:
    """A member with `skills` {skill: (level, confirmed?)}; returns the member's id."""
    [member_id] = add(tenant, Member(community_id=community_id, name=name, kind=kind, phone=phone,
                                     availability=list(availability), consent_contact=consent,
                                     consent_on=date(2026, 1, 1) if consent else None, joined_on=date(2025, 3, 1),
                                     status=status, created_by="test"))
    rows = [MemberSkill(community_id=community_id, member_id=member_id, skill=skill, level=level,
                        confirmed_on=date(2026, 2, 1) if confirmed else None, confirmed_by="test" if confirmed else None)
            for skill, (level, confirmed) in (skills or {}).items()]
    if rows:
        add(tenant, *rows)
    return member_id


def records(tenant, task_id: int) -> list[tuple]:
    """The service records of a task: (member_id, minutes, content, place, organiser, confirmed_by)."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        found = [(r.member_id, r.minutes, r.content, r.place, r.organiser, r.confirmed_by)
                 for r in db.session.scalars(select(ServiceRecord).where(ServiceRecord.source == "task",
                                                                          ServiceRecord.source_id == task_id))]
        db.session.remove()
    return found


def stored_phone(tenant, owner_engine, task_id: int) -> str:
    """The requester's phone as the database holds it (ciphertext, not the number)."""
    from sqlalchemy import text

    with owner_engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(tenant.id)})
        return connection.execute(text("select requester_phone from volunteers_tasks where id = :id"),
                                  {"id": task_id}).scalar()


def task_count(tenant, **where) -> int:
    with tenant.app.app_context(), tenant_context(tenant.id):
        stmt = select(Task)
        for key, value in where.items():
            stmt = stmt.where(getattr(Task, key) == value)
        n = len(db.session.scalars(stmt).all())
        db.session.remove()
    return n


def ticket(client, ids, title="楼道灯不亮，老人夜里看不清", accept=True) -> dict:
    """A ticket of the community (accepted by default, so it may be resolved later)."""
    r = client.post("/api/v1/tickets", json={"community_id": ids["community"], "site_id": ids["site"],
                                             "channel": "phone", "kind": "repair", "category": "水电维修",
                                             "title": title})
    assert r.status_code == 201, r.get_json()
    found = r.get_json()
    if accept:
        r = client.post(f"/api/v1/tickets/{found['id']}/transitions", json={"action": "accept"})
        assert r.status_code == 200, r.get_json()
    return found


def world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="acme"):
    """A community with the plugin on; the alliance's manager, an organiser, a community clerk who
    may write there (a task maker) and a read-only user; three members with the legal skill."""
    tenant = wuye_make_tenant(slug)
    ids = wuye_register(tenant)
    cid = ids["community"]
    wuye_enable_plugin(tenant, "volunteers", cid)
    w = SimpleNamespace(tenant=tenant, ids=ids, cid=cid)
    w.manager = tenant.user(f"{slug}-mgr", "volunteers_manager", [cid])
    w.organiser = tenant.user(f"{slug}-org", "volunteers_organiser", [cid])
    w.clerk = tenant.user(f"{slug}-clerk", "community_staff", [cid])
    w.reader = tenant.user(f"{slug}-reader", "readonly", [cid])
    return w


def other_community(tenant) -> dict:
    """A second community of the tenant (code c2) with a site: {"community", "site"}."""
    r = tenant.admin.post("/api/v1/communities", json={"name": "别处社区", "code": "c2"})
    assert r.status_code == 201, r.get_json()
    community = r.get_json()["id"]
    r = tenant.admin.post("/api/v1/sites", json={"community_id": community, "name": "别处小区", "kind": "compound"})
    assert r.status_code == 201, r.get_json()
    return {"community": community, "site": r.get_json()["id"]}
