"""Rows of the roster for the work area's tests, written straight into the tables (the posts' and
workers' API is another area's): a post at a site with its team, a worker with a sign-in, a
placement. Each returns the new row's id."""

from __future__ import annotations

from datetime import date

from wuye_welfare_jobs.models import Placement, Post, Worker

from wuye_core.plugins import db, local_today, tenant_context


def _add(app, tenant, row) -> int:
    with app.app_context(), tenant_context(tenant.id):
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
    return row_id


def add_post(app, tenant, community_id: int, site_id: int, *, team: str = "张家湾保洁组", name: str = "张家湾保洁岗",
             active: bool = True, leader_user_id: int | None = None, closed_on: date | None = None) -> int:
    return _add(app, tenant, Post(
        community_id=community_id, site_id=site_id, kind="cleaning", name=name, headcount=3,
        approval_ref="人社公岗〔2026〕1号", approved_from=date(2026, 1, 1), approved_until=None, team=team,
        leader_user_id=leader_user_id, active=active, closed_on=closed_on, created_by="test"))


def add_worker(app, tenant, community_id: int, *, name: str = "李桂兰", staff_user_id: int | None = None) -> int:
    return _add(app, tenant, Worker(
        community_id=community_id, name=name, gender="female", birth_date=date(1972, 3, 4),
        id_number="420111197203040028", phone="13900000001", group="landless_farmer",
        staff_user_id=staff_user_id, created_by="test"))


def add_placement(app, tenant, community_id: int, worker_id: int, post_id: int) -> int:
    today = local_today()
    return _add(app, tenant, Placement(
        community_id=community_id, worker_id=worker_id, post_id=post_id, starts_on=today,
        ends_on=date(today.year + 2, today.month, 1), created_by="test"))


def dispatch_rows(app, tenant) -> list[tuple[int, int, bool]]:
    """Every Dispatch row of the tenant as (ticket_id, post_id, open), oldest first."""
    from sqlalchemy import select
    from wuye_welfare_jobs.models import Dispatch

    with app.app_context(), tenant_context(tenant.id):
        rows = [(r.ticket_id, r.post_id, r.closed_at is None)
                for r in db.session.scalars(select(Dispatch).order_by(Dispatch.id))]
        db.session.remove()
    return rows
