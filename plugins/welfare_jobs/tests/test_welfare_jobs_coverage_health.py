"""Yearly health checks: scheduling (due dates, idempotent), recording a result, the states by
date, and health data (result, note) kept to the roster manager."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from _coverage_rows import Rows

from wuye_core.plugins import local_today

API = "/api/v1/plugins/welfare_jobs"


@pytest.fixture
def roster(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"], {"health_check_month": 6})
    manager = tenant.user("mgr", "welfare_jobs_manager", [ids["community"]])
    leader = tenant.user("leader", "welfare_jobs_team_leader", [ids["community"]])
    today = local_today()
    year = today.year
    with Rows(wuye_app, tenant.id, ids["community"], ids["site"]) as rows:
        post = rows.post(headcount=5)
        early = rows.worker("王芳")  # on post since two years ago: due by 30 June
        late = rows.worker("李强", gender="male")  # placed on 20 June: due 30 days later, 20 July
        left = rows.worker("赵敏")  # on post in January only: still this year's
        before = rows.worker("孙丽")  # left last year: not this year's
        rows.placement(early, post, starts_on=date(year - 2, 3, 1))
        rows.placement(late, post, starts_on=date(year, 6, 20))
        rows.placement(left, post, starts_on=date(year - 1, 5, 1), exited_on=date(year, 1, 31), exit_reason="health")
        rows.placement(before, post, starts_on=date(year - 2, 5, 1), exited_on=date(year - 1, 11, 30),
                       exit_reason="other_job")
    return {"tenant": tenant, "ids": ids, "community": ids["community"], "manager": manager, "leader": leader,
            "early": early, "late": late, "left": left, "before": before, "today": today, "year": year}


def _checks(api, community, **query):
    r = api.get(f"{API}/communities/{community}/health-checks", query_string={"per_page": 100, **query})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_schedule_once_per_worker_and_year(roster):
    mgr, community, year = roster["manager"], roster["community"], roster["year"]
    r = mgr.post(f"{API}/communities/{community}/health-checks/schedule", json={"year": year})
    assert r.status_code == 200 and r.get_json() == {"year": year, "created": 3}
    r = mgr.post(f"{API}/communities/{community}/health-checks/schedule", json={"year": year})
    assert r.get_json() == {"year": year, "created": 0}
    body = _checks(mgr, community, sort="id")
    due = {c["worker_name"]: c["due_on"] for c in body["items"]}
    assert body["total"] == 3
    assert due == {"王芳": f"{year}-06-30", "李强": f"{year}-07-20", "赵敏": f"{year}-06-30"}


def test_schedule_refusals(roster):
    mgr, community, year = roster["manager"], roster["community"], roster["year"]
    r = mgr.post(f"{API}/communities/{community}/health-checks/schedule", json={"year": year + 2})
    assert r.status_code == 422 and "明年" in r.get_json()["errors"]["json"]["year"][0]
    r = roster["leader"].post(f"{API}/communities/{community}/health-checks/schedule", json={"year": year})
    assert r.status_code == 403


def test_states_follow_the_dates(roster, wuye_app):
    today, community = roster["today"], roster["community"]
    with Rows(wuye_app, roster["tenant"].id, community, roster["ids"]["site"]) as rows:
        overdue = rows.check(roster["early"], due_on=today - timedelta(days=1))
        due = rows.check(roster["late"], due_on=today)
        done = rows.check(roster["left"], due_on=today - timedelta(days=5), done_on=today - timedelta(days=6),
                          result="fit")
        rows.check(roster["before"], year=today.year - 1, due_on=date(today.year - 1, 6, 30))
    mgr = roster["manager"]
    assert [c["id"] for c in _checks(mgr, community, state="overdue")["items"]] == [overdue]
    assert [c["id"] for c in _checks(mgr, community, state="due")["items"]] == [due]
    assert [c["id"] for c in _checks(mgr, community, state="done")["items"]] == [done]
    assert _checks(mgr, community)["total"] == 3  # this year's only
    assert _checks(mgr, community, year=today.year - 1)["total"] == 1
    r = mgr.get(f"{API}/communities/{community}/health-checks", query_string={"state": "late"})
    assert r.status_code == 422 and "state" in r.get_json()["errors"]["query"]


def test_record_a_result_flags_unfit_and_keeps_health_data_to_the_manager(roster, wuye_app, wuye_owner_engine):
    today, community, mgr, leader = roster["today"], roster["community"], roster["manager"], roster["leader"]
    with Rows(wuye_app, roster["tenant"].id, community, roster["ids"]["site"]) as rows:
        check = rows.check(roster["early"], due_on=today + timedelta(days=3))
    body = {"done_on": today.isoformat(), "institution": "区人民医院", "result": "unfit", "note": "腰椎间盘突出"}
    r = leader.patch(f"{API}/health-checks/{check}", json=body)
    assert r.status_code == 403 and "公益岗管理员" in r.get_json()["message"]
    r = mgr.patch(f"{API}/health-checks/{check}", json=body)
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["state"] == "done" and out["unfit"] is True and out["note"] == "腰椎间盘突出"
    assert out["result_label"] == "不适合本岗位" and out["recorded_by"] == "mgr"
    listed = _checks(mgr, community)["items"][0]
    assert listed["unfit"] is True and listed["note"] == "腰椎间盘突出"
    # anyone else reading the community sees the state, not the health data
    for api in (leader, ):
        seen = _checks(api, community)["items"][0]
        assert seen["state"] == "done" and seen["result"] is None and seen["note"] is None and seen["unfit"] is None
        one = api.get(f"{API}/health-checks/{check}").get_json()
        assert one["note"] is None and one["institution"] is None
    # the note is ciphertext in the database
    from sqlalchemy import text
    with wuye_owner_engine.connect() as conn:
        if wuye_owner_engine.dialect.name == "postgresql":
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(roster["tenant"].id)})
        stored = conn.execute(text("select note from welfare_jobs_health_checks")).scalar()
    assert stored and "腰椎" not in stored
    # a correction is audited, naming the fields only
    r = mgr.patch(f"{API}/health-checks/{check}", json={"result": "follow_up"})
    assert r.status_code == 200 and r.get_json()["unfit"] is False
    audit = roster["tenant"].admin.get("/api/v1/audit").get_json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    amended = [e for e in entries if e.get("action") == "welfare_jobs.amended"]
    assert amended and "result" in str(amended[0]) and "follow_up" not in str(amended[0])


def test_record_refusals(roster, wuye_app):
    today, community, mgr = roster["today"], roster["community"], roster["manager"]
    with Rows(wuye_app, roster["tenant"].id, community, roster["ids"]["site"]) as rows:
        check = rows.check(roster["early"], due_on=today)
    r = mgr.patch(f"{API}/health-checks/{check}", json={"done_on": (today + timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and "不能晚于今天" in r.get_json()["errors"]["json"]["done_on"][0]
    r = mgr.patch(f"{API}/health-checks/{check}", json={"result": "fit"})
    assert r.status_code == 422 and "体检日期" in r.get_json()["errors"]["json"]["done_on"][0]
    r = mgr.patch(f"{API}/health-checks/{check}", json={"result": "healthy", "done_on": today.isoformat()})
    assert r.status_code == 422 and "result" in r.get_json()["errors"]["json"]
    assert mgr.get(f"{API}/health-checks/{check}").get_json()["state"] == "due"


def test_scheduling_twice_at_once_makes_one_set(roster, wuye_race):
    url = f"{API}/communities/{roster['community']}/health-checks/schedule"
    results = wuye_race(roster["manager"], "POST", url, json={"year": roster["year"]}, n=4)
    assert sorted(r.get_json()["created"] for r in results) == [0, 0, 0, 3]
    assert _checks(roster["manager"], roster["community"])["total"] == 3
