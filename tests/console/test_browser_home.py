"""The home page in a real browser: the admin's charts drawn, the worker's queue on a phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from wuye_core.auth.models import StaffUser
from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.testing import accept_password, browser_sign_in, page_problems
from wuye_core.tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def _tickets(app, tenant, community, site, n, **values):
    ids = []
    for i in range(n):
        r = tenant.admin.post("/api/v1/tickets", json={
            "community_id": community, "site_id": site, "channel": "phone", "kind": "repair",
            "category": ["电梯", "保洁", "绿化"][i % 3], "priority": "normal",
            "title": f"一个很长很长的工单标题，说明楼道里的灯坏了需要尽快修理，第{i}号"})
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"])
    if values:
        with app.app_context(), tenant_context(tenant.id):
            for ticket_id in ids:
                t = db.session.get(Ticket, ticket_id)
                for key, value in values.items():
                    setattr(t, key, value)
            db.session.commit()
    return ids


@pytest.fixture
def world(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t, prefix="阳光")
    c2 = t.admin.post("/api/v1/communities", json={"name": "月亮社区", "code": "c2"}).get_json()["id"]
    s2 = t.admin.post("/api/v1/sites", json={"community_id": c2, "name": "月亮小区", "kind": "old"}).get_json()["id"]
    _tickets(wuye_app, t, ids["community"], ids["site"], 4)
    _tickets(wuye_app, t, c2, s2, 2)
    accept_password(wuye_app, "acme", "admin")
    return {"t": t, "c1": ids["community"], "s1": ids["site"]}


def test_the_admin_sees_the_charts_drawn(world, wuye_live_server, wuye_page):
    problems = page_problems(wuye_page)
    browser_sign_in(wuye_page, wuye_live_server, "acme", "admin", "admin-pass-123")
    charts = wuye_page.locator(".chart")
    assert charts.count() == 5
    wuye_page.wait_for_function("() => document.querySelectorAll('.chart canvas').length >= 5")
    for i in range(5):
        assert charts.nth(i).locator("canvas").count() >= 1
    assert wuye_page.get_by_role("heading", name="按社区").is_visible()
    assert wuye_page.locator("table.by-community tbody tr").count() == 2
    # a quick choice of period reloads the page with it
    wuye_page.get_by_role("link", name="上月").click()
    wuye_page.wait_for_function("() => document.querySelectorAll('.chart canvas').length >= 5")
    assert "from=" in wuye_page.url
    assert problems == []


def test_the_workers_queue_fits_a_phone(world, wuye_app, wuye_live_server, wuye_browser):
    t = world["t"]
    t.user("weixiu", "worker", [world["c1"]])
    accept_password(wuye_app, "acme", "weixiu")
    with wuye_app.app_context(), tenant_context(t.id):
        worker_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "weixiu"))
    now = datetime.now(UTC)
    _tickets(wuye_app, t, world["c1"], world["s1"], 3, status="dispatched", assignee_id=worker_id,
             arrive_due_at=now - timedelta(minutes=3), resolve_due_at=now + timedelta(hours=1))
    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        problems = page_problems(page)
        browser_sign_in(page, wuye_live_server, "acme", "weixiu", "password-123")
        assert page.get_by_role("heading", name="我的工单").is_visible()
        items = page.locator("ol.queue > li")
        assert items.count() == 3
        assert items.first.get_by_text("到场超时").is_visible()
        assert items.first.locator("a").get_attribute("href").startswith("/console/tickets/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways on a phone: {width} px"
        page.screenshot(path="/tmp/c-dash-worker-375.png", full_page=True)
        assert problems == []
    finally:
        context.close()
