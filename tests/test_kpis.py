"""Ticket KPIs and Excel exports: exact figures, the edges of the period, permissions.

Tickets are submitted through the API, then their timestamps are set through the ORM (inside
the tenant's context) to known instants. The period is the first quarter of 2025 in Beijing
time: [2024-12-31 16:00 UTC, 2025-03-31 16:00 UTC).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.tickets import kpis
from wuye_core.tickets.export import TICKET_COLUMNS, XLSX
from wuye_core.tickets.models import Ticket

START = datetime(2024, 12, 31, 16, 0, tzinfo=UTC)  # 2025-01-01 00:00 in Beijing
END = datetime(2025, 3, 31, 16, 0, tzinfo=UTC)  # 2025-04-01 00:00 in Beijing
Q1 = {"from": "2025-01-01", "to": "2025-03-31"}
FAR = datetime(2099, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)


def _minutes(m):
    return timedelta(minutes=m)


def _ticket(wuye_app, tenant, community, site, created, *, kind="repair", category="水电维修", priority="normal",
            status="submitted", title="厨房水管漏水", accepted=None, on_site=None, resolved=None, closed=None,
            arrive_due=_minutes(5), resolve_due=_minutes(30), rating=None, reopened=0):
    """Submit a ticket through the API, then give it known timestamps (offsets from `created`)."""
    r = tenant.admin.post("/api/v1/tickets", json={
        "community_id": community, "site_id": site, "channel": "phone", "kind": kind, "category": category,
        "priority": priority, "title": title})
    assert r.status_code == 201, r.get_json()
    ticket_id = r.get_json()["id"]

    def at(offset):
        if offset is None:
            return None
        return offset if isinstance(offset, datetime) else created + offset

    with wuye_app.app_context(), tenant_context(tenant.id):
        t = db.session.get(Ticket, ticket_id)
        t.created_at, t.status = created, status
        t.accepted_at, t.on_site_at, t.resolved_at, t.closed_at = at(accepted), at(on_site), at(resolved), at(closed)
        t.arrive_due_at, t.resolve_due_at = at(arrive_due), at(resolve_due)
        t.rating, t.reopened_count = rating, reopened
        db.session.commit()
    return ticket_id


@pytest.fixture
def world(wuye_app, wuye_make_tenant, wuye_register):
    """Tenant `acme`: community one (c1) with six tickets in the quarter and two just outside it,
    community two (c2) with one ticket in the quarter."""
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    c1, s1 = ids["community"], ids["site"]
    c2 = t.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    s2 = t.admin.post("/api/v1/sites", json={"community_id": c2, "name": "二小区", "kind": "old"}).get_json()["id"]
    tickets = {
        # created exactly at the start: in. Arrived late (12 > 5 min), resolved in time (20 ≤ 30).
        "t1": _ticket(wuye_app, t, c1, s1, START, status="closed", accepted=_minutes(10), on_site=_minutes(12),
                      resolved=_minutes(20), closed=timedelta(days=1), rating=5),
        # created at .7 s: the response 299.5 s counts as 300 s (both instants truncated to the second).
        # Arrived in time, resolved late (60 > 30 min); reopened once, then closed.
        "t2": _ticket(wuye_app, t, c1, s1, datetime(2025, 1, 10, 2, 0, 0, 700000, tzinfo=UTC), kind="complaint",
                      category="噪音", priority="urgent", status="closed", accepted=timedelta(seconds=299.5),
                      on_site=_minutes(4), resolved=_minutes(60), closed=_minutes(90), rating=2, reopened=1),
        # open, both deadlines long past: two misses
        "t3": _ticket(wuye_app, t, c1, s1, datetime(2025, 2, 1, tzinfo=UTC), kind="complaint", category="噪音",
                      status="accepted", accepted=_minutes(2)),
        # a microsecond before the end: in. Cancelled: out of completion and SLA figures.
        "t4": _ticket(wuye_app, t, c1, s1, END - US, kind="inquiry", category="其他", status="cancelled",
                      closed=_minutes(1)),
        # resolved within the 4 hours of a major ticket, without the arrive step: arrival missed
        "t7": _ticket(wuye_app, t, c1, s1, datetime(2025, 3, 1, tzinfo=UTC), priority="major", status="resolved",
                      accepted=_minutes(20), resolved=timedelta(hours=3), resolve_due=timedelta(hours=4)),
        # open, deadlines not yet passed: in no SLA figure
        "t9": _ticket(wuye_app, t, c1, s1, datetime(2025, 3, 15, tzinfo=UTC), kind="suggestion", category="其他",
                      priority="complex", arrive_due=FAR, resolve_due=FAR),
        # just outside: exactly at the end, and a microsecond before the start
        "t5": _ticket(wuye_app, t, c1, s1, END, kind="complaint", category="噪音", priority="major"),
        "t6": _ticket(wuye_app, t, c1, s1, START - US),
        # the other community
        "t8": _ticket(wuye_app, t, c2, s2, datetime(2025, 2, 2, tzinfo=UTC), category="电梯", status="closed",
                      accepted=_minutes(1), on_site=_minutes(3), resolved=_minutes(10), closed=_minutes(11),
                      rating=4),
    }
    return {"tenant": t, "c1": c1, "c2": c2, "s1": s1, **tickets}


def _kpis(api, path, **query):
    r = api.get(path, query_string=query or Q1)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_period_bounds_are_beijing_days_half_open():
    p = kpis.Period(datetime(2025, 1, 1).date(), datetime(2025, 3, 31).date())
    assert (p.start, p.end) == (START, END)


def test_community_kpis_exact(world):
    t, c1 = world["tenant"], world["c1"]
    k = _kpis(t.admin, f"/api/v1/communities/{c1}/kpis")
    assert k["community_id"] == c1 and k["community_ids"] == [c1]
    assert k["period"] == {"from": "2025-01-01", "to": "2025-03-31", "start": "2024-12-31T16:00:00+00:00",
                           "end": "2025-03-31T16:00:00+00:00", "timezone": "Asia/Shanghai"}
    assert k["total"] == 6 and k["open"] == 2
    assert k["by_kind"] == {"repair": 2, "complaint": 2, "inquiry": 1, "suggestion": 1, "dispute": 0}
    assert k["by_category"] == {"其他": 2, "水电维修": 2, "噪音": 2}
    assert k["by_status"] == {"submitted": 1, "accepted": 1, "dispatched": 0, "on_site": 0, "resolved": 1,
                              "closed": 2, "reopened": 0, "cancelled": 1}
    assert k["by_priority"] == {"normal": 3, "urgent": 1, "major": 1, "complex": 1}
    # response seconds: 120, 300 (299.5 truncated), 600, 1200 → p50 = rank 2, p90 = rank 4
    assert k["response"] == {"count": 4, "p50_minutes": 5.0, "p90_minutes": 20.0}
    # resolution seconds: 1200, 3600, 10800 → p50 = rank 2, p90 = rank 3
    assert k["resolution"] == {"count": 3, "p50_minutes": 60.0, "p90_minutes": 180.0}
    assert k["completion_rate"] == {"value": 0.6, "numerator": 3, "denominator": 5}
    assert k["complaint_closure_rate"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert k["resolve_sla_rate"] == {"value": 0.5, "numerator": 2, "denominator": 4}
    assert k["arrive_sla_rate"] == {"value": 0.25, "numerator": 1, "denominator": 4}
    assert k["satisfaction"] == {"average": 3.5, "rated": 2}
    assert k["reopened_rate"] == {"value": 0.1667, "numerator": 1, "denominator": 6}


def test_tenant_wide_kpis_add_the_other_community(world):
    t = world["tenant"]
    k = _kpis(t.admin, "/api/v1/kpis")
    assert k["community_id"] is None and k["community_ids"] == sorted([world["c1"], world["c2"]])
    assert k["total"] == 7 and k["by_category"] == {"其他": 2, "水电维修": 2, "噪音": 2, "电梯": 1}
    assert k["response"] == {"count": 5, "p50_minutes": 5.0, "p90_minutes": 20.0}
    assert k["resolution"] == {"count": 4, "p50_minutes": 20.0, "p90_minutes": 180.0}
    assert k["completion_rate"] == {"value": 0.6667, "numerator": 4, "denominator": 6}
    assert k["resolve_sla_rate"] == {"value": 0.6, "numerator": 3, "denominator": 5}
    assert k["arrive_sla_rate"] == {"value": 0.4, "numerator": 2, "denominator": 5}
    assert k["satisfaction"] == {"average": 3.67, "rated": 3}
    assert k["reopened_rate"] == {"value": 0.1429, "numerator": 1, "denominator": 7}


def test_the_edges_of_the_period(world):
    t, c1 = world["tenant"], world["c1"]
    url = f"/api/v1/communities/{c1}/kpis"
    # one day: only the ticket created at exactly 2025-01-01 00:00 Beijing
    first_day = _kpis(t.admin, url, **{"from": "2025-01-01", "to": "2025-01-01"})
    assert first_day["total"] == 1 and first_day["by_status"]["closed"] == 1
    # the day before holds the ticket a microsecond before the start
    assert _kpis(t.admin, url, **{"from": "2024-12-31", "to": "2024-12-31"})["total"] == 1
    # the last day holds the ticket a microsecond before the end, the next day the one at the end
    last_day = _kpis(t.admin, url, **{"from": "2025-03-31", "to": "2025-03-31"})
    assert last_day["total"] == 1 and last_day["by_kind"]["inquiry"] == 1
    next_day = _kpis(t.admin, url, **{"from": "2025-04-01", "to": "2025-04-01"})
    assert next_day["total"] == 1 and next_day["by_priority"]["major"] == 1
    with_all = _kpis(t.admin, url, **{"from": "2024-12-31", "to": "2025-04-01"})
    assert with_all["total"] == 8


def test_the_service_function_sees_the_same_edges(wuye_app, world):
    t, c1 = world["tenant"], world["c1"]
    period = kpis.Period(datetime(2025, 1, 1).date(), datetime(2025, 3, 31).date())
    with wuye_app.app_context(), tenant_context(t.id):
        assert kpis.compute(period, [c1])["total"] == 6
        assert kpis.compute(period, [c1, world["c2"]])["total"] == 7
        assert kpis.compute(period, [])["total"] == 0


def test_an_empty_period_has_null_rates_not_zero(world):
    k = _kpis(world["tenant"].admin, f"/api/v1/communities/{world['c1']}/kpis",
              **{"from": "2030-01-01", "to": "2030-12-31"})
    assert k["total"] == 0 and k["open"] == 0 and k["by_category"] == {}
    assert set(k["by_kind"].values()) == {0}
    for key in ("completion_rate", "complaint_closure_rate", "resolve_sla_rate", "arrive_sla_rate",
                "reopened_rate"):
        assert k[key] == {"value": None, "numerator": 0, "denominator": 0}, key
    assert k["response"] == k["resolution"] == {"count": 0, "p50_minutes": None, "p90_minutes": None}
    assert k["satisfaction"] == {"average": None, "rated": 0}


def test_a_rate_is_null_only_where_its_own_denominator_is_zero(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    _ticket(wuye_app, t, ids["community"], ids["site"], datetime(2025, 2, 1, tzinfo=UTC), status="cancelled",
            arrive_due=None, resolve_due=None)
    k = _kpis(t.admin, f"/api/v1/communities/{ids['community']}/kpis")
    assert k["total"] == 1
    assert k["completion_rate"] == {"value": None, "numerator": 0, "denominator": 0}
    assert k["complaint_closure_rate"]["value"] is None and k["resolve_sla_rate"]["value"] is None
    assert k["reopened_rate"] == {"value": 0.0, "numerator": 0, "denominator": 1}


def test_permissions(world, wuye_operator):
    t, c1, c2 = world["tenant"], world["c1"], world["c2"]
    staff1 = t.user("staff1", "community_staff", [c1])
    staff2 = t.user("staff2", "community_staff", [c2])
    reader = t.user("reader", "readonly")
    assert staff1.get(f"/api/v1/communities/{c2}/kpis", query_string=Q1).status_code == 404
    assert staff2.get(f"/api/v1/communities/{c1}/kpis", query_string=Q1).status_code == 404
    assert staff2.get(f"/api/v1/communities/{c1}/kpis.xlsx", query_string=Q1).status_code == 404
    assert _kpis(staff1, f"/api/v1/communities/{c1}/kpis")["total"] == 6
    mine = _kpis(staff2, "/api/v1/kpis")
    assert mine["community_ids"] == [c2] and mine["total"] == 1 and mine["by_category"] == {"电梯": 1}
    assert _kpis(staff1, "/api/v1/kpis")["total"] == 6
    assert _kpis(reader, "/api/v1/kpis")["total"] == 7
    assert wuye_operator.get("/api/v1/kpis", query_string=Q1).status_code == 403
    assert wuye_operator.get(f"/api/v1/communities/{c1}/kpis", query_string=Q1).status_code == 403


def test_another_tenant_sees_none_of_it(world, wuye_make_tenant):
    b = wuye_make_tenant("beta")
    assert b.admin.get(f"/api/v1/communities/{world['c1']}/kpis", query_string=Q1).status_code == 404
    assert b.admin.get(f"/api/v1/communities/{world['c1']}/kpis.xlsx", query_string=Q1).status_code == 404
    k = _kpis(b.admin, "/api/v1/kpis")
    assert k["total"] == 0 and k["community_ids"] == []
    r = b.admin.get("/api/v1/tickets/export.xlsx", query_string=Q1)
    assert r.status_code == 200 and len(list(_sheet(r, "工单").iter_rows(values_only=True))) == 1  # headers only
    r = b.admin.get("/api/v1/tickets/export.xlsx", query_string={**Q1, "community_id": world["c1"]})
    assert r.status_code == 422 and "community_id" in r.get_json()["errors"]["query"]


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2025-03-31", "to": "2025-01-01"}, "from"),
    ({"from": "2025-13-01", "to": "2025-12-31"}, "from"),
    ({"from": "2025-01-01", "to": "yesterday"}, "to"),
    ({"from": "2099-01-01"}, "from"),  # alone: to today, which is before it
    ({"from": "2020-01-01"}, "from"),  # alone: to today, more than three years
    ({"from": "2020-01-01", "to": "2023-01-01"}, "to"),  # 1097 days
    ({"from": "1999-12-31", "to": "2000-01-01"}, "from"),
    ({"from": "2099-12-31", "to": "9999-12-31"}, "to"),
])
@pytest.mark.parametrize("path", ["/api/v1/kpis", "/api/v1/communities/{c}/kpis", "/api/v1/communities/{c}/kpis.xlsx",
                                  "/api/v1/tickets/export.xlsx"])
def test_bad_periods_are_422_naming_the_field(wuye_make_tenant, wuye_register, query, field, path):
    t = wuye_make_tenant("acme")
    c = wuye_register(t)["community"]
    r = t.admin.get(path.format(c=c), query_string=query)
    assert r.status_code == 422, r.get_json()
    assert list(r.get_json()["errors"]["query"]) == [field]


def test_three_years_is_the_longest_period(world):
    assert _kpis(world["tenant"].admin, "/api/v1/kpis", **{"from": "2020-01-01", "to": "2022-12-31"})["total"] == 0
    assert _kpis(world["tenant"].admin, "/api/v1/kpis", **{"from": "2023-01-01", "to": "2025-12-31"})["total"] == 9


def test_messages_are_chinese_first(wuye_make_tenant):
    t = wuye_make_tenant("acme")
    r = t.admin.get("/api/v1/kpis", query_string={"from": "2020-01-01", "to": "2024-01-01"})
    assert r.get_json()["errors"]["query"]["to"] == ["统计期间最长为三年。"]
    r = t.admin.get("/api/v1/kpis", query_string={"from": "2020-01-01", "to": "2024-01-01", "lang": "en"})
    assert r.get_json()["errors"]["query"]["to"] == ["The period may be at most three years long."]


# --- Excel -------------------------------------------------------------------------------------


def _sheet(response, name):
    assert response.status_code == 200, response.get_data()[:300]
    assert response.mimetype == XLSX
    workbook = load_workbook(io.BytesIO(response.get_data()))
    return workbook[name]


def test_ticket_export(world):
    t, c1 = world["tenant"], world["c1"]
    r = t.admin.get("/api/v1/tickets/export.xlsx", query_string=Q1)
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="tickets-all-2025-01-01_2025-03-31.xlsx"; ')
    assert disposition.endswith("filename*=UTF-8''" + quote("工单台账-全部社区-2025-01-01至2025-03-31.xlsx"))
    assert r.headers["Cache-Control"] == "private, no-store"
    rows = list(_sheet(r, "工单").iter_rows(values_only=True))
    assert rows[0] == tuple(header for header, _ in TICKET_COLUMNS)
    assert [row[0] for row in rows[1:]] == [world[k] for k in ("t1", "t2", "t3", "t8", "t7", "t9", "t4")]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["社区"] == "社区" and first["小区/村湾"] == "小区" and first["类型"] == "报修"
    assert first["状态"] == "已关闭" and first["优先级"] == "一般" and first["渠道"] == "电话"
    assert first["提交时间"] == datetime(2025, 1, 1, 0, 0)  # Beijing wall-clock time
    assert first["办结时间"] == datetime(2025, 1, 1, 0, 20)
    assert (first["受理时长（分钟）"], first["办结时长（分钟）"], first["满意度评分"]) == (10, 20, 5)
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["受理时长（分钟）"] == 5 and second["重开次数"] == 1 and second["类型"] == "投诉"
    last = dict(zip(rows[0], rows[-1], strict=True))
    assert last["提交时间"] == datetime(2025, 3, 31, 23, 59, 59)  # to the second
    assert last["状态"] == "已取消"
    only_c1 = t.admin.get("/api/v1/tickets/export.xlsx", query_string={**Q1, "community_id": c1})
    assert only_c1.headers["Content-Disposition"].startswith(f'attachment; filename="tickets-community-{c1}-')
    assert len(list(_sheet(only_c1, "工单").iter_rows(values_only=True))) == 1 + 6


def test_ticket_export_follows_permissions(world):
    t, c1, c2 = world["tenant"], world["c1"], world["c2"]
    staff2 = t.user("staff2", "community_staff", [c2])
    rows = list(_sheet(staff2.get("/api/v1/tickets/export.xlsx", query_string=Q1), "工单").iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [world["t8"]]
    r = staff2.get("/api/v1/tickets/export.xlsx", query_string={**Q1, "community_id": c1})
    assert r.status_code == 422 and "community_id" in r.get_json()["errors"]["query"]


def test_user_text_stays_text_in_the_workbook(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    _ticket(wuye_app, t, ids["community"], ids["site"], datetime(2025, 2, 1, tzinfo=UTC), title="=HYPERLINK(\"x\")")
    _ticket(wuye_app, t, ids["community"], ids["site"], datetime(2025, 2, 2, tzinfo=UTC), title="#N/A\x07响铃")
    ws = _sheet(t.admin.get("/api/v1/tickets/export.xlsx", query_string=Q1), "工单")
    titles = [row[7] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in titles] == ["=HYPERLINK(\"x\")", "#N/A响铃"]
    assert {c.data_type for c in titles} == {"s"}


def test_kpi_workbook(world):
    t, c1 = world["tenant"], world["c1"]
    r = t.admin.get(f"/api/v1/communities/{c1}/kpis.xlsx", query_string=Q1)
    assert r.headers["Content-Disposition"] == (
        f'attachment; filename="kpis-community-{c1}-2025-01-01_2025-03-31.xlsx"; '
        "filename*=UTF-8''" + quote("工单指标-社区-2025-01-01至2025-03-31.xlsx"))
    figures = {row[0]: row[1:] for row in _sheet(r, "指标").iter_rows(values_only=True)}
    assert figures["统计范围"][0] == "社区" and figures["工单总数"][0] == 6
    assert figures["统计期间（按提交时间，北京时间）"][0] == "2025-01-01 至 2025-03-31"
    assert figures["办结率"] == (0.6, 3, 5)
    assert figures["投诉办结率"] == (0.5, 1, 2)
    assert figures["到场时限达标率"] == (0.25, 1, 4)
    assert figures["受理时长：中位数 P50（分钟）"][0] == 5 and figures["办结时长：P90（分钟）"][0] == 180
    assert figures["平均满意度（1–5 分）"][:2] == (3.5, 2)
    workbook = load_workbook(io.BytesIO(r.get_data()))
    assert workbook.sheetnames == ["指标", "按类型", "按类别", "按状态", "按优先级"]
    by_kind = dict(workbook["按类型"].iter_rows(min_row=2, values_only=True))
    assert by_kind == {"报修": 2, "投诉": 2, "咨询": 1, "建议": 1, "矛盾纠纷": 0}
    assert dict(workbook["按状态"].iter_rows(min_row=2, values_only=True))["已取消"] == 1


def test_the_openapi_document_describes_the_workbooks(wuye_app):
    spec = wuye_app.test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/tickets/export.xlsx", "/api/v1/communities/{community_id}/kpis.xlsx"):
        ok = spec["paths"][path]["get"]["responses"]["200"]
        assert list(ok["content"]) == [XLSX] and "Content-Disposition" in ok["headers"]
    assert {"/api/v1/kpis", "/api/v1/communities/{community_id}/kpis"} <= set(spec["paths"])


def test_too_big_an_export_is_refused(world, monkeypatch):
    from wuye_core.tickets import export

    monkeypatch.setattr(export, "MAX_EXPORT_ROWS", 6)
    r = world["tenant"].admin.get("/api/v1/tickets/export.xlsx", query_string=Q1)
    assert r.status_code == 422 and r.get_json()["errors"]["query"]["to"] == ["一次导出的工单太多，请缩短统计期间。"]
    r = world["tenant"].admin.get("/api/v1/tickets/export.xlsx", query_string={**Q1, "community_id": world["c1"]})
    assert r.status_code == 200
