"""Issue #16, item 5 and item 9's units: periods default to this month, the community dashboard
shows ticket figures, the tenant's KPIs break down by community, and every figure has one unit
(rates are fractions 0–1, counts integers, durations minutes, satisfaction the 1–5 mean).

"Now" is frozen at 2025-02-15 10:00 Beijing time (common/clock.py's `local_now`), so "this month"
is 2025-02-01 … 2025-02-15. Tickets get known timestamps as in test_kpis.py.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from tests.test_kpis import FAR, _minutes, _ticket
from wuye_core.common import clock

NOW = datetime(2025, 2, 15, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
MONTH_START = datetime(2025, 1, 31, 16, 0, tzinfo=UTC)  # 2025-02-01 00:00 in Beijing
THIS_MONTH = {"from": "2025-02-01", "to": "2025-02-15"}


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "local_now", lambda: NOW.astimezone(clock.LOCAL_TZ))


@pytest.fixture
def world(wuye_app, wuye_make_tenant, wuye_register, frozen):
    """c1: a (this month, closed, rated 4), b (January, resolved in February, rated 1), c (this month,
    open, both deadlines missed), d (this month, on site, resolve deadline missed); c2: f (open)."""
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    c1, s1 = ids["community"], ids["site"]
    c2 = t.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    s2 = t.admin.post("/api/v1/sites", json={"community_id": c2, "name": "二小区", "kind": "old"}).get_json()["id"]
    _ticket(wuye_app, t, c1, s1, MONTH_START, status="closed", accepted=_minutes(4), on_site=_minutes(5),
            resolved=_minutes(20), closed=timedelta(days=1), rating=4)
    _ticket(wuye_app, t, c1, s1, MONTH_START - timedelta(seconds=1), status="resolved", accepted=_minutes(1),
            resolved=datetime(2025, 2, 3, tzinfo=UTC), rating=1)
    _ticket(wuye_app, t, c1, s1, datetime(2025, 2, 10, tzinfo=UTC), kind="complaint", accepted=_minutes(6))
    _ticket(wuye_app, t, c1, s1, datetime(2025, 2, 15, 1, 0, tzinfo=UTC), status="on_site", accepted=_minutes(1),
            on_site=_minutes(3))
    _ticket(wuye_app, t, c2, s2, datetime(2025, 2, 5, tzinfo=UTC), accepted=_minutes(30), arrive_due=FAR,
            resolve_due=FAR)
    return {"tenant": t, "c1": c1, "c2": c2}


def _get(api, url, **query):
    r = api.get(url, query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _period(k):
    return {"from": k["period"]["from"], "to": k["period"]["to"]}


# --- periods -------------------------------------------------------------------------------------


def test_no_dates_is_this_month_so_far(world):
    t, c1 = world["tenant"], world["c1"]
    k = _get(t.admin, f"/api/v1/communities/{c1}/kpis")
    assert _period(k) == THIS_MONTH and k["total"] == 3  # b was created in January
    assert k == _get(t.admin, f"/api/v1/communities/{c1}/kpis", **THIS_MONTH)
    tenant = _get(t.admin, "/api/v1/kpis")
    assert _period(tenant) == THIS_MONTH and tenant["total"] == 4
    report = _get(t.admin, f"/api/v1/communities/{c1}/report")
    assert (report["period_start"], report["period_end"]) == ("2025-02-01", "2025-02-15")
    for url in (f"/api/v1/communities/{c1}/kpis.xlsx", "/api/v1/kpis.xlsx", "/api/v1/tickets/export.xlsx"):
        r = t.admin.get(url)
        assert r.status_code == 200, (url, r.get_data()[:200])
        assert "2025-02-01_2025-02-15.xlsx" in r.headers["Content-Disposition"], url
    book = load_workbook(io.BytesIO(t.admin.get("/api/v1/tickets/export.xlsx").data))
    assert book.worksheets[0].max_row == 1 + 4  # the header and this month's four tickets


def test_one_date_alone(world):
    t, c1 = world["tenant"], world["c1"]
    url = f"/api/v1/communities/{c1}/kpis"
    since = _get(t.admin, url, **{"from": "2025-01-20"})  # to today
    assert _period(since) == {"from": "2025-01-20", "to": "2025-02-15"} and since["total"] == 4
    until = _get(t.admin, url, to="2025-01-31")  # from the 1st of that month
    assert _period(until) == {"from": "2025-01-01", "to": "2025-01-31"} and until["total"] == 1
    report = _get(t.admin, f"/api/v1/communities/{c1}/report", to="2025-01-10")
    assert (report["period_start"], report["period_end"]) == ("2025-01-01", "2025-01-10")


@pytest.mark.parametrize("path", ["/api/v1/kpis", "/api/v1/communities/{c}/kpis", "/api/v1/kpis.xlsx",
                                  "/api/v1/communities/{c}/report", "/api/v1/tickets/export.xlsx"])
@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2025-02-10", "to": "2025-02-09"}, "from"),
    ({"from": "2025-02-16"}, "from"),  # alone: to today, the 15th
])
def test_an_end_before_the_start_is_422_naming_the_field(world, path, query, field):
    r = world["tenant"].admin.get(path.format(c=world["c1"]), query_string=query)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"]["query"] == {field: ["开始日期不能晚于结束日期。"]}


# --- the dashboard's ticket figures ----------------------------------------------------------------


def test_the_dashboard_shows_the_tickets_figures(world):
    t, c1, c2 = world["tenant"], world["c1"], world["c2"]

    def tickets(community):
        figures = _get(t.admin, f"/api/v1/communities/{community}/dashboard")["figures"]
        return {f["key"]: f["value"] for f in figures if f["plugin"] == "core" and f["key"].startswith("tickets_")}

    assert tickets(c1) == {
        "tickets_open": 2,  # c and d
        "tickets_overdue_arrive": 1,  # c (d is on site)
        "tickets_overdue_resolve": 2,  # c and d
        "tickets_created_month": 3,  # a, c, d: the KPIs' total for this month
        "tickets_resolved_month": 2,  # a, and b created in January
        "tickets_month_satisfaction": 4.0,  # a's rating (b's was of a January ticket)
    }
    assert tickets(c2) == {"tickets_open": 1, "tickets_overdue_arrive": 0, "tickets_overdue_resolve": 0,
                           "tickets_created_month": 1, "tickets_resolved_month": 0,
                           "tickets_month_satisfaction": None}
    assert tickets(c1)["tickets_created_month"] == _get(t.admin, f"/api/v1/communities/{c1}/kpis")["total"]


# --- KPIs by community ------------------------------------------------------------------------------

COUNTS = ("total", "open")
BREAKDOWNS = ("by_kind", "by_category", "by_status", "by_priority")


def test_the_tenant_kpis_break_down_by_community(world):
    t, c1, c2 = world["tenant"], world["c1"], world["c2"]
    k = _get(t.admin, "/api/v1/kpis", **{"from": "2025-01-01", "to": "2025-02-28"})
    assert [(c["community_id"], c["name"]) for c in k["communities"]] == [(c1, "社区"), (c2, "二社区")]
    for key in COUNTS:
        assert sum(c[key] for c in k["communities"]) == k[key], key
    for key in BREAKDOWNS:
        for value, n in k[key].items():
            assert sum(c[key].get(value, 0) for c in k["communities"]) == n, (key, value)
    for key in ("completion_rate", "reopened_rate", "resolve_sla_rate", "arrive_sla_rate"):
        for part in ("numerator", "denominator"):
            assert sum(c[key][part] for c in k["communities"]) == k[key][part], (key, part)
    assert sum(c["satisfaction"]["rated"] for c in k["communities"]) == k["satisfaction"]["rated"]
    # each community's figures are those of its own KPIs, percentiles included
    for entry in k["communities"]:
        own = _get(t.admin, f"/api/v1/communities/{entry['community_id']}/kpis", **{"from": "2025-01-01",
                                                                                   "to": "2025-02-28"})
        for key in ("community_id", "community_ids", "period"):
            own.pop(key)
        assert {key: entry[key] for key in own} == own
    assert k["communities"][0]["response"]["p50_minutes"] == 1.0  # c1: 1, 1, 4, 6 minutes (rank 2)
    assert k["response"]["p50_minutes"] == 4.0 and k["response"]["p90_minutes"] == 30.0  # with c2's 30


def test_the_breakdown_lists_only_readable_communities(world):
    t, c1, c2 = world["tenant"], world["c1"], world["c2"]
    staff = t.user("clerk", "community_staff", [c1])
    k = _get(staff, "/api/v1/kpis")
    assert [c["community_id"] for c in k["communities"]] == [c1] and k["total"] == 3
    assert k["community_ids"] == [c1]
    book = load_workbook(io.BytesIO(staff.get("/api/v1/kpis.xlsx").data))
    assert [row[0] for row in book["按社区"].iter_rows(min_row=2, values_only=True)] == [c1]
    empty = t.admin.post("/api/v1/communities", json={"name": "三社区", "code": "c3"}).get_json()["id"]
    k = _get(t.admin, "/api/v1/kpis")
    assert [c["community_id"] for c in k["communities"]] == [c1, c2, empty]  # a community without tickets too
    assert k["communities"][2]["total"] == 0 and k["communities"][2]["completion_rate"]["value"] is None
    assert k["communities"][2]["response"] == {"count": 0, "p50_minutes": None, "p90_minutes": None}


def test_the_tenant_workbook_has_a_row_per_community(world):
    t, c1, c2 = world["tenant"], world["c1"], world["c2"]
    r = t.admin.get("/api/v1/kpis.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data))["按社区"]
    header = next(ws.iter_rows(max_row=1, values_only=True))
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {c1, c2}
    assert rows[c1]["社区"] == "社区" and rows[c1]["工单总数"] == 3 and rows[c2]["工单总数"] == 1
    assert rows[c1]["办结率"] == pytest.approx(1 / 3, abs=1e-4)  # a fraction, shown as a percentage
    assert ws.cell(row=2, column=header.index("办结率") + 1).number_format == "0.00%"


# --- units ---------------------------------------------------------------------------------------------


def _check_units(value, key=""):
    """Rates are fractions 0–1 (or null), counts integers, minutes and satisfaction numbers."""
    if isinstance(value, dict):
        if key.endswith("_rate"):
            assert set(value) == {"value", "numerator", "denominator"}, key
            assert value["value"] is None or 0 <= value["value"] <= 1, (key, value)
            assert type(value["numerator"]) is int and type(value["denominator"]) is int, key
            return
        for k, v in value.items():
            _check_units(v, k if not key.startswith("by_") else key)
    elif isinstance(value, list):
        for v in value:
            _check_units(v, key)
    elif key.startswith("by_") or key in ("total", "open", "count", "rated", "numerator", "denominator"):
        assert type(value) is int, (key, value)
    elif key.endswith("_minutes"):
        assert value is None or type(value) in (int, float), (key, value)
    elif key == "average":
        assert value is None or 1 <= value <= 5, (key, value)


def _check_figure(figure):
    key, value = figure["key"], figure["value"]
    if value is None:
        return
    if key.endswith("_rate"):
        assert type(value) in (int, float) and 0 <= value <= 1 and round(value, 4) == value, figure
        assert figure["unit"] == "", figure
    elif key.endswith("_minutes"):
        assert type(value) in (int, float), figure
    elif key.endswith("_satisfaction"):
        assert 1 <= value <= 5, figure
    else:
        assert type(value) is int, figure  # a count


def test_one_unit_per_kind_of_figure(world, wuye_enable_plugin):
    t, c1 = world["tenant"], world["c1"]
    _check_units(_get(t.admin, "/api/v1/kpis", **{"from": "2025-01-01", "to": "2025-02-28"}))
    _check_units(_get(t.admin, f"/api/v1/communities/{c1}/kpis"))
    wuye_enable_plugin(t, "red_property", c1)
    wuye_enable_plugin(t, "care_visits", c1)
    care = t.user("guanai", "care_worker", [c1])
    for api in (t.admin, care):
        figures = _get(api, f"/api/v1/communities/{c1}/dashboard")["figures"]
        assert {f["plugin"] for f in figures} >= {"core", "red_property"}
        for figure in figures:
            _check_figure(figure)
    cover = _get(t.admin, f"/api/v1/plugins/red_property/communities/{c1}/coverage")
    assert cover["coverage_rate"] == 0.0 and cover["total"] == 1  # one site, nobody recorded to serve it
    for figure in _get(care, f"/api/v1/plugins/care_visits/communities/{c1}/figures"):
        _check_figure(figure)
    for row in _get(t.admin, f"/api/v1/communities/{c1}/report")["sections"]:
        for item in row["rows"]:
            if "rate" in item["label_en"].lower():
                assert item["value"] is None or 0 <= item["value"] <= 1, item


def test_the_document_states_the_units(wuye_app):
    spec = wuye_app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    rate = schemas["RateOut"]["properties"]["value"]
    assert "0–1" in rate["description"] and rate["maximum"] == 1
    assert "minutes" in schemas["DurationOut"]["properties"]["p50_minutes"]["description"]
    assert schemas["TenantKpiOut"]["properties"]["communities"]["type"] == "array"
    assert "fraction 0–1" in schemas["FigureOut"]["properties"]["value"]["description"]
    assert "fraction 0–1" in schemas["CareFigureOut"]["properties"]["value"]["description"]
