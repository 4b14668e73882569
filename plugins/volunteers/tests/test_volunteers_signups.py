"""Sign-ups and the waiting list: places while they last, then a queue in order; a cancelled place
goes to the first in line at once; the rules that refuse a sign-up; the members' own deadline
(the service functions the residents' pages call)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from _activity_rows import P, create, in_tenant, member, members, second_community, signup_rows, world
from wuye_volunteers import signups
from wuye_volunteers.models import Activity, Member, Signup

from wuye_core.plugins import Conflict, Invalid, db, get_for_update


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return world(wuye_make_tenant, wuye_register, wuye_enable_plugin)


def _sign(api, activity_id, member_id):
    return api.post(f"{P}/activities/{activity_id}/signups", json={"member_id": member_id})


def test_a_full_activity_puts_members_on_the_waiting_list_in_order(w):
    env = w
    a = create(env.org, env.cid, capacity=2)
    people = members(env.tenant, env.cid, 4)
    answers = [_sign(env.org, a["id"], m) for m in people]
    assert [r.status_code for r in answers] == [201] * 4
    assert [r.get_json()["status"] for r in answers] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert answers[2].get_json()["status_label"] == "候补"
    listing = env.org.get(f"{P}/activities/{a['id']}/signups").get_json()
    assert listing["confirmed"] == 2 and listing["waiting"] == 2 and listing["capacity"] == 2
    assert [(s["member_name"], s["status"], s["position"]) for s in listing["signups"]] == [
        ("成员1", "confirmed", None), ("成员2", "confirmed", None), ("成员3", "waiting", 1), ("成员4", "waiting", 2)]
    shown = env.org.get(f"{P}/activities/{a['id']}").get_json()
    assert shown["signed_up"] == 2 and shown["waiting"] == 2 and shown["places_left"] == 0

    # the second confirmed cancels: the first waiting moves up, in the same answer
    second = answers[1].get_json()["id"]
    r = env.org.post(f"{P}/signups/{second}/cancel")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["signup"]["status"] == "cancelled"
    assert r.get_json()["promoted"]["member_id"] == people[2] and r.get_json()["promoted"]["status"] == "confirmed"
    assert signup_rows(env.tenant, a["id"]) == [(people[0], "confirmed"), (people[1], "cancelled"),
                                                (people[2], "confirmed"), (people[3], "waiting")]
    # cancelling a waiting one moves nobody; cancelling twice is refused
    fourth = answers[3].get_json()["id"]
    r = env.org.post(f"{P}/signups/{fourth}/cancel")
    assert r.status_code == 200 and r.get_json()["promoted"] is None
    r = env.org.post(f"{P}/signups/{fourth}/cancel")
    assert r.status_code == 409 and "已取消" in r.get_json()["message"]
    # the one who cancelled signs up again: at the end of the queue
    r = _sign(env.org, a["id"], people[1])
    assert r.status_code == 201 and r.get_json()["status"] == "waiting" and r.get_json()["id"] == second
    listing = env.org.get(f"{P}/activities/{a['id']}/signups").get_json()
    assert [(s["member_id"], s["position"]) for s in listing["signups"] if s["status"] == "waiting"] == [
        (people[1], 1)]


def test_the_rules_that_refuse_a_signup(w, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    env = w
    a = create(env.org, env.cid)
    wang = member(env.tenant, env.cid, "王芳")
    assert _sign(env.org, a["id"], wang).status_code == 201
    r = _sign(env.org, a["id"], wang)
    assert r.status_code == 409 and "王芳" in r.get_json()["message"] and "member_id" in r.get_json()["errors"]["json"]
    left = member(env.tenant, env.cid, "李离", status="left")
    r = _sign(env.org, a["id"], left)
    assert r.status_code == 422 and r.get_json()["errors"]["json"] == {"member_id": ["该成员已退出联盟。"]}
    other_community = second_community(env.tenant)
    stranger = member(env.tenant, other_community, "外来")
    r = _sign(env.org, a["id"], stranger)
    assert r.status_code == 422 and "member_id" in r.get_json()["errors"]["json"]
    r = _sign(env.org, a["id"], 999_999)
    assert r.status_code == 422 and "member_id" in r.get_json()["errors"]["json"]
    # an activity that has started takes no sign-ups
    past = create(env.org, env.cid, days=-1)
    r = _sign(env.org, past["id"], wang)
    assert r.status_code == 409 and "已开始" in r.get_json()["message"]
    # only organisers sign up and read the list
    assert _sign(env.staff, a["id"], wang).status_code == 403
    assert env.reader.get(f"{P}/activities/{a['id']}/signups").status_code == 403
    signup_id = env.org.get(f"{P}/activities/{a['id']}/signups").get_json()["signups"][0]["id"]
    assert env.reader.post(f"{P}/signups/{signup_id}/cancel").status_code == 403
    # another tenant's signup: 404
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    assert other.mgr.post(f"{P}/signups/{signup_id}/cancel").status_code == 404


def test_phones_are_masked_unless_the_caller_may_see_them(w):
    env = w
    a = create(env.org, env.cid)
    shy = member(env.tenant, env.cid, "王芳", phone="13912345678")
    open_ = member(env.tenant, env.cid, "李明", phone="13787654321", consent=True)
    for m in (shy, open_):
        _sign(env.org, a["id"], m)
    by_org = {s["member_name"]: s["phone"] for s in env.org.get(f"{P}/activities/{a['id']}/signups")
              .get_json()["signups"]}
    assert by_org == {"王芳": "139****5678", "李明": "13787654321"}
    by_mgr = {s["member_name"]: s["phone"] for s in env.mgr.get(f"{P}/activities/{a['id']}/signups")
              .get_json()["signups"]}
    assert by_mgr == {"王芳": "13912345678", "李明": "13787654321"}


def test_members_cancel_themselves_until_the_deadline_staff_any_time(w):
    """The service functions the residents' pages call: sign_up(…, BY_MEMBER), cancel(…, BY_MEMBER, now)."""
    env = w  # cancel_until_hours: 2 (the default)
    a = create(env.org, env.cid, days=1, capacity=1)
    first, second = members(env.tenant, env.cid, 2)
    with in_tenant(env.tenant):
        activity = db.session.get(Activity, a["id"])
        mine = signups.sign_up(activity, db.session.get(Member, first), signups.BY_MEMBER)
        theirs = signups.sign_up(activity, db.session.get(Member, second), signups.BY_MEMBER)
        assert (mine.status, theirs.status) == ("confirmed", "waiting")
        with pytest.raises(Conflict) as refused:
            signups.sign_up(activity, db.session.get(Member, first), signups.BY_MEMBER)
        assert "has signed up already" in str(refused.value)
        starts_at = get_for_update(Activity, a["id"]).starts_at
        mine_id = mine.id
    # too late for the member: 2 hours before the start
    with in_tenant(env.tenant):
        signup = db.session.get(Signup, mine_id)
        with pytest.raises(Conflict) as refused:
            signups.cancel(signup, signups.BY_MEMBER, starts_at - timedelta(hours=1, minutes=59))
        assert refused.value.message.msgid.startswith("Sign-ups can be cancelled here until")
    assert signup_rows(env.tenant, a["id"]) == [(first, "confirmed"), (second, "waiting")]
    # in time: cancelled, and the waiting member moves up in the same transaction
    with in_tenant(env.tenant):
        done = signups.cancel(db.session.get(Signup, mine_id), signups.BY_MEMBER, starts_at - timedelta(hours=3))
        assert done.signup.status == "cancelled" and done.promoted.member_id == second
    assert signup_rows(env.tenant, a["id"]) == [(first, "cancelled"), (second, "confirmed")]
    # staff cancel any time before the hours are confirmed, even after the start
    with in_tenant(env.tenant):
        theirs = signups.find(a["id"], second)
        done = signups.cancel(theirs, "acme-org", starts_at + timedelta(minutes=10))
        assert done.signup.status == "cancelled" and done.promoted is None
    # a member who left may not sign up (422 naming member_id)
    left = member(env.tenant, env.cid, "李离", status="left")
    with in_tenant(env.tenant):
        with pytest.raises(Invalid) as refused:
            signups.sign_up(db.session.get(Activity, a["id"]), db.session.get(Member, left), signups.BY_MEMBER)
        assert refused.value.field == "member_id"


def test_a_checked_in_signup_cannot_be_cancelled(w):
    env = w
    a = create(env.org, env.cid, days=0, hours=3)  # today 09:00–12:00 (Beijing): check-in may be open
    wang = member(env.tenant, env.cid)
    with in_tenant(env.tenant):
        activity = db.session.get(Activity, a["id"])
        activity.starts_at = datetime.now(UTC) + timedelta(minutes=30)
        activity.ends_at = activity.starts_at + timedelta(hours=2)
    signup = _sign(env.org, a["id"], wang).get_json()
    assert env.org.post(f"{P}/signups/{signup['id']}/check-in").status_code == 200
    r = env.org.post(f"{P}/signups/{signup['id']}/cancel")
    assert r.status_code == 409 and "签到" in r.get_json()["message"]
