"""Yearly assessment: who is listed, one grade per worker and year, the refusals, corrections in
the audit trail, the "incompetent" flag (never an automatic exit), the export."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import unquote

from _subsidy_rows import P, add_placement, add_post, add_worker, placed, rows, setup
from openpyxl import load_workbook
from wuye_welfare_jobs.models import Placement

from wuye_core.plugins import local_today


def _roster(wuye_app, tenant, ids):
    """2025: 王 on post all year, 李 from 2024 until March 2025, 赵 only in 2024, 钱 from 2026 on, 孙
    still on post today."""
    post = add_post(wuye_app, tenant, ids, "张家湾保洁岗")
    out = {}
    out["王"] = placed(wuye_app, tenant, ids, "王大山", post, date(2025, 1, 1))[0]
    li = add_worker(wuye_app, tenant, ids, "李小河")
    add_placement(wuye_app, tenant, ids, li, post, date(2024, 6, 1), exited_on=date(2025, 3, 15))
    out["李"] = li
    zhao = add_worker(wuye_app, tenant, ids, "赵旧年")
    add_placement(wuye_app, tenant, ids, zhao, post, date(2022, 1, 1), ends_on=date(2024, 12, 31))
    out["赵"] = zhao
    out["钱"] = placed(wuye_app, tenant, ids, "钱新来", post, date(2026, 1, 5))[0]
    out["post"] = post
    return out


def test_the_year_lists_everyone_on_post_then(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    people = _roster(wuye_app, tenant, ids)
    url = f"{P}/communities/{ids['community']}/assessments/2025"
    body = manager.get(url).get_json()
    assert [i["worker_name"] for i in body["items"]] == sorted(["王大山", "李小河"]) and body["total"] == 2
    wang = next(i for i in body["items"] if i["worker_name"] == "王大山")
    assert wang["assessment"] is None and wang["post_name"] == "张家湾保洁岗" and wang["exit_suggested"] is False
    assert "*" in wang["id_number_masked"]
    r = manager.post(url, json={"worker_id": people["王"], "grade": "excellent", "score": 96, "note": "服务好"})
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert (made["grade"], made["grade_label"], made["score"], made["assessed_by"], made["assessed_on"]) == (
        "excellent", "优秀", 96, "mgr", local_today().isoformat())
    wang = next(i for i in manager.get(url).get_json()["items"] if i["worker_name"] == "王大山")
    assert wang["assessment"]["id"] == made["id"] and wang["assessment"]["note"] == "服务好"
    # 2024: 赵 and 李, not 王
    names = [i["worker_name"] for i in manager.get(f"{P}/communities/{ids['community']}/assessments/2024")
             .get_json()["items"]]
    assert sorted(names) == sorted(["赵旧年", "李小河"])


def test_the_refusals(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    people = _roster(wuye_app, tenant, ids)
    url = f"{P}/communities/{ids['community']}/assessments/2025"
    assert manager.post(url, json={"worker_id": people["王"], "grade": "competent"}).status_code == 201
    # one per worker and year
    r = manager.post(url, json={"worker_id": people["王"], "grade": "excellent"})
    assert r.status_code == 409 and "assessment_id" in r.get_json()["errors"], r.get_json()
    # not on post that year (赵 left in 2024, 钱 starts in 2026): 422 naming worker_id
    for who in ("赵", "钱"):
        r = manager.post(url, json={"worker_id": people[who], "grade": "competent"})
        assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["worker_id"], r.get_json()
        assert "2025" in r.get_json()["errors"]["json"]["worker_id"][0]
    # a worker of another community, or none at all
    other = tenant.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    stranger = add_worker(wuye_app, tenant, ids, "周外人", community_id=other)
    for worker_id in (stranger, 999_999):
        r = manager.post(url, json={"worker_id": worker_id, "grade": "competent"})
        assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["worker_id"]
    # the grade, the score
    for body, field in (({"worker_id": people["李"], "grade": "great"}, "grade"),
                        ({"worker_id": people["李"], "grade": "competent", "score": 101}, "score"),
                        ({"worker_id": people["李"], "grade": "competent", "score": -1}, "score")):
        r = manager.post(url, json=body)
        assert r.status_code == 422 and field in r.get_json()["errors"]["json"], r.get_json()
    # a year not begun
    future = local_today().year + 1
    r = manager.post(f"{P}/communities/{ids['community']}/assessments/{future}",
                     json={"worker_id": people["王"], "grade": "competent"})
    assert r.status_code == 422 and "year" in r.get_json()["errors"]["path"]
    assert manager.get(f"{P}/communities/{ids['community']}/assessments/{future}").status_code == 422
    # only the manager
    leader = tenant.user("leader", "welfare_jobs_team_leader", [ids["community"]])
    assert leader.get(url).status_code == 403
    assert leader.post(url, json={"worker_id": people["李"], "grade": "competent"}).status_code == 403


def test_a_correction_is_audited_and_incompetent_is_flagged_not_enforced(wuye_app, wuye_make_tenant,
                                                                         wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    people = _roster(wuye_app, tenant, ids)
    url = f"{P}/communities/{ids['community']}/assessments/2025"
    made = manager.post(url, json={"worker_id": people["王"], "grade": "basic", "score": 65}).get_json()
    r = manager.patch(f"{P}/assessments/{made['id']}", json={"grade": "incompetent", "note": "多次旷工"})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["grade"], r.get_json()["score"], r.get_json()["note"]) == ("incompetent", 65, "多次旷工")
    assert r.get_json()["exit_suggested"] is True  # still on post today
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "welfare_jobs.amended"}).get_json()["items"]
    assert [(e["actor_name"], e["target_type"], e["target_id"], e["details"]["fields"]) for e in trail] == [
        ("mgr", "assessment", str(made["id"]), ["grade", "note"])]
    assert "多次旷工" not in str(trail)  # the fields' names, not their values
    wang = next(i for i in manager.get(url).get_json()["items"] if i["worker_name"] == "王大山")
    assert wang["exit_suggested"] is True and wang["on_post_now"] is True
    # nothing ended the placement; once the manager records the exit (the placements area), the
    # flag is gone and the grade stays
    with rows(wuye_app, tenant) as session:
        placement = session.query(Placement).filter_by(worker_id=people["王"]).one()
        assert placement.exited_on is None
        placement.exited_on = date(2025, 12, 31)
    wang = next(i for i in manager.get(url).get_json()["items"] if i["worker_name"] == "王大山")
    assert wang["exit_suggested"] is False and wang["assessment"]["grade"] == "incompetent"
    # an empty or wrong correction
    assert manager.patch(f"{P}/assessments/{made['id']}", json={}).status_code == 422
    assert manager.patch(f"{P}/assessments/{made['id']}", json={"score": 200}).status_code == 422
    leader = tenant.user("leader", "welfare_jobs_team_leader", [ids["community"]])
    assert leader.patch(f"{P}/assessments/{made['id']}", json={"score": 70}).status_code == 403


def test_two_records_at_once_have_one_winner(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                             wuye_race):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    people = _roster(wuye_app, tenant, ids)
    url = f"{P}/communities/{ids['community']}/assessments/2025"
    responses = wuye_race(manager, "POST", url, json={"worker_id": people["王"], "grade": "competent"}, n=8)
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1 and set(codes) <= {201, 409}, [r.get_json() for r in responses]


def test_the_export(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    people = _roster(wuye_app, tenant, ids)
    url = f"{P}/communities/{ids['community']}/assessments/2025"
    manager.post(url, json={"worker_id": people["李"], "grade": "incompetent", "score": 40, "note": "离岗"})
    r = manager.get(f"{url}.xlsx")
    assert r.status_code == 200
    assert "年度考核-社区-2025.xlsx" in unquote(r.headers["Content-Disposition"])
    cells = [[c.value for c in row] for row in load_workbook(io.BytesIO(r.data)).worksheets[0].iter_rows()]
    assert cells[0][:3] == ["序号", "姓名", "身份证号"] and cells[0][5] == "考核等次"
    li = next(row for row in cells if row[1] == "李小河")
    assert (li[5], li[6], li[7]) == ("不合格", 40, "离岗")
    assert li[10] is None  # left the post in March: no exit to suggest
    assert "*" in li[2]  # masked: the assessment needs no full ID number
    wang = next(row for row in cells if row[1] == "王大山")
    assert wang[5] is None  # not assessed yet
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "welfare_jobs.exported"}).get_json()["items"]
    assert [(e["target_type"], e["details"]["rows"]) for e in trail] == [("assessment_year", 2)]
