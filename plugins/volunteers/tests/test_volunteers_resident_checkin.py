"""The QR code's landing page on a member's phone (/h5/plugins/volunteers/checkin/<token>): the code
holds the community's residents' link (`activities.checkin_url` → the core's `resident_link`), so a
phone not signed in goes through sign-in and lands on the page; GET shows the activity and ONE
button and never checks anyone in (a link preview must not); the POST checks in, the next checks out;
refusals are shown with their status; another tenant's code, or none, is 404."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote, urlsplit

import pytest
from _activity_rows import P, add, create, in_tenant, signup_rows, token_of, world
from sqlalchemy import select
from wuye_volunteers.models import Activity, Member, Signup

from wuye_core.plugins import db

H5 = "/h5/plugins/volunteers"
PHONE = "13800000000"  # wuye_register's resident 张三
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def support_code(app, slug: str, phone: str) -> str:
    """A sign-in code as the support desk reads it out (`wuye residents code`)."""
    done = app.test_cli_runner().invoke(args=["residents", "code", "--tenant", slug, "--phone", phone])
    assert done.exit_code == 0, done.output
    return re.search(r"code: (\d+)", done.output).group(1)


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return world(wuye_make_tenant, wuye_register, wuye_enable_plugin)


def _member(env, name="张三", phone=PHONE, resident_id=None) -> int:
    return add(env.tenant, Member(community_id=env.cid, name=name, kind="volunteer", phone=phone,
                                  resident_id=resident_id, availability=[], consent_contact=False,
                                  joined_on=date(2025, 3, 1), status="active", created_by="test"))[0]


def _running(env, minutes_ago: int = 10, capacity=None, title="小区周末大扫除", signed=()) -> dict:
    """An activity that started `minutes_ago`, two hours long; the members `signed` signed up before."""
    a = create(env.org, env.cid, capacity=capacity, title=title)
    for member_id in signed:
        assert env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": member_id}).status_code == 201
    with in_tenant(env.tenant):
        activity = db.session.get(Activity, a["id"])
        activity.starts_at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        activity.ends_at = activity.starts_at + timedelta(hours=2)
    return a


def _text(response, status=200) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:3000]
    return body


def _flash(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S))


def _errors(page: str) -> str:
    return " ".join(re.findall(r'<p class="error" role="alert">(.*?)</p>', page, re.S))


def _button(page: str) -> list[str]:
    return re.findall(r'<button type="submit" class="vl-r-big">(.*?)</button>', page)


def _checks(env, activity_id) -> list[tuple]:
    with in_tenant(env.tenant):
        return [(s.member_id, s.status, s.checked_in_at is not None, s.checked_out_at is not None, s.checked_in_by)
                for s in db.session.scalars(select(Signup).where(Signup.activity_id == activity_id))]


def _back(env, activity_id, member_id, minutes: int) -> None:
    """The member's check-in `minutes` earlier (they have been there a while)."""
    with in_tenant(env.tenant):
        signup = db.session.scalar(select(Signup).where(Signup.activity_id == activity_id,
                                                        Signup.member_id == member_id))
        signup.checked_in_at = signup.checked_in_at - timedelta(minutes=minutes)


def test_the_code_leads_a_phone_not_signed_in_through_sign_in_to_the_button_in_then_out(w, wuye_app):
    env = w
    me = _member(env, resident_id=env.ids["resident"])
    a = _running(env, signed=[me])
    token = token_of(env.tenant, a["id"])
    page_path = f"{H5}/checkin/{token}"

    # the code's address: the community's signed link, which opens the check-in page
    link = env.org.get(f"{P}/activities/{a['id']}").get_json()["checkin_url"]
    parts = urlsplit(link)
    assert parts.scheme == "http" and parts.path.startswith(f"/h5/c/{env.tenant.slug}/")
    assert unquote(parts.query) == f"next={page_path}"

    phone = wuye_app.test_client()  # a phone's camera opens the link: not signed in
    page = _text(phone.get(f"{parts.path}?{parts.query}"))
    assert "获取验证码" in page
    r = phone.post(parts.path + "/sign-in", data={"csrf_token": _CSRF.search(page).group(1), "phone": PHONE,
                                                 "code": support_code(wuye_app, env.tenant.slug, PHONE)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/h5/privacy")
    page = _text(phone.get("/h5/privacy"))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    r = phone.post("/h5/privacy", data={"csrf_token": _CSRF.search(page).group(1), "version": version})
    assert r.status_code == 302 and r.headers["Location"].endswith(page_path)  # there, after signing in

    page = _text(phone.get(page_path))
    assert "小区周末大扫除" in page and "3号楼前广场" in page and _button(page) == ["签到"]
    assert _text(phone.get(page_path)) and _checks(env, a["id"]) == [(me, "confirmed", False, False, None)]

    csrf = _CSRF.search(page).group(1)
    r = phone.post(page_path, data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["Location"].endswith(page_path)
    page = _text(phone.get(page_path))
    assert "签到成功" in _flash(page) and _button(page) == ["签退"] and "已签到" in page
    assert _checks(env, a["id"]) == [(me, "confirmed", True, False, "qr")]

    # a double tap: refused, with its reason, and nothing changes
    page = _text(phone.post(page_path, data={"csrf_token": csrf}), 409)
    assert "离开时再扫一次" in _errors(page)
    assert _checks(env, a["id"]) == [(me, "confirmed", True, False, "qr")]

    _back(env, a["id"], me, 40)
    page = _text(phone.get(phone.post(page_path, data={"csrf_token": csrf}).headers["Location"]))
    assert "签退成功" in _flash(page) and "本次服务 40 分钟" in _flash(page)
    assert _button(page) == [] and "感谢您的服务" in page and "（40 分钟）" in page
    assert _checks(env, a["id"]) == [(me, "confirmed", True, True, "qr")]
    assert "已于" in _errors(_text(phone.post(page_path, data={"csrf_token": csrf}), 409))  # out already

    # signed in already: the link opens the page at once
    r = phone.get(f"{parts.path}?{parts.query}")
    assert r.status_code == 302 and r.headers["Location"].endswith(page_path)


def test_get_never_checks_in_and_a_post_needs_the_csrf_token(w):
    env = w
    me = _member(env, resident_id=env.ids["resident"])
    a = _running(env)
    page_path = f"{H5}/checkin/{token_of(env.tenant, a['id'])}"
    phone = env.tenant.resident(env.cid)
    for _ in range(3):
        assert _button(_text(phone.get(page_path))) == ["签到"]
    assert phone.client.head(page_path).status_code == 200
    assert signup_rows(env.tenant, a["id"]) == []  # not signed up by looking
    assert phone.client.post(page_path).status_code == 400  # no CSRF token
    assert signup_rows(env.tenant, a["id"]) == []
    # not signed up: the scan signs me up and checks me in, and says so
    page = _text(phone.get(phone.post(page_path).headers["Location"]))
    assert "之前没有报名" in _flash(page) and _checks(env, a["id"]) == [(me, "confirmed", True, False, "qr")]


def test_another_tenants_code_or_none_is_404(w, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    env = w
    _member(env, resident_id=env.ids["resident"])
    beta = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="beta")
    theirs = _running(beta)
    token = token_of(beta.tenant, theirs["id"])
    phone = env.tenant.resident(env.cid)
    assert phone.get(f"{H5}/checkin/{token}").status_code == 404
    assert phone.post(f"{H5}/checkin/{token}").status_code == 404
    assert phone.get(f"{H5}/checkin/no-such-code").status_code == 404
    assert signup_rows(beta.tenant, theirs["id"]) == []


def test_a_resident_who_is_no_member_reads_how_to_join_and_cannot_check_in(w):
    env = w
    a = _running(env)
    page_path = f"{H5}/checkin/{token_of(env.tenant, a['id'])}"
    phone = env.tenant.resident(env.cid)
    page = _text(phone.get(page_path))
    assert "小区周末大扫除" in page and "社区党群服务中心" in page and _button(page) == []
    page = _text(phone.post(page_path), 422)
    assert "不是本社区居民服务联盟的成员" in _errors(page)
    assert signup_rows(env.tenant, a["id"]) == []


def test_before_the_window_the_page_says_when_it_opens_and_has_no_button(w):
    env = w
    _member(env, resident_id=env.ids["resident"])
    a = create(env.org, env.cid, days=3)
    page_path = f"{H5}/checkin/{token_of(env.tenant, a['id'])}"
    phone = env.tenant.resident(env.cid)
    page = _text(phone.get(page_path))
    assert _button(page) == [] and "开始签到" in page
    assert "开始签到" in _errors(_text(phone.post(page_path), 409))
    assert signup_rows(env.tenant, a["id"]) == []


def test_a_full_activity_and_a_waiting_member_are_refused_with_the_reason(w):
    env = w
    me = _member(env, resident_id=env.ids["resident"])
    first = _member(env, "王芳", phone="13911110000")
    a = _running(env, capacity=1)
    assert env.org.post(f"{P}/activities/{a['id']}/walk-ins", json={"member_id": first}).status_code == 201
    page_path = f"{H5}/checkin/{token_of(env.tenant, a['id'])}"
    phone = env.tenant.resident(env.cid)
    assert "已满" in _errors(_text(phone.post(page_path), 409))
    assert signup_rows(env.tenant, a["id"]) == [(first, "confirmed")]
    with in_tenant(env.tenant):
        db.session.add(Signup(community_id=env.cid, activity_id=a["id"], member_id=me, status="waiting",
                              signed_up_at=datetime.now(UTC)))
    assert "候补" in _errors(_text(phone.post(page_path), 409))
