"""Check-in and check-out: the organiser's taps on the list (with walk-ins and undo), and the
members' QR scans through `checkin_by_token(token, member, now)` — in, then out, inside the window
[start − opens, end + closes], only where `qr_checkin` is on; every refusal says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from _activity_rows import (
    P,
    create,
    in_tenant,
    member,
    members,
    second_community,
    signup_rows,
    token_of,
    world,
)
from sqlalchemy import select
from wuye_volunteers import checkin
from wuye_volunteers.models import Activity, Member, Signup

from wuye_core.plugins import Conflict, Invalid, NotFound, db


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return world(wuye_make_tenant, wuye_register, wuye_enable_plugin)


def _starting_soon(env, minutes: int = 30, capacity=None) -> dict:
    """An activity starting `minutes` from now, two hours long."""
    a = create(env.org, env.cid, capacity=capacity)
    with in_tenant(env.tenant):
        activity = db.session.get(Activity, a["id"])
        activity.starts_at = datetime.now(UTC) + timedelta(minutes=minutes)
        activity.ends_at = activity.starts_at + timedelta(hours=2)
    return a


def _times(env, activity_id):
    with in_tenant(env.tenant):
        activity = db.session.get(Activity, activity_id)
        return activity.starts_at, activity.ends_at


def _scan(env, token, member_id, now):
    with in_tenant(env.tenant):
        done = checkin.checkin_by_token(token, db.session.get(Member, member_id), now)
        return done.action, done.signed_up, done.signup.status


def _refused(env, token, member_id, now, kind=Conflict) -> str:
    with in_tenant(env.tenant):
        with pytest.raises(kind) as refused:
            checkin.checkin_by_token(token, db.session.get(Member, member_id), now)
        error = refused.value
        return (error.message or error.errors["json"][error.field][0]).msgid


# --- the organiser's list ---------------------------------------------------------------------------


def test_the_organiser_checks_in_and_out_undoes_and_takes_walk_ins(w):
    env = w
    a = _starting_soon(env, capacity=1)
    wang, li, zhao = (member(env.tenant, env.cid, n) for n in ("王芳", "李明", "赵强"))
    s_wang = env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": wang}).get_json()
    s_li = env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": li}).get_json()
    assert s_li["status"] == "waiting"
    r = env.org.post(f"{P}/signups/{s_wang['id']}/check-in")
    assert r.status_code == 200 and r.get_json()["checked_in_at"] and r.get_json()["checked_in_by"] == "acme-org"
    r = env.org.post(f"{P}/signups/{s_wang['id']}/check-in")
    assert r.status_code == 409 and r.get_json()["message"].startswith("已于") and r.get_json()["message"].endswith("签到。")
    # the waiting one came: checked in, gets a place (over the capacity: they are there)
    r = env.org.post(f"{P}/signups/{s_li['id']}/check-in")
    assert r.status_code == 200 and r.get_json()["status"] == "confirmed"
    # out, then undo the out, then undo the in
    r = env.org.post(f"{P}/signups/{s_wang['id']}/check-out")
    assert r.status_code == 200 and r.get_json()["checked_out_at"]
    assert env.org.post(f"{P}/signups/{s_wang['id']}/check-out").status_code == 409
    r = env.org.post(f"{P}/signups/{s_wang['id']}/undo-check")
    assert r.get_json()["checked_out_at"] is None and r.get_json()["checked_in_at"]
    r = env.org.post(f"{P}/signups/{s_wang['id']}/undo-check")
    assert r.get_json()["checked_in_at"] is None
    r = env.org.post(f"{P}/signups/{s_wang['id']}/undo-check")
    assert r.status_code == 409
    r = env.org.post(f"{P}/signups/{s_wang['id']}/check-out")
    assert r.status_code == 409 and "签到" in r.get_json()["message"]
    # a walk-in: signed up and checked in at once; twice is refused
    r = env.org.post(f"{P}/activities/{a['id']}/walk-ins", json={"member_id": zhao})
    assert r.status_code == 201 and r.get_json()["status"] == "confirmed" and r.get_json()["checked_in_at"]
    r = env.org.post(f"{P}/activities/{a['id']}/walk-ins", json={"member_id": zhao})
    assert r.status_code == 409 and "赵强" in r.get_json()["message"]
    assert signup_rows(env.tenant, a["id"]) == [(wang, "confirmed"), (li, "confirmed"), (zhao, "confirmed")]
    assert env.org.get(f"{P}/activities/{a['id']}").get_json()["checked_in"] == 2
    # not for readers
    assert env.reader.post(f"{P}/signups/{s_wang['id']}/check-in").status_code == 403
    assert env.staff.post(f"{P}/activities/{a['id']}/walk-ins", json={"member_id": wang}).status_code == 403


def test_the_organiser_cannot_check_in_before_it_opens_or_once_cancelled(w):
    env = w  # checkin_opens_minutes: 60
    a = _starting_soon(env, minutes=90)
    wang = member(env.tenant, env.cid)
    s = env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": wang}).get_json()
    r = env.org.post(f"{P}/signups/{s['id']}/check-in")
    assert r.status_code == 409 and "开始签到" in r.get_json()["message"], r.get_json()
    r = env.org.post(f"{P}/activities/{a['id']}/walk-ins", json={"member_id": member(env.tenant, env.cid, "李明")})
    assert r.status_code == 409
    b = _starting_soon(env)
    s = env.org.post(f"{P}/activities/{b['id']}/signups", json={"member_id": wang}).get_json()
    env.org.post(f"{P}/activities/{b['id']}/cancel")
    r = env.org.post(f"{P}/signups/{s['id']}/check-in")
    assert r.status_code == 409 and "已取消" in r.get_json()["message"]


# --- QR scans ------------------------------------------------------------------------------------------


def test_a_scan_checks_in_the_second_checks_out_inside_the_window(w):
    env = w  # opens 60 minutes before, closes 180 after
    a = _starting_soon(env, minutes=24 * 60)
    starts, ends = _times(env, a["id"])
    wang = member(env.tenant, env.cid)
    env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": wang})
    token = token_of(env.tenant, a["id"])
    assert _refused(env, token, wang, starts - timedelta(minutes=61)) == "Check-in opens at %(time)s."
    assert _scan(env, token, wang, starts - timedelta(minutes=59)) == ("checked_in", False, "confirmed")
    # a double tap does not end the service
    assert _refused(env, token, wang, starts - timedelta(minutes=57)).startswith("You checked in at")
    assert _scan(env, token, wang, ends + timedelta(minutes=5)) == ("checked_out", False, "confirmed")
    assert _refused(env, token, wang, ends + timedelta(minutes=10)) == "You checked out already at %(time)s."
    with in_tenant(env.tenant):
        signup = db.session.scalar(select(Signup).where(Signup.activity_id == a["id"]))
        assert signup.checked_in_by == "qr"
        assert signup.checked_in_at == starts - timedelta(minutes=59)
        assert signup.checked_out_at == ends + timedelta(minutes=5)
    # after the window closes nothing more
    li = member(env.tenant, env.cid, "李明")
    assert _refused(env, token, li, ends + timedelta(minutes=181)).startswith("Check-in and check-out closed at")


def test_a_scan_by_someone_not_signed_up_signs_them_up_while_places_last(w):
    env = w
    a = _starting_soon(env, capacity=1)
    starts, _ends = _times(env, a["id"])
    first, second, third = members(env.tenant, env.cid, 3)
    token = token_of(env.tenant, a["id"])
    assert _scan(env, token, first, starts) == ("checked_in", True, "confirmed")
    # full: a waiting member and one not signed up are told to ask the organiser
    r = env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": second})
    assert r.get_json()["status"] == "waiting"
    assert _refused(env, token, second, starts).startswith("You are on the waiting list")
    assert _refused(env, token, third, starts).startswith("The activity is full")
    # one more place: the waiting member moves up, and their scan checks them in
    env.org.patch(f"{P}/activities/{a['id']}", json={"capacity": 2})
    assert _scan(env, token, second, starts + timedelta(minutes=1)) == ("checked_in", False, "confirmed")
    assert _refused(env, token, third, starts + timedelta(minutes=2)).startswith("The activity is full")
    assert signup_rows(env.tenant, a["id"]) == [(first, "confirmed"), (second, "confirmed")]


def test_scans_that_are_refused(w, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    env = w
    a = _starting_soon(env)
    starts, _ends = _times(env, a["id"])
    wang = member(env.tenant, env.cid)
    old = token_of(env.tenant, a["id"])
    env.org.post(f"{P}/activities/{a['id']}/checkin-code")
    new = token_of(env.tenant, a["id"])
    assert new != old
    assert _refused(env, old, wang, starts, NotFound).startswith("This code is not valid")
    assert _refused(env, "", wang, starts, NotFound).startswith("This code is not valid")
    left = member(env.tenant, env.cid, "李离", status="left")
    assert _refused(env, new, left, starts, Invalid) == "This member has left the alliance."
    other_community = second_community(env.tenant)
    stranger = member(env.tenant, other_community, "外来")
    assert _refused(env, new, stranger, starts, Invalid) == "This code is of an activity of another community."
    with in_tenant(env.tenant):  # a resident who is no member
        with pytest.raises(Invalid) as refused:
            checkin.checkin_by_token(new, None, starts)
        assert refused.value.errors["json"]["member_id"][0].msgid.startswith("You are not a member")
    # scanning off in the community's config
    url = f"/api/v1/communities/{env.cid}/plugins/volunteers"
    assert env.tenant.admin.put(url, json={"enabled": True, "config": {"qr_checkin": False}}).status_code == 200
    assert _refused(env, new, wang, starts).startswith("Checking in by code is off")
    env.tenant.admin.put(url, json={"enabled": True, "config": {"qr_checkin": True}})
    # a cancelled activity
    env.org.post(f"{P}/activities/{a['id']}/cancel")
    assert _refused(env, new, wang, starts) == "This activity was cancelled."
    # the same code read in another tenant finds nothing
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    theirs = member(other.tenant, other.cid)
    with in_tenant(other.tenant):
        with pytest.raises(NotFound):
            checkin.checkin_by_token(new, db.session.get(Member, theirs), starts)


def test_the_organiser_and_a_scan_on_the_same_person_agree(w):
    env = w
    a = _starting_soon(env)
    starts, ends = _times(env, a["id"])
    wang = member(env.tenant, env.cid)
    s = env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": wang}).get_json()
    with in_tenant(env.tenant):
        checkin.check_in(db.session.get(Signup, s["id"]), "acme-org", starts)
    token = token_of(env.tenant, a["id"])
    # their scan after the organiser's tap is their check-out
    assert _scan(env, token, wang, ends) == ("checked_out", False, "confirmed")
