"""Confirming an activity's hours: the proposal from the check times, the organiser's adjustments
(0 = absent), a service record per person through records.add_record, once; only the activity's
organiser or the alliance manager."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from _activity_rows import P, create, in_tenant, member, records, world
from sqlalchemy import select
from wuye_volunteers import checkin
from wuye_volunteers.models import Activity, Signup

from wuye_core.plugins import db


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return world(wuye_make_tenant, wuye_register, wuye_enable_plugin)


def _done_yesterday(env, capacity=None) -> tuple[dict, datetime]:
    """An activity that ran yesterday 09:00–11:00 (Beijing), made by `org`; returns it and its start."""
    a = create(env.org, env.cid, days=-1, hours=2, capacity=capacity)
    with in_tenant(env.tenant):
        starts = db.session.get(Activity, a["id"]).starts_at
    return a, starts


def _check(env, signup_id, at_in=None, at_out=None):
    with in_tenant(env.tenant):
        signup = db.session.get(Signup, signup_id)
        if at_in is not None:
            checkin.check_in(signup, "acme-org", at_in)
        if at_out is not None:
            checkin.check_out(signup, "acme-org", at_out)


def _walk_in(env, activity_id, member_id) -> int:
    r = env.org.post(f"{P}/activities/{activity_id}/walk-ins", json={"member_id": member_id})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_the_proposal_then_confirmed_hours_become_service_records(w):
    env = w
    a, starts = _done_yesterday(env)
    wang, li, zhao, qian = (member(env.tenant, env.cid, n) for n in ("王芳", "李明", "赵强", "钱多"))
    ids = {m: _walk_in(env, a["id"], m) for m in (wang, li, zhao, qian)}
    # walk-ins were checked in now (today): put their times where they were
    with in_tenant(env.tenant):
        for m in (wang, li, zhao, qian):
            signup = db.session.get(Signup, ids[m])
            signup.checked_in_at, signup.checked_out_at = None, None
    _check(env, ids[wang], starts - timedelta(minutes=10), starts + timedelta(minutes=150))  # capped: 120
    _check(env, ids[li], starts + timedelta(minutes=30), starts + timedelta(minutes=75))  # 45
    _check(env, ids[zhao], starts + timedelta(minutes=5))  # no check-out: the activity's length
    # 钱多 never checked in: absent
    sheet = env.org.get(f"{P}/activities/{a['id']}/hours").get_json()
    assert sheet["duration_minutes"] == 120 and sheet["status"] == "open"
    assert {r["member_name"]: r["proposed_minutes"] for r in sheet["rows"]} == {
        "王芳": 120, "李明": 45, "赵强": 120, "钱多": 0}
    # the organiser gives 李明 60 and an evaluation, confirms the rest as proposed
    r = env.org.post(f"{P}/activities/{a['id']}/hours", json={"rows": [
        {"signup_id": ids[li], "minutes": 60, "evaluation": "excellent"}]})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "confirmed" and body["confirmed_by"] == "acme-org" and body["confirmed_at"]
    shown = {row["member_name"]: (row["minutes"], row["absent"], row["evaluation"], bool(row["record_id"]))
             for row in body["rows"]}
    assert shown == {"王芳": (120, False, None, True), "李明": (60, False, "excellent", True),
                     "赵强": (120, False, None, True), "钱多": (0, True, None, False)}
    alliance = f"{env.tenant.admin.get(f'/api/v1/communities/{env.cid}').get_json()['name']}居民服务联盟"
    assert records(env.tenant, a["id"]) == [(wang, 120, alliance, "acme-org", None),
                                            (li, 60, alliance, "acme-org", "excellent"),
                                            (zhao, 120, alliance, "acme-org", None)]
    with in_tenant(env.tenant):
        from wuye_volunteers.models import ServiceRecord

        record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.member_id == wang))
        assert record.content == "小区周末大扫除：清理楼道杂物" and record.place == "3号楼前广场"
        assert record.started_at == starts and record.ended_at == starts + timedelta(hours=2)
    # the activity is confirmed: no second confirmation, no change, no cancel, no check-in
    activity = env.org.get(f"{P}/activities/{a['id']}").get_json()
    assert activity["status"] == "confirmed" and activity["confirmed_by_name"]
    r = env.org.post(f"{P}/activities/{a['id']}/hours", json={"rows": []})
    assert r.status_code == 409 and "已确认" in r.get_json()["message"]
    assert len(records(env.tenant, a["id"])) == 3
    assert env.org.post(f"{P}/activities/{a['id']}/cancel").status_code == 409
    assert env.org.patch(f"{P}/activities/{a['id']}", json={"title": "改"}).status_code == 409
    assert env.org.post(f"{P}/signups/{ids[qian]}/check-in").status_code == 409
    assert env.org.post(f"{P}/signups/{ids[qian]}/cancel").status_code == 409


def test_only_the_activitys_organiser_or_the_manager_confirms(w):
    env = w
    a, _starts = _done_yesterday(env)
    _walk_in(env, a["id"], member(env.tenant, env.cid))
    r = env.org2.post(f"{P}/activities/{a['id']}/hours", json={})
    assert r.status_code == 403 and "组织者" in r.get_json()["message"]
    assert env.reader.get(f"{P}/activities/{a['id']}/hours").status_code == 403
    assert env.staff.post(f"{P}/activities/{a['id']}/hours", json={}).status_code == 403
    assert env.org2.get(f"{P}/activities/{a['id']}/hours").status_code == 200  # organisers read the sheet
    r = env.mgr.post(f"{P}/activities/{a['id']}/hours", json={})
    assert r.status_code == 200 and r.get_json()["confirmed_by"] == "acme-mgr"


def test_confirming_refusals_name_the_row_in_chinese(w):
    env = w
    a, _starts = _done_yesterday(env)
    signup = _walk_in(env, a["id"], member(env.tenant, env.cid))
    url = f"{P}/activities/{a['id']}/hours"
    r = env.org.post(url, json={"rows": [{"signup_id": signup, "minutes": 121}]})
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"] == {"rows.0.minutes": ["应为 0（缺席）到 120 分钟（活动时长）。"]}
    r = env.org.post(url, json={"rows": [{"signup_id": 999_999, "minutes": 30}]})
    assert r.status_code == 422 and "rows.0.signup_id" in r.get_json()["errors"]["json"]
    r = env.org.post(url, json={"rows": [{"signup_id": signup, "minutes": 30}, {"signup_id": signup, "minutes": 20}]})
    assert r.status_code == 422 and "rows.1.signup_id" in r.get_json()["errors"]["json"]
    r = env.org.post(url, json={"rows": [{"signup_id": signup, "evaluation": "superb"}]})
    assert r.status_code == 422
    r = env.org.post(url, json={"rows": [{"signup_id": signup, "minutes": 30.5}]})
    assert r.status_code == 422
    assert records(env.tenant, a["id"]) == [] and env.org.get(f"{P}/activities/{a['id']}").get_json()["status"] == "open"
    # not before it starts; not once cancelled
    future = create(env.org, env.cid, days=2)
    r = env.org.post(f"{P}/activities/{future['id']}/hours", json={})
    assert r.status_code == 409 and "尚未开始" in r.get_json()["message"]
    env.org.post(f"{P}/activities/{future['id']}/cancel")
    assert env.org.post(f"{P}/activities/{future['id']}/hours", json={}).status_code == 409


def test_a_member_who_left_since_gets_zero_or_the_confirmation_says_who(w):
    env = w
    a, starts = _done_yesterday(env)
    wang = member(env.tenant, env.cid, "王芳")
    signup = _walk_in(env, a["id"], wang)
    with in_tenant(env.tenant):
        from wuye_volunteers.models import Member

        db.session.get(Member, wang).status = "left"
    r = env.org.post(f"{P}/activities/{a['id']}/hours", json={"rows": [{"signup_id": signup, "minutes": 60}]})
    assert r.status_code == 422 and "王芳" in r.get_json()["errors"]["json"]["rows.0.minutes"][0]
    r = env.org.post(f"{P}/activities/{a['id']}/hours", json={"rows": [{"signup_id": signup, "minutes": 0}]})
    assert r.status_code == 200 and records(env.tenant, a["id"]) == []
    assert datetime.now(UTC) > starts
