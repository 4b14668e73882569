"""The coverage figures on a small known roster: the plugin's own endpoint, the core's dashboard
and report (through the hooks), and the number of queries, which does not grow with the roster."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _coverage_rows import Rows

from wuye_core.plugins import local_today

API = "/api/v1/plugins/welfare_jobs"


@pytest.fixture
def roster(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Posts A (3 places) and B (2 places) active, C closed. On post today: w1, w2 on A, w3 on B.
    w4 left A ten days ago (vacancy report overdue); w6 left B 25 days ago (reported on time); w5
    starts on B tomorrow. Insured (all four required kinds valid today): w1 only."""
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"])
    today = local_today()
    d = lambda n: today + timedelta(days=n)  # noqa: E731
    with Rows(wuye_app, tenant.id, ids["community"], ids["site"]) as rows:
        a, b = rows.post(headcount=3), rows.post(headcount=2)
        rows.post(headcount=5, active=False, closed_on=d(-100))
        w1, w2, w3, w4, w5, w6 = (rows.worker(n) for n in ("王芳", "李强", "张伟", "刘洋", "陈静", "杨军"))
        p1 = rows.placement(w1, a, starts_on=d(-400), ends_on=d(400))
        rows.placement(w2, a, starts_on=d(-200), ends_on=d(20))
        rows.placement(w3, b, starts_on=d(-20))
        rows.placement(w4, a, starts_on=d(-300), exited_on=d(-10), exit_reason="other_job", vacancy_due_on=d(-5))
        rows.placement(w5, b, starts_on=d(1))
        rows.placement(w6, b, starts_on=d(-500), exited_on=d(-25), exit_reason="retirement",
                       vacancy_due_on=d(-20), vacancy_reported_on=d(-22))
        rows.insure(w1, ("medical", "injury", "accident"))
        rows.policy(w1, "pension", starts_on=d(-355), ends_on=d(10))
        rows.insure(w2, ("pension", "medical", "injury"))
        rows.insure(w3, ("pension", "medical", "injury"))
        rows.policy(w3, "accident", starts_on=d(-365), ends_on=d(-1))
        rows.insure(w4, ends_on=d(5))
        rows.check(w1, due_on=d(30), done_on=d(-1), result="fit")
        rows.check(w2, due_on=today)
        rows.check(w3, due_on=d(-1))
        for n in (-4, -3, -2, -1, -40):
            rows.attendance(w1, p1, a, d(n), "absent" if n == -4 else "present")
    return {"tenant": tenant, "ids": ids, "community": ids["community"], "today": today, "app": wuye_app}


def test_coverage_endpoint_gives_the_known_numbers(roster):
    viewer = roster["tenant"].user("viewer", "readonly", [roster["community"]])
    r = viewer.get(f"{API}/communities/{roster['community']}/coverage")
    assert r.status_code == 200, r.get_json()
    c = r.get_json()
    assert c["day"] == roster["today"].isoformat()
    assert {k: c[k] for k in ("people_on_post", "posts", "headcount", "vacancies", "insured", "uninsured")} == {
        "people_on_post": 3, "posts": 2, "headcount": 5, "vacancies": 2, "insured": 1, "uninsured": 2}
    assert c["insured_rate"] == 0.3333
    assert (c["checks_done"], c["checks_due"], c["checks_overdue"], c["checked_rate"]) == (1, 1, 1, 0.3333)
    assert c["policies_expiring"] == 1 and c["vacancy_reports_overdue"] == 1 and c["placements_ending"] == 1
    # another day: tomorrow w5 starts on B, so B is full
    tomorrow = (roster["today"] + timedelta(days=1)).isoformat()
    c = viewer.get(f"{API}/communities/{roster['community']}/coverage", query_string={"day": tomorrow}).get_json()
    assert c["people_on_post"] == 4 and c["vacancies"] == 1


def test_dashboard_figures_through_the_core(roster):
    viewer = roster["tenant"].user("viewer", "readonly", [roster["community"]])
    r = viewer.get(f"/api/v1/communities/{roster['community']}/dashboard")
    assert r.status_code == 200
    mine = {f["key"]: (f["value"], f["unit"]) for f in r.get_json()["figures"] if f["plugin"] == "welfare_jobs"}
    assert mine == {
        "welfare_people_on_post": (3, "人"),
        "welfare_vacancies": (2, "个"),
        "welfare_insured_rate": (0.3333, ""),
        "welfare_checks_due": (1, "人"),
        "welfare_checks_overdue": (1, "人"),
        "welfare_vacancy_reports_overdue": (1, "份"),
    }


def test_report_section_through_the_core(roster):
    today = roster["today"]
    period = {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}
    r = roster["tenant"].admin.get(f"/api/v1/communities/{roster['community']}/report", query_string=period)
    assert r.status_code == 200, r.get_json()
    sections = [s for s in r.get_json()["sections"] if s["plugin"] == "welfare_jobs"]
    assert len(sections) == 1 and sections[0]["title_zh"] == "公益岗位"
    rows = {row["label_zh"]: row["value"] for row in sections[0]["rows"]}
    assert rows == {
        "公益性岗位（个）": 2,
        "核定人数（人）": 5,
        "期末在岗人数（人）": 3,
        "期末空岗（个）": 2,
        "期内新安置（人次）": 1,
        "期内离岗（人次）": 2,
        "其中：实现其他就业": 1,
        "其中：达到退休年龄": 1,
        "空岗按时报告（份）": 1,
        "空岗逾期报告或未报告（份）": 1,
        "期末在岗人员参保率": 0.3333,
        "期内完成体检（人）": 1,
        "期内出勤（人天）": 3,
    }
    en = {row["label_en"] for row in sections[0]["rows"]}
    assert "of which: Found other work" in en


def test_queries_do_not_grow_with_the_roster(roster, wuye_app):
    from sqlalchemy import event
    from wuye_welfare_jobs import figures

    from wuye_core.plugins import db, tenant_context

    def statements() -> tuple[int, dict]:
        seen = []
        with wuye_app.test_request_context(), tenant_context(roster["tenant"].id):
            engine = db.engine
            listener = lambda *args, **kw: seen.append(1)  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            try:
                result = figures.coverage(roster["community"], config={"insurance_alert_days": 30})
            finally:
                event.remove(engine, "before_cursor_execute", listener)
            db.session.remove()
        return len(seen), result

    before, first = statements()
    with Rows(wuye_app, roster["tenant"].id, roster["community"], roster["ids"]["site"]) as rows:
        post = rows.post(headcount=20)
        for i in range(12):
            worker = rows.worker(f"新人{i}")
            rows.placement(worker, post, starts_on=roster["today"] - timedelta(days=3))
            rows.insure(worker)
    after, second = statements()
    assert second["people_on_post"] == first["people_on_post"] + 12 and second["insured"] == first["insured"] + 12
    assert after == before <= 8
