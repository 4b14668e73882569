"""The console's home page by role: every community side by side for an admin, only their own for
community staff, the queue for a repair worker, the period's validation, plugins' figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from wuye_core.auth.models import StaffUser
from wuye_core.common import clock
from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.testing import console_login
from wuye_core.tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def _ticket(app, tenant, community, site, title, *, created=None, **values):
    r = tenant.admin.post("/api/v1/tickets", json={
        "community_id": community, "site_id": site, "channel": "phone", "kind": "repair", "category": "电梯",
        "priority": "normal", "title": title})
    assert r.status_code == 201, r.get_json()
    ticket_id = r.get_json()["id"]
    if created or values:
        with app.app_context(), tenant_context(tenant.id):
            t = db.session.get(Ticket, ticket_id)
            if created:
                t.created_at = created
            for key, value in values.items():
                setattr(t, key, value)
            db.session.commit()
    return ticket_id


@pytest.fixture
def world(wuye_app, wuye_make_tenant, wuye_register):
    """Tenant acme: 阳光社区 (c1) with three tickets this month, 月亮社区 (c2) with one."""
    t = wuye_make_tenant("acme")
    ids = wuye_register(t, prefix="阳光")
    c1, s1 = ids["community"], ids["site"]
    c2 = t.admin.post("/api/v1/communities", json={"name": "月亮社区", "code": "c2"}).get_json()["id"]
    s2 = t.admin.post("/api/v1/sites", json={"community_id": c2, "name": "月亮小区", "kind": "old"}).get_json()["id"]
    now = datetime.now(UTC)
    _ticket(wuye_app, t, c1, s1, "电梯停运")
    _ticket(wuye_app, t, c1, s1, "楼道灯坏了", arrive_due_at=now - timedelta(hours=1),
            resolve_due_at=now - timedelta(minutes=30))  # overdue at both stages
    _ticket(wuye_app, t, c1, s1, "水管漏水", status="resolved", accepted_at=now, on_site_at=now, resolved_at=now,
            rating=4)
    _ticket(wuye_app, t, c2, s2, "路灯不亮")
    return {"tenant": t, "c1": c1, "s1": s1, "c2": c2, "s2": s2}


def _row(page: str, community_id: int) -> str:
    found = re.search(rf'<tr data-community="{community_id}">(.*?)</tr>', page, re.S)
    assert found, f"no row for community {community_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_the_admin_sees_every_community_side_by_side(world):
    page = world["tenant"].console().get("/console/")
    assert page.status_code == 200
    text = page.text
    assert "阳光社区" in text and "月亮社区" in text
    # 阳光社区: 2 open, 1 past its arrive deadline, 1 past its resolve deadline, 3 created, 1 rated 4
    assert _row(text, world["c1"]).split()[:6] == ["阳光社区", "2", "1", "1", "3", "33.3%"]
    assert "4.00" in _row(text, world["c1"])
    assert _row(text, world["c2"]).split()[:5] == ["月亮社区", "1", "0", "0", "1"]
    assert text.count('class="chart"') == 5 and "echarts.common.min.js" in text
    # the period defaults to this month (Beijing time)
    today = clock.local_today()
    assert f'value="{today.replace(day=1).isoformat()}"' in text and f'value="{today.isoformat()}"' in text
    assert "按社区" in text and "本月" in text and "上月" in text and "今年" in text


def test_a_tenant_wide_reader_sees_every_community_too(world, wuye_app):
    world["tenant"].user("jiedao", "readonly")
    page = console_login(wuye_app, "acme", "jiedao", "password-123").get("/console/")
    assert page.status_code == 200 and "阳光社区" in page.text and "月亮社区" in page.text


def test_community_staff_see_only_their_communities(world, wuye_app):
    world["tenant"].user("yueliang", "community_staff", [world["c2"]])
    page = console_login(wuye_app, "acme", "yueliang", "password-123").get("/console/")
    assert page.status_code == 200
    assert "月亮社区" in page.text and "阳光" not in page.text
    assert f'data-community="{world["c1"]}"' not in page.text
    assert _row(page.text, world["c2"]).split()[:2] == ["月亮社区", "1"]


def test_a_worker_sees_their_queue_overdue_first(world, wuye_app):
    t = world["tenant"]
    t.user("weixiu", "worker", [world["c1"]])
    with wuye_app.app_context(), tenant_context(t.id):
        worker_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "weixiu"))
    now = datetime.now(UTC)
    on_time = _ticket(wuye_app, t, world["c1"], world["s1"], "换灯泡", status="dispatched", assignee_id=worker_id,
                      arrive_due_at=now + timedelta(hours=1), resolve_due_at=now + timedelta(hours=2))
    late = _ticket(wuye_app, t, world["c1"], world["s1"], "电梯困人", status="dispatched", assignee_id=worker_id,
                   arrive_due_at=now - timedelta(minutes=10), resolve_due_at=now + timedelta(hours=3))
    _ticket(wuye_app, t, world["c1"], world["s1"], "已修好", status="resolved", assignee_id=worker_id,
            resolved_at=now)  # not open: not in the queue
    page = console_login(wuye_app, "acme", "weixiu", "password-123").get("/console/")
    assert page.status_code == 200
    text = page.text
    assert "我的工单" in text
    links = re.findall(r'href="/console/tickets/(\d+)"', text)
    assert links == [str(late), str(on_time)]  # overdue first; nobody else's tickets
    assert "电梯停运" not in text and "已修好" not in text and "月亮社区" not in text
    assert "到场超时" in text
    assert 'class="chart"' not in text and "echarts" not in text  # no charts, no chart library


def test_a_period_starting_after_its_end_is_named_next_to_its_field(world):
    page = world["tenant"].console().get("/console/?from=2026-03-10&to=2026-03-01")
    assert page.status_code == 422
    error = re.search(r'<p class="error" id="e-from">(.*?)</p>', page.text, re.S)
    assert error and ("开始日期不能晚于结束日期" in error.group(1))
    assert 'value="2026-03-10"' in page.text and 'aria-invalid="true"' in page.text
    assert 'class="chart"' not in page.text


def test_a_chosen_period_counts_the_tickets_created_in_it(world):
    page = world["tenant"].console().get("/console/?from=2020-01-01&to=2020-01-31")
    assert page.status_code == 200
    # nothing was created then; the open tickets are counted now all the same
    assert _row(page.text, world["c1"]).split()[:5] == ["阳光社区", "2", "1", "1", "0"]
    assert "2020-01-01" in page.text


def test_plugin_figures_appear_where_the_plugin_is_enabled(world, wuye_enable_plugin):
    wuye_enable_plugin(world["tenant"], "red_property", world["c2"])
    page = world["tenant"].console().get("/console/")
    assert page.status_code == 200
    section = page.text[page.text.index('id="h-plugins"'):]
    head = re.search(r"<thead>(.*?)</thead>", section, re.S).group(1)
    assert "月亮社区" in head and "阳光社区" not in head
    assert "近一年召开三方联席会议" in section


def test_no_plugin_figures_without_a_plugin(world):
    page = world["tenant"].console().get("/console/")
    assert 'id="h-plugins"' not in page.text


def test_plugin_panels_are_drawn_for_the_communities_where_enabled(world, wuye_app, wuye_enable_plugin,
                                                                   monkeypatch):
    from wuye_core.host.types import ConsolePart, Panel

    plugin = wuye_app.extensions["wuye_plugins"].plugins["red_property"]
    monkeypatch.setattr(plugin, "console", ConsolePart(panels=(
        Panel("meetings", "会议面板", "Meetings panel", render=lambda ids: f"<p>社区 {ids}</p>"),)))
    wuye_enable_plugin(world["tenant"], "red_property", world["c2"])
    page = world["tenant"].console().get("/console/")
    assert "会议面板" in page.text and f"社区 [{world['c2']}]" in page.text


def test_the_operator_sees_a_short_page(wuye_app, wuye_operator):
    page = console_login(wuye_app, None, "op", "op-pass-123").get("/console/")
    assert page.status_code == 200 and "平台" in page.text and 'class="chart"' not in page.text


def test_english_on_request(world):
    page = world["tenant"].console().get("/console/?lang=en")
    assert "By community" in page.text and "Open now" in page.text
