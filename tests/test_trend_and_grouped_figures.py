"""The tickets domain's functions behind the console's home page: the weekly trend
(kpis.weekly_trend), the dashboard figures of several communities in one statement
(figures.figures_by_community, the same as ticket_figures one by one), a worker's queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.tickets import figures, kpis
from wuye_core.tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

# 2025-03-03 is a Monday; its week in Beijing starts at 2025-03-02 16:00 UTC
MONDAY = date(2025, 3, 3)
WEEK_START = datetime(2025, 3, 2, 16, 0, tzinfo=UTC)


def _ticket(app, tenant, community, site, **values):
    r = tenant.admin.post("/api/v1/tickets", json={
        "community_id": community, "site_id": site, "channel": "phone", "kind": "repair", "category": "电梯",
        "priority": "normal", "title": "电梯"})
    assert r.status_code == 201, r.get_json()
    with app.app_context(), tenant_context(tenant.id):
        t = db.session.get(Ticket, r.get_json()["id"])
        for key, value in values.items():
            setattr(t, key, value)
        db.session.commit()
        return t.id


@pytest.fixture
def world(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    c2 = t.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    s2 = t.admin.post("/api/v1/sites", json={"community_id": c2, "name": "二小区", "kind": "old"}).get_json()["id"]
    return {"t": t, "c1": ids["community"], "s1": ids["site"], "c2": c2, "s2": s2}


def test_trend_weeks_are_the_twelve_mondays_up_to_the_week_of_the_date():
    weeks = kpis.trend_weeks(date(2025, 3, 9))  # a Sunday: still the week of 2025-03-03
    assert len(weeks) == 12 and weeks[-1] == MONDAY and weeks[0] == MONDAY - timedelta(weeks=11)
    assert all(w.weekday() == 0 for w in weeks)


def test_weekly_trend_counts_created_and_resolved_by_beijing_week(wuye_app, world):
    t, c1, s1, c2, s2 = world["t"], world["c1"], world["s1"], world["c2"], world["s2"]
    us = timedelta(microseconds=1)
    # exactly at the start of the last week (Monday 00:00 Beijing): in that week
    _ticket(wuye_app, t, c1, s1, created_at=WEEK_START)
    # a microsecond before: the week before; resolved in the last week
    _ticket(wuye_app, t, c1, s1, created_at=WEEK_START - us, resolved_at=WEEK_START + timedelta(days=2),
            status="resolved")
    # created long before the 12 weeks, resolved in the last one: resolved counts, created does not
    _ticket(wuye_app, t, c2, s2, created_at=WEEK_START - timedelta(weeks=30), status="resolved",
            resolved_at=WEEK_START + timedelta(days=6, hours=23))
    # after the last week: nowhere
    _ticket(wuye_app, t, c2, s2, created_at=WEEK_START + timedelta(weeks=1))
    # the first week's first instant, in c2
    _ticket(wuye_app, t, c2, s2, created_at=WEEK_START - timedelta(weeks=11))
    with wuye_app.app_context(), tenant_context(t.id):
        trend = kpis.weekly_trend(MONDAY + timedelta(days=3), [c1, c2])
        only_c1 = kpis.weekly_trend(MONDAY, [c1])
    assert trend["weeks"][-1] == MONDAY
    assert trend["created"] == [1] + [0] * 9 + [1, 1]
    assert trend["resolved"] == [0] * 11 + [2]
    assert trend["communities"][c1] == {"created": [0] * 10 + [1, 1], "resolved": [0] * 11 + [1]}
    assert trend["communities"][c2] == {"created": [1] + [0] * 11, "resolved": [0] * 11 + [1]}
    assert only_c1["created"] == trend["communities"][c1]["created"] and set(only_c1["communities"]) == {c1}


def test_figures_of_several_communities_are_those_of_each(wuye_app, world):
    t, c1, s1, c2, s2 = world["t"], world["c1"], world["s1"], world["c2"], world["s2"]
    now = datetime.now(UTC)
    _ticket(wuye_app, t, c1, s1, arrive_due_at=now - timedelta(minutes=5), resolve_due_at=now - timedelta(minutes=1))
    _ticket(wuye_app, t, c1, s1, status="resolved", resolved_at=now, rating=5)
    _ticket(wuye_app, t, c2, s2, status="cancelled")
    with wuye_app.app_context(), tenant_context(t.id):
        grouped = figures.figures_by_community([c1, c2, 999_999])
        one_by_one = {c: figures.ticket_figures(c) for c in (c1, c2, 999_999)}
    assert grouped == one_by_one
    values = {f.key: f.value for f in grouped[c1]}
    assert values["tickets_open"] == 1 and values["tickets_overdue_arrive"] == 1
    assert values["tickets_overdue_resolve"] == 1 and values["tickets_resolved_month"] == 1
    assert {f.key: f.value for f in grouped[999_999]}["tickets_open"] == 0


def test_a_workers_queue_is_theirs_and_open_overdue_first(wuye_app, world):
    from sqlalchemy import select

    from wuye_core.auth.identity import staff_identity
    from wuye_core.auth.models import StaffUser
    from wuye_core.tickets.queue import worker_queue

    t, c1, s1, c2, s2 = world["t"], world["c1"], world["s1"], world["c2"], world["s2"]
    t.user("w", "worker", [c1])
    with wuye_app.app_context(), tenant_context(t.id):
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == "w"))
        user.team = "维修班"
        db.session.commit()
        worker_id = user.id
    now = datetime.now(UTC)
    soon = _ticket(wuye_app, t, c1, s1, status="dispatched", assignee_id=worker_id,
                   resolve_due_at=now + timedelta(hours=1), arrive_due_at=now + timedelta(minutes=5))
    team = _ticket(wuye_app, t, c1, s1, status="on_site", team="维修班", on_site_at=now,
                   resolve_due_at=now - timedelta(minutes=1))
    later = _ticket(wuye_app, t, c1, s1, status="dispatched", assignee_id=worker_id,
                    resolve_due_at=now + timedelta(hours=5))
    _ticket(wuye_app, t, c1, s1, status="dispatched")  # nobody's
    _ticket(wuye_app, t, c1, s1, status="closed", assignee_id=worker_id)  # not open
    _ticket(wuye_app, t, c2, s2, status="dispatched", assignee_id=worker_id)  # not a community of theirs
    with wuye_app.app_context(), tenant_context(t.id):
        identity = staff_identity(db.session.get(StaffUser, worker_id))
        queue = worker_queue(identity)
        second = worker_queue(identity, page=2, per_page=2)
    assert [x.id for x in queue["items"]] == [team, soon, later] and queue["total"] == 3
    assert queue["late"] == {team: ["resolve"]}
    assert [x.id for x in second["items"]] == [later]
