"""Test rows for attendance: posts, workers and placements inserted directly (the roster's own
services are another area's), and staff users with their ids."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from wuye_welfare_jobs.models import Attendance, Placement, Post, Worker

from wuye_core.plugins import db, local_today, tenant_context


def user_id(tenant, username: str) -> int:
    """The id of a staff user of the tenant (through the admin's API)."""
    page = tenant.admin.get("/api/v1/users", query_string={"q": username, "per_page": 100}).get_json()
    return next(u["id"] for u in page["items"] if u["username"] == username)


def staff(tenant, username: str, role: str, communities=None):
    """(ApiClient, user id) of a new staff user holding `role`."""
    client = tenant.user(username, role, communities)
    return client, user_id(tenant, username)


def add(tenant, *rows):
    """Insert the rows in the tenant; returns their ids."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        for row in rows:
            db.session.add(row)
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


def post(tenant, ids, name="张家湾保洁岗", team="张家湾保洁班", leader=None, **kw) -> int:
    return add(tenant, Post(community_id=ids["community"], site_id=ids["site"], kind="cleaning", name=name,
                            headcount=kw.pop("headcount", 10), approval_ref="人社〔2026〕1号",
                            approved_from=date(2025, 1, 1), team=team, shift_start="07:00", shift_end="11:30",
                            leader_user_id=leader, created_by="test", **kw))[0]


def worker(tenant, ids, name="王秀英", id_number="420117196805121234", staff_user_id=None, community=None) -> int:
    return add(tenant, Worker(community_id=community or ids["community"], name=name, gender="female",
                              birth_date=date(1968, 5, 12), id_number=id_number, phone="13900000000",
                              group="landless_farmer", staff_user_id=staff_user_id, created_by="test"))[0]


def placement(tenant, ids, worker_id: int, post_id: int, starts_on: date, ends_on: date, exited_on=None,
              community=None) -> int:
    return add(tenant, Placement(community_id=community or ids["community"], worker_id=worker_id, post_id=post_id,
                                 starts_on=starts_on, ends_on=ends_on, exited_on=exited_on, created_by="test"))[0]


def attendance_rows(tenant) -> list[tuple]:
    """Every attendance row of the tenant: (worker_id, day, status, leave_kind, source, clock_in_at)."""
    from sqlalchemy import select

    with tenant.app.app_context(), tenant_context(tenant.id):
        found = [(a.worker_id, a.day, a.status, a.leave_kind, a.source, a.clock_in_at)
                 for a in db.session.scalars(select(Attendance).order_by(Attendance.worker_id, Attendance.day))]
        db.session.remove()
    return found


def attendance_world(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """A community with one post led by `leader`: 王秀英 and 李桂兰 on it for 70 days, 赵大山 whose
    placement ended 10 days ago; 王秀英 signs in as a worker (`me`)."""
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"])
    manager = tenant.user("mgr", "welfare_jobs_manager", [ids["community"]])
    leader, leader_id = staff(tenant, "leader", "welfare_jobs_team_leader", [ids["community"]])
    me, me_id = staff(tenant, "wang", "welfare_jobs_worker", [ids["community"]])
    today = local_today()
    start = today - timedelta(days=70)
    post_id = post(tenant, ids, leader=leader_id)
    wang = worker(tenant, ids, "王秀英", "420117196805121234", staff_user_id=me_id)
    li = worker(tenant, ids, "李桂兰", "42011719660302567X")
    zhao = worker(tenant, ids, "赵大山", "420117196301019876")
    placements = {w: placement(tenant, ids, w, post_id, start, start + timedelta(days=365 * 3)) for w in (wang, li)}
    placements[zhao] = placement(tenant, ids, zhao, post_id, start, start + timedelta(days=365 * 3),
                                 exited_on=today - timedelta(days=10))
    return SimpleNamespace(tenant=tenant, ids=ids, manager=manager, leader=leader, me=me, post=post_id,
                           wang=wang, li=li, zhao=zhao, today=today, start=start, placements=placements)
