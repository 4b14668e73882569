"""Attendance (考勤): the rules of a recorded day, the team leader's sheet of a day, the worker's
own clock-in on a phone, and the month per worker (counts, list, export)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from _rows import attendance_rows, attendance_world, staff, user_id
from openpyxl import load_workbook

from wuye_core.plugins import tenant_context

P = "/api/v1/plugins/welfare_jobs"


@pytest.fixture
def world(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return attendance_world(wuye_make_tenant, wuye_register, wuye_enable_plugin)


def _audit(tenant, action):
    return tenant.admin.get("/api/v1/audit", query_string={"action": action}).get_json()["items"]


# --- one worker's day --------------------------------------------------------------------------------


def test_a_day_is_recorded_then_corrected_and_the_correction_audited(world):
    day = (world.today - timedelta(days=1)).isoformat()
    url = f"{P}/workers/{world.li}/attendance?day={day}"
    r = world.leader.put(url, json={"status": "leave", "leave_kind": "sick", "note": "发烧"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["status"], body["leave_kind"], body["leave_kind_label"], body["source"]) == (
        "leave", "sick", "病假", "console")
    assert _audit(world.tenant, "welfare_jobs.amended") == []  # a first record is no correction
    # the same again: nothing changes, nothing audited
    assert world.leader.put(url, json={"status": "leave", "leave_kind": "sick", "note": "发烧"}).status_code == 200
    assert _audit(world.tenant, "welfare_jobs.amended") == []
    r = world.manager.put(url, json={"status": "present"})
    assert r.status_code == 200 and r.get_json()["status"] == "present" and r.get_json()["leave_kind"] is None
    trail = _audit(world.tenant, "welfare_jobs.amended")
    assert [(e["actor_name"], e["target_id"]) for e in trail] == [("mgr", str(body["id"]))]
    assert trail[0]["details"]["fields"] == ["status", "leave_kind", "note"]
    assert "发烧" not in str(trail)
    assert len(attendance_rows(world.tenant)) == 1  # one row per worker and day


def test_a_day_is_refused_with_the_field_named(world):
    yesterday = (world.today - timedelta(days=1)).isoformat()
    url = f"{P}/workers/{world.li}/attendance?day={yesterday}"
    r = world.leader.put(url, json={"status": "leave"})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["leave_kind"] == ["请说明请假的类别。"]
    r = world.leader.put(url, json={"status": "present", "leave_kind": "sick"})
    assert r.get_json()["errors"]["json"]["leave_kind"] == ["只有请假才有假别。"]
    r = world.leader.put(url, json={"status": "away"})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["status"] == ["请选择出勤、缺勤、请假或休息。"]
    r = world.leader.put(url, json={"status": "leave", "leave_kind": "holiday"})
    assert r.get_json()["errors"]["json"]["leave_kind"] == ["无法识别的假别。"]
    # a day in the future
    tomorrow = (world.today + timedelta(days=1)).isoformat()
    r = world.leader.put(f"{P}/workers/{world.li}/attendance?day={tomorrow}", json={"status": "present"})
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"]["day"] == [f"{tomorrow} 是将来的日期，还不能登记。"]
    # a day the placement does not cover (before it began; after 赵大山's exit): the manager hears why
    before = (world.start - timedelta(days=1)).isoformat()
    r = world.manager.put(f"{P}/workers/{world.li}/attendance?day={before}", json={"status": "present"})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["day"] == [f"李桂兰 {before} 不在岗。"]
    after_exit = (world.today - timedelta(days=5)).isoformat()
    r = world.manager.put(f"{P}/workers/{world.zhao}/attendance?day={after_exit}", json={"status": "present"})
    assert r.status_code == 422 and "赵大山" in r.get_json()["errors"]["json"]["day"][0]
    # the exit day itself is still covered
    exit_day = (world.today - timedelta(days=10)).isoformat()
    assert world.leader.put(f"{P}/workers/{world.zhao}/attendance?day={exit_day}",
                            json={"status": "present"}).status_code == 200
    # who: not a worker, nor a leader of another post
    r = world.me.put(url, json={"status": "present"})
    assert r.status_code in (403, 404)
    other, other_id = staff(world.tenant, "other", "welfare_jobs_team_leader", [world.ids["community"]])
    r = other.put(url, json={"status": "present"})
    assert r.status_code == 403 and r.get_json()["message"] == "只有公益岗管理员或本岗位的组长可以记考勤。"
    assert len(attendance_rows(world.tenant)) == 1


# --- the team sheet of a day -------------------------------------------------------------------------


def test_the_team_sheet_of_a_day(world):
    url = f"{P}/posts/{world.post}/attendance"
    r = world.leader.get(url)
    assert r.status_code == 200
    sheet = r.get_json()
    assert sheet["day"] == world.today.isoformat() and sheet["post"]["shift_start"] == "07:00"
    assert [i["name"] for i in sheet["members"]] == ["李桂兰", "王秀英"]  # 赵大山 has left
    assert all(i["record"] is None for i in sheet["members"])
    r = world.leader.put(url, json={"entries": [
        {"worker_id": world.wang, "status": "present"},
        {"worker_id": world.li, "status": "leave", "leave_kind": "personal", "note": "家里有事"}]})
    assert r.status_code == 200 and r.get_json() == {"created": 2, "updated": 0, "unchanged": 0}
    items = {i["name"]: i["record"] for i in world.leader.get(url).get_json()["members"]}
    # present today: the leader clocked her in on the spot; on leave: no clock-in
    assert items["王秀英"]["status"] == "present" and items["王秀英"]["clock_in"] is not None
    assert items["李桂兰"]["leave_kind_label"] == "事假" and items["李桂兰"]["clock_in_at"] is None
    # again with a change: one updated, one unchanged
    r = world.leader.put(url, json={"entries": [
        {"worker_id": world.wang, "status": "present"},
        {"worker_id": world.li, "status": "present", "note": "家里有事"}]})
    assert r.get_json() == {"created": 0, "updated": 1, "unchanged": 1}
    # an earlier day: ?day=
    earlier = (world.today - timedelta(days=20)).isoformat()
    sheet = world.manager.get(url, query_string={"day": earlier}).get_json()
    assert [i["name"] for i in sheet["members"]] == ["李桂兰", "王秀英", "赵大山"]


def test_the_team_sheet_is_all_or_nothing(world):
    url = f"{P}/posts/{world.post}/attendance"
    r = world.leader.put(url, json={"entries": [
        {"worker_id": world.wang, "status": "present"},
        {"worker_id": world.li, "status": "leave"},
        {"worker_id": world.zhao, "status": "present"},
        {"worker_id": world.wang, "status": "rest"}]})
    assert r.status_code == 422
    errors = r.get_json()["errors"]["json"]["entries"]
    assert errors == {"1": {"leave_kind": ["请说明请假的类别。"]},
                      "2": {"worker_id": [f"该人员 {world.today.isoformat()} 不在本岗位。"]},
                      "3": {"worker_id": ["该人员重复列出。"]}}
    assert attendance_rows(world.tenant) == []  # nothing stored, not even 王秀英's good entry
    tomorrow = (world.today + timedelta(days=1)).isoformat()
    r = world.leader.put(url, query_string={"day": tomorrow}, json={"entries": []})
    assert r.status_code == 422 and "day" in r.get_json()["errors"]["query"]
    # a leader of another post, a worker: 403 / 404 — and another tenant's post: 404
    other = staff(world.tenant, "other", "welfare_jobs_team_leader", [world.ids["community"]])[0]
    assert other.get(url).status_code == 403
    assert world.me.get(url).status_code == 404  # a worker does not read the community


# --- the phone clock-in ------------------------------------------------------------------------------


def test_a_worker_clocks_in_and_out_on_the_phone(world):
    r = world.me.get(f"{P}/me")
    assert r.status_code == 200, r.get_json()
    me = r.get_json()
    assert me["worker"]["name"] == "王秀英" and me["post"]["name"] == "张家湾保洁岗"
    assert (me["post"]["shift_start"], me["post"]["shift_end"]) == ("07:00", "11:30")
    assert me["record"] is None and me["can_clock_in"] and not me["can_clock_out"]
    # clocking out first: 409
    r = world.me.post(f"{P}/me/clock-out")
    assert r.status_code == 409 and r.get_json()["message"] == "请先上班打卡：今天还没有上班打卡。"
    r = world.me.post(f"{P}/me/clock-in")
    assert r.status_code == 201, r.get_json()
    first = r.get_json()
    assert first["status"] == "present" and first["source"] == "phone" and first["clock_in_at"].endswith("+00:00")
    # twice: 409 with the first time (Beijing)
    r = world.me.post(f"{P}/me/clock-in")
    assert r.status_code == 409
    assert r.get_json()["message"] == f"今天已经上班打卡，时间 {first['clock_in']}。"
    assert r.get_json()["errors"]["json"]["clock_in_at"] == [first["clock_in"]]
    r = world.me.post(f"{P}/me/clock-out")
    assert r.status_code == 200 and r.get_json()["clock_out"] is not None
    assert world.me.post(f"{P}/me/clock-out").status_code == 409
    me = world.me.get(f"{P}/me").get_json()
    assert me["record"]["clock_in"] == first["clock_in"] and not me["can_clock_in"] and not me["can_clock_out"]
    assert me["counts"]["present"] == 1
    # the leader's sheet later marks the day otherwise: the clock times stay
    r = world.leader.put(f"{P}/posts/{world.post}/attendance", json={"entries": [
        {"worker_id": world.wang, "status": "absent"}]})
    assert r.get_json()["updated"] == 1
    record = world.me.get(f"{P}/me").get_json()["record"]
    assert record["status"] == "absent" and record["clock_in"] == first["clock_in"]


def test_two_clock_ins_at_once_make_one_row(world, wuye_race):
    responses = wuye_race(world.me, "POST", f"{P}/me/clock-in", n=8)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    assert len(attendance_rows(world.tenant)) == 1


def test_clock_in_refusals_and_who_has_no_phone_page(world, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = world.tenant
    # a worker whose placement does not cover today: 422 naming the day
    zhao_user, zhao_user_id = staff(tenant, "zhao", "welfare_jobs_worker", [world.ids["community"]])
    with tenant.app.app_context(), tenant_context(tenant.id):
        from wuye_welfare_jobs.models import Worker

        from wuye_core.plugins import db

        db.session.get(Worker, world.zhao).staff_user_id = zhao_user_id
        db.session.commit()
        db.session.remove()
    r = zhao_user.post(f"{P}/me/clock-in")
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"]["day"] == [f"赵大山 {world.today.isoformat()} 不在岗。"]
    assert zhao_user.get(f"{P}/me").get_json()["post"] is None
    # a worker's sign-in with no worker's file: 404
    nobody = tenant.user("nobody", "welfare_jobs_worker", [world.ids["community"]])
    assert nobody.get(f"{P}/me").status_code == 404
    assert nobody.post(f"{P}/me/clock-in").status_code == 404
    # a manager has no phone page either
    assert world.manager.get(f"{P}/me").status_code == 404
    # another tenant: its own worker sign-in with the same user id as 王秀英's link finds nothing
    other = wuye_make_tenant("other")
    other_ids = wuye_register(other, prefix="他")
    wuye_enable_plugin(other, "welfare_jobs", other_ids["community"])
    stranger = other.user("wang", "welfare_jobs_worker", [other_ids["community"]])
    assert stranger.get(f"{P}/me").status_code == 404
    assert stranger.post(f"{P}/me/clock-in").status_code == 404
    assert world.me.get(f"{P}/me").status_code == 200
    # the plugin turned off in the worker's community: 404
    url = f"/api/v1/communities/{world.ids['community']}/plugins/welfare_jobs"
    assert tenant.admin.put(url, json={"enabled": False}).status_code == 200
    assert world.me.get(f"{P}/me").status_code == 404
    assert world.me.post(f"{P}/me/clock-in").status_code == 404
    assert user_id(tenant, "wang")  # the account itself is untouched


# --- the month ---------------------------------------------------------------------------------------


def test_month_counts_list_and_export(world):
    from wuye_welfare_jobs import attendance

    first = world.today.replace(day=1) - timedelta(days=1)
    first = first.replace(day=1)  # last month: every day of it is past
    last = world.today.replace(day=1) - timedelta(days=1)
    days = [first + timedelta(days=n) for n in range(5)]
    for day, (status, kind) in zip(days, [("present", None), ("present", None), ("leave", "sick"),
                                          ("leave", "annual"), ("absent", None)], strict=True):
        r = world.leader.put(f"{P}/workers/{world.li}/attendance?day={day.isoformat()}",
                             json={"status": status, "leave_kind": kind})
        assert r.status_code == 200, r.get_json()
    assert world.leader.put(f"{P}/workers/{world.wang}/attendance?day={days[0].isoformat()}",
                            json={"status": "rest"}).status_code == 200
    with world.tenant.app.test_request_context(), tenant_context(world.tenant.id):
        counts = attendance.month_counts(world.ids["community"], first, last)
    on_post_days = (last - max(first, world.start)).days + 1
    li = counts[world.li]
    assert (li.present, li.absent, li.rest, li.leave["sick"], li.leave["annual"], li.leave_total) == (2, 1, 0, 1, 1, 2)
    assert li.days_on_post == on_post_days and li.unrecorded == on_post_days - 5
    assert li.attended(["annual", "injury", "marriage_funeral"]) == 3
    assert counts[world.wang].rest == 1 and counts[world.wang].unrecorded == on_post_days - 1
    assert set(counts) == {world.wang, world.li, world.zhao}

    month = first.strftime("%Y-%m")
    r = world.manager.get(f"{P}/communities/{world.ids['community']}/attendance", query_string={"month": month})
    assert r.status_code == 200, r.get_json()
    page = r.get_json()
    assert page["total"] == 3 and [i["name"] for i in page["items"]] == ["李桂兰", "王秀英", "赵大山"]
    item = page["items"][0]
    assert (item["present"], item["absent"], item["leave"]["sick"], item["leave_total"], item["unrecorded"],
            item["posts"]) == (2, 1, 1, 2, on_post_days - 5, ["张家湾保洁岗"])
    # a leader reads the posts they lead; a worker does not read the month
    assert world.leader.get(f"{P}/communities/{world.ids['community']}/attendance",
                            query_string={"month": month}).get_json()["total"] == 3
    other = staff(world.tenant, "other", "welfare_jobs_team_leader", [world.ids["community"]])[0]
    r = other.get(f"{P}/communities/{world.ids['community']}/attendance")
    assert r.status_code == 403 and r.get_json()["message"] == "只有公益岗管理员或组长（本人负责的岗位）可以查看月度考勤。"
    r = world.manager.get(f"{P}/communities/{world.ids['community']}/attendance", query_string={"month": "2026-13"})
    assert r.status_code == 422 and r.get_json()["errors"]["query"]["month"] == ["月份请写成 YYYY-MM，如 2026-11。"]

    r = world.manager.get(f"{P}/communities/{world.ids['community']}/attendance.xlsx", query_string={"month": month})
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "姓名", "岗位", "在岗天数", "出勤")
    assert rows[1][1] == "李桂兰" and rows[1][4] == 2 and rows[1][5] == 1  # 出勤 2, 病假 1
    assert [e["details"]["file"] for e in _audit(world.tenant, "welfare_jobs.exported")] == ["attendance-month.xlsx"]
