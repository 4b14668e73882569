"""The year's hours: the community's total, each team's (its members' records), the people ranked;
a year is Beijing's; each figure one grouped query (no query per person); the workbook (people and
teams), the manager's and audited."""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date

from _record_rows import P, beijing, join, member, record, team, world
from openpyxl import load_workbook
from sqlalchemy import event

from wuye_core.plugins import db


def _year_world(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    y = w.today.year - 1
    a = member(w.tenant, w.cid, "安文静")
    b = member(w.tenant, w.cid, "白建国", kind="party_member", party_org="区税务局机关党支部")
    c = member(w.tenant, w.cid, "陈医生", kind="professional")
    member(w.tenant, w.cid, "丁未服务")
    green, patrol = team(w.tenant, w.cid, "环保督导队", "environment"), team(w.tenant, w.cid, "治安巡逻队", "patrol")
    team(w.tenant, w.cid, "文体队", "culture")
    join(w.tenant, w.cid, green, a, b)
    join(w.tenant, w.cid, patrol, b)
    for who, day, minutes in ((a, date(y, 1, 1), 120), (a, date(y, 6, 1), 60), (a, date(y, 12, 31), 30),
                              (b, date(y, 3, 3), 120), (b, date(y, 9, 9), 120), (c, date(y, 5, 5), 210)):
        record(w.tenant, w.cid, who, beijing(day, 0 if day.month == 1 else 22, 10), minutes)
    # the Beijing year's edges: 23:30 on 31 December before it, 00:10 on 1 January after it
    record(w.tenant, w.cid, a, beijing(date(y - 1, 12, 31), 23, 30), 45)
    record(w.tenant, w.cid, b, beijing(date(y + 1, 1, 1), 0, 10), 45)
    w.year, w.a, w.b, w.c, w.green, w.patrol = y, a, b, c, green, patrol
    return w


def test_the_years_totals_teams_and_ranking(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _year_world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = w.org.get(f"{P}/communities/{w.cid}/hours/{w.year}")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["year"] == w.year and body["totals"] == {"services": 6, "people": 3, "minutes": 660}
    assert [(t["name"], t["members"], t["services"], t["people"], t["minutes"]) for t in body["teams"]] == [
        ("环保督导队", 2, 5, 2, 450), ("治安巡逻队", 1, 2, 1, 240), ("文体队", 0, 0, 0, 0)]
    url = f"{P}/communities/{w.cid}/hours/{w.year}/people"
    page = w.org.get(url).get_json()
    assert set(page) == {"items", "total", "page", "per_page"} and page["total"] == 3
    assert [(p["name"], p["rank"], p["services"], p["minutes"]) for p in page["items"]] == [
        ("白建国", 1, 2, 240), ("安文静", 2, 3, 210), ("陈医生", 2, 1, 210)]  # equal minutes, equal rank
    assert page["items"][0]["kind_label"] == "在职党员" and page["items"][0]["party_org"] == "区税务局机关党支部"
    assert [p["name"] for p in w.org.get(url, query_string={"sort": "-services"}).get_json()["items"]] == [
        "安文静", "白建国", "陈医生"]
    assert [p["name"] for p in w.org.get(url, query_string={"sort": "minutes,-id"}).get_json()["items"]] == [
        "陈医生", "安文静", "白建国"]
    second = w.org.get(url, query_string={"per_page": 2, "page": 2}).get_json()
    assert second["total"] == 3 and [p["name"] for p in second["items"]] == ["陈医生"]
    # the year after holds the record of its 1 January
    this_year = w.mgr.get(f"{P}/communities/{w.cid}/hours/{w.year + 1}").get_json()["totals"]
    assert this_year == {"services": 1, "people": 1, "minutes": 45}
    # refused: a year not begun, before 2000, not a number; staff who are not the alliance's
    for year in (w.year + 2, 1999):
        r = w.mgr.get(f"{P}/communities/{w.cid}/hours/{year}")
        assert r.status_code == 422 and "year" in r.get_json()["errors"]["path"], r.get_json()
        assert w.mgr.get(f"{url.rsplit('/', 2)[0]}/{year}/people").status_code == 422
    assert w.mgr.get(f"{P}/communities/{w.cid}/hours/twenty").status_code == 404
    assert w.mgr.get(url, query_string={"sort": "name"}).status_code == 422
    assert w.clerk.get(f"{P}/communities/{w.cid}/hours/{w.year}").status_code == 403
    assert w.clerk.get(url).status_code == 403


@contextmanager
def _statements(app):
    seen = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_figures_take_the_same_queries_for_three_people_or_thirty(wuye_app, wuye_make_tenant, wuye_register,
                                                                      wuye_enable_plugin):
    w = _year_world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    urls = (f"{P}/communities/{w.cid}/hours/{w.year}", f"{P}/communities/{w.cid}/hours/{w.year}/people?per_page=50")

    def queries():
        counts = []
        for url in urls:
            with _statements(wuye_app) as seen:
                assert w.mgr.get(url).status_code == 200
            counts.append(len(seen))
        return counts

    queries()  # the first request of a session also loads what it caches
    before = queries()
    for n in range(27):
        someone = member(w.tenant, w.cid, f"志愿者{n:02d}")
        join(w.tenant, w.cid, w.green if n % 2 else w.patrol, someone)
        record(w.tenant, w.cid, someone, beijing(date(w.year, 4, 1 + n % 28), 9), 30 + n)
    assert w.mgr.get(urls[1]).get_json()["total"] == 30
    assert queries() == before


def test_the_years_workbook(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = _year_world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{w.cid}/hours/{w.year}.xlsx"
    r = w.org.get(url)
    assert r.status_code == 403 and r.get_json()["message"] == "只有本社区的联盟管理员可以这样做。"
    r = w.mgr.get(url)
    assert r.status_code == 200, r.get_data()[:300]
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["服务时长", "队伍"]
    people = [row for row in book["服务时长"].iter_rows(values_only=True)]
    assert people[0][0].endswith(f"{w.year} 年志愿服务时长统计")
    assert people[1] == ("排名", "姓名", "类别", "所在单位党组织", "服务次数", "时长（小时）")
    assert [row[:2] + (row[4], float(row[5])) for row in people[2:5]] == [
        (1, "白建国", 2, 4.0), (2, "安文静", 3, 3.5), (2, "陈医生", 1, 3.5)]
    assert people[5][0] == "合计" and people[5][1] == "3 人" and people[5][4] == 6 and float(people[5][5]) == 11.0
    teams = [row for row in book["队伍"].iter_rows(values_only=True)]
    assert [(row[0], row[2], row[3], row[4], float(row[5])) for row in teams[2:5]] == [
        ("环保督导队", 2, 2, 5, 7.5), ("治安巡逻队", 1, 1, 2, 4.0), ("文体队", 0, 0, 0, 0.0)]
    assert book["服务时长"].page_setup.paperSize in (9, "9")
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.exported"}).get_json()["items"]
    assert [(e["target_type"], e["target_id"], e["details"]["rows"]) for e in trail] == [
        ("hours_year", str(w.year), 3)]
