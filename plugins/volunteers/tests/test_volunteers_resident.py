"""The members' own pages on their phones (/h5/plugins/volunteers, wuye's residents' pages, API 1.12):
who the signed-in resident is in the alliance (`resident.members_of`), my hours, records, certificates,
points, teams and skills; how to join for a resident who is no member (or left); the activities to
sign up for (the waiting list when full) and cancel; the tasks that need my skills (accept, give up);
ids in URLs that are not mine are 404; the plugin off for the community is the core's 404."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from _activity_rows import P, add, create, in_tenant, signup_rows, world
from sqlalchemy import select
from wuye_volunteers import resident
from wuye_volunteers.models import (
    Activity,
    Certificate,
    LedgerEntry,
    Member,
    MemberSkill,
    ServiceRecord,
    Task,
    Team,
    TeamMember,
)

from wuye_core.plugins import ResidentInfo, db, local_today

H5 = "/h5/plugins/volunteers"
PHONE = "13800000000"  # wuye_register's resident 张三
OTHER = "13700000001"  # a neighbour in the same household


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    env = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    r = env.tenant.admin.post("/api/v1/residents", json={"household_id": env.ids["household"], "name": "李四",
                                                         "phone": OTHER})
    assert r.status_code == 201, r.get_json()
    env.ids["neighbour"] = r.get_json()["id"]
    return env


def _member(env, name="张三", phone=PHONE, resident_id=None, status="active", skills=(), community=None) -> int:
    [member_id] = add(env.tenant, Member(
        community_id=community or env.cid, name=name, kind="volunteer", phone=phone, resident_id=resident_id,
        availability=[], consent_contact=False, joined_on=date(2025, 3, 1), status=status,
        left_on=date(2026, 1, 10) if status == "left" else None, created_by="test"))
    if skills:
        add(env.tenant, *[MemberSkill(community_id=community or env.cid, member_id=member_id, skill=s, level="skilled")
                          for s in skills])
    return member_id


def _record(env, member_id, minutes, started_at, content="小区清洁") -> int:
    return add(env.tenant, ServiceRecord(
        community_id=env.cid, member_id=member_id, source="manual", source_id=None, content=content,
        place="3号楼前", started_at=started_at, ended_at=started_at + timedelta(minutes=minutes), minutes=minutes,
        organiser="社区居民服务联盟", confirmed_by="test", confirmed_at=started_at, corrections=0))[0]


def _text(response, status=200) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:3000]
    return body


def _flash(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S))


def _errors(page: str) -> str:
    return " ".join(re.findall(r'<p class="error" role="alert">(.*?)</p>', page, re.S))


def _follow(client, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return _text(client.get(response.headers["Location"]))


# --- who: the helper -------------------------------------------------------------------------------


def test_members_of_finds_the_linked_file_else_the_phone_in_the_residents_communities(w, wuye_app):
    env = w
    other_cid = env.tenant.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    linked = _member(env, "张三", phone="13911112222", resident_id=env.ids["resident"])  # linked, another phone
    by_phone = _member(env, "李四", phone="137 0000 0001")  # the neighbour's phone, spaced
    elsewhere = _member(env, "李四", phone=OTHER, community=other_cid)  # a community not in the info
    erased = _member(env, "某人", phone="13600000000")
    with in_tenant(env.tenant):
        db.session.get(Member, erased).erased_at = datetime.now(UTC)
    with wuye_app.test_request_context(), in_tenant(env.tenant):
        def found(**info):
            base = {"account_id": 1, "phone": PHONE, "resident_ids": (), "household_ids": (),
                    "community_ids": (env.cid,)}
            return [m.id for m in resident.members_of(ResidentInfo(**{**base, **info}))]

        assert found(resident_ids=(env.ids["resident"],)) == [linked]  # linked: the phone is not looked at
        assert found(phone=OTHER, resident_ids=(env.ids["neighbour"],)) == [by_phone]  # no link: the phone
        assert found(phone=OTHER, community_ids=(env.cid, other_cid)) == [by_phone, elsewhere]
        assert found(phone="13600000000") == []  # erased: nobody
        assert found(phone="13500000000") == []
        assert found(community_ids=()) == [] and resident.members_of(None) == []
        # a file who left still counts (the page shows their past hours), after the active ones
        db.session.get(Member, linked).status = "left"
        db.session.flush()
        assert found(resident_ids=(env.ids["resident"],)) == [linked]


# --- my volunteering --------------------------------------------------------------------------------


def test_a_member_sees_the_entry_and_their_hours_records_teams_and_skills(w):
    env = w
    me = _member(env, resident_id=env.ids["resident"], skills=("legal",))
    this_year = datetime.combine(local_today().replace(month=1, day=2), datetime.min.time(), UTC)
    _record(env, me, 90, this_year + timedelta(hours=1), "义诊志愿服务")
    _record(env, me, 120, this_year - timedelta(days=40), "去年的清洁")
    other = _member(env, "别人", phone="13911110000")
    _record(env, other, 600, this_year + timedelta(hours=3), "别人的服务")
    [team_id] = add(env.tenant, Team(community_id=env.cid, name="法律服务队", kind="professional", active=True,
                                     leader_member_id=me, created_by="test"))
    add(env.tenant, TeamMember(community_id=env.cid, team_id=team_id, member_id=me, joined_on=date(2025, 3, 1)))
    phone = env.tenant.resident(env.cid)

    home = _text(phone.get("/h5/"))
    assert f'href="{H5}/"' in home and ">志愿服务</a>" in home  # the entry in the bottom navigation
    page = _text(phone.get(f"{H5}/"))
    assert f'href="{H5}/" aria-current="page"' in page
    assert "我的志愿服务" in page and "社区居民服务联盟" in page
    assert re.search(r"data-year-hours>1\.5<", page) and re.search(r"data-total-hours>3\.5<", page)
    assert re.search(r"data-services>2<", page)
    assert "义诊志愿服务" in page and "去年的清洁" in page and "别人的服务" not in page
    assert "法律服务队（队长）" in page and "法律咨询（熟练）" in page
    assert "时间银行" not in page and "data-points" not in page  # the time bank is off
    english = _text(phone.get(f"{H5}/?lang=en"))
    assert "My volunteering" in english and ">Volunteering</a>" in english and "Hours in all" in english


def test_the_time_bank_and_certificates_show_where_there_are_some(w, wuye_enable_plugin):
    env = w
    wuye_enable_plugin(env.tenant, "volunteers", env.cid, {"time_bank": True})
    me = _member(env, resident_id=env.ids["resident"])
    add(env.tenant, LedgerEntry(community_id=env.cid, member_id=me, kind="earn", points=15, balance=15,
                                description="服务记录 #1：小区清洁，1.5 小时", by="test"),
        Certificate(community_id=env.cid, member_id=me, number="志证〔2026〕第 0007 号", period_start=date(2026, 1, 1),
                    period_end=date(2026, 6, 30), minutes=90, records=1, issued_by="test",
                    issued_at=datetime.now(UTC)))
    page = _text(env.tenant.resident(env.cid).get(f"{H5}/"))
    assert "时间银行" in page and "积分余额" in page and re.search(r"data-points>15<", page) and "+15" in page
    assert "志证〔2026〕第 0007 号" in page and "2026-01-01 至 2026-06-30" in page
    assert re.search(rf'href="{H5}/certificates/\d+"', page)


def test_a_member_downloads_their_own_certificate_audited_as_theirs(w):
    env = w
    me = _member(env, resident_id=env.ids["resident"])
    _record(env, me, 90, datetime(2025, 3, 8, 1, 0, tzinfo=UTC), "小区环境清洁")
    r = env.mgr.post(f"{P}/communities/{env.cid}/certificates", json={
        "member_id": me, "period_start": "2025-01-01", "period_end": "2025-12-31"})
    assert r.status_code == 201, r.get_json()
    issued = r.get_json()
    phone = env.tenant.resident(env.cid)
    page = _text(phone.get(f"{H5}/"))
    assert issued["number"] in page and "2025-01-01 至 2025-12-31" in page
    link = f"{H5}/certificates/{issued['id']}"
    assert f'href="{link}"' in page
    r = phone.get(link)
    assert r.status_code == 200 and r.mimetype.endswith("wordprocessingml.document") and r.data[:2] == b"PK"
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    trail = env.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.exported"}).get_json()["items"]
    assert [(e["actor_kind"], e["target_type"], e["target_id"]) for e in trail] == [
        ("resident", "certificate", str(issued["id"]))]


def test_a_certificate_not_mine_is_404(w):
    env = w
    _member(env, resident_id=env.ids["resident"])
    theirs = _member(env, "别人", phone="13911110000")
    [cert] = add(env.tenant, Certificate(community_id=env.cid, member_id=theirs, number="志证〔2026〕第 0001 号",
                                         period_start=date(2026, 1, 1), period_end=date(2026, 6, 30), minutes=90,
                                         records=1, issued_by="test", issued_at=datetime.now(UTC)))
    phone = env.tenant.resident(env.cid)
    assert phone.get(f"{H5}/certificates/{cert}").status_code == 404
    assert phone.get(f"{H5}/certificates/99999").status_code == 404


def test_a_resident_who_is_no_member_reads_how_to_join(w):
    env = w
    phone = env.tenant.resident(env.cid)
    for path in ("/", "/activities", "/tasks"):
        page = _text(phone.get(H5 + path))
        assert "您还不是居民服务联盟的成员" in page and "社区党群服务中心" in page and "社区居民服务联盟" in page, path
        assert 'aria-current="page"' in page  # still the alliance's entry: no 403 wall
    assert "Party and public service centre" in _text(phone.get(f"{H5}/?lang=en"))


def test_a_member_who_left_reads_how_to_join_and_still_sees_their_past_hours(w):
    env = w
    me = _member(env, resident_id=env.ids["resident"], status="left")
    _record(env, me, 150, datetime(2025, 10, 4, 1, 0, tzinfo=UTC), "以前的巡逻")
    phone = env.tenant.resident(env.cid)
    page = _text(phone.get(f"{H5}/"))
    assert "您已不是居民服务联盟的成员" in page and "社区党群服务中心" in page
    assert "2026-01-10 退出" in page and "以前的巡逻" in page and re.search(r"data-total-hours>2\.5<", page)
    page = _text(phone.get(f"{H5}/activities"))
    assert "社区党群服务中心" in page and "报名</button>" not in page


# --- activities -------------------------------------------------------------------------------------


def test_signing_up_for_a_full_activity_puts_me_on_the_waiting_list_and_says_so(w):
    env = w
    me = _member(env, resident_id=env.ids["resident"])
    first = _member(env, "王芳", phone="13911110000")
    a = create(env.org, env.cid, capacity=1, days=3)
    assert env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": first}).status_code == 201
    phone = env.tenant.resident(env.cid)
    page = _text(phone.get(f"{H5}/activities"))
    assert "小区周末大扫除" in page and "已满（1 个名额）" in page and "报名候补</button>" in page

    page = _follow(phone, phone.post(f"{H5}/activities/{a['id']}/sign-up"))
    assert "已满" in _flash(page) and "候补名单第 1 位" in _flash(page)
    assert "候补第 1 位" in page and "候补 1 人" in page and "取消报名</button>" in page
    assert signup_rows(env.tenant, a["id"]) == [(first, "confirmed"), (me, "waiting")]

    # twice: the service's refusal, on the page, with its status
    r = phone.post(f"{H5}/activities/{a['id']}/sign-up")
    assert "张三 已在候补名单中" in _errors(_text(r, 409))

    # the first gives up their place (the organiser cancels it): I move up, and my page says so
    signup_id = env.org.get(f"{P}/activities/{a['id']}/signups").get_json()["signups"][0]["id"]
    assert env.org.post(f"{P}/signups/{signup_id}/cancel").status_code == 200
    assert signup_rows(env.tenant, a["id"]) == [(first, "cancelled"), (me, "confirmed")]
    assert "已报名" in _text(phone.get(f"{H5}/activities"))


def test_cancelling_my_sign_up_gives_my_place_to_the_first_waiting(w):
    env = w
    me = _member(env, resident_id=env.ids["resident"])
    waiting = _member(env, "王芳", phone="13911110000")
    a = create(env.org, env.cid, capacity=1, days=3)
    phone = env.tenant.resident(env.cid)
    page = _follow(phone, phone.post(f"{H5}/activities/{a['id']}/sign-up"))
    assert "报名成功" in _flash(page) and "小区周末大扫除" in _flash(page)
    assert env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": waiting}).status_code == 201
    mine = [s for s in env.org.get(f"{P}/activities/{a['id']}/signups").get_json()["signups"] if s["member_id"] == me]
    page = _follow(phone, phone.post(f"{H5}/signups/{mine[0]['id']}/cancel"))
    assert "已取消" in _flash(page) and "报名候补</button>" in page  # full again: 王芳 has my place
    assert signup_rows(env.tenant, a["id"]) == [(me, "cancelled"), (waiting, "confirmed")]
    # cancelled already: the refusal
    assert "已取消" in _errors(_text(phone.post(f"{H5}/signups/{mine[0]['id']}/cancel"), 409))


def test_too_late_to_cancel_on_the_phone_says_until_when(w):
    env = w
    me = _member(env, resident_id=env.ids["resident"])
    a = create(env.org, env.cid, days=3)
    phone = env.tenant.resident(env.cid)
    _follow(phone, phone.post(f"{H5}/activities/{a['id']}/sign-up"))
    with in_tenant(env.tenant):
        activity = db.session.get(Activity, a["id"])
        activity.starts_at = datetime.now(UTC) + timedelta(minutes=90)  # cancel_until_hours is 2
        activity.ends_at = activity.starts_at + timedelta(hours=2)
    page = _text(phone.get(f"{H5}/activities"))
    assert "取消报名</button>" not in page and "请联系活动组织者" in page
    signup_id = [s for s in env.org.get(f"{P}/activities/{a['id']}/signups").get_json()["signups"]
                 if s["member_id"] == me][0]["id"]
    assert "请联系活动组织者" in _errors(_text(phone.post(f"{H5}/signups/{signup_id}/cancel"), 409))
    assert signup_rows(env.tenant, a["id"]) == [(me, "confirmed")]


def test_only_my_communitys_upcoming_activities_and_only_my_sign_ups(w, wuye_make_tenant, wuye_register,
                                                                     wuye_enable_plugin):
    env = w
    _member(env, resident_id=env.ids["resident"])
    someone = _member(env, "王芳", phone="13911110000")
    soon = create(env.org, env.cid, days=3, title="三天后的清洁")
    create(env.org, env.cid, days=45, title="一个半月后的活动")
    gone = create(env.org, env.cid, days=4, title="取消了的活动")
    assert env.org.post(f"{P}/activities/{gone['id']}/cancel").status_code == 200
    phone = env.tenant.resident(env.cid)
    page = _text(phone.get(f"{H5}/activities"))
    assert "三天后的清洁" in page and "一个半月后的活动" not in page and "取消了的活动" not in page
    theirs = env.org.post(f"{P}/activities/{soon['id']}/signups", json={"member_id": someone}).get_json()["id"]
    assert phone.post(f"{H5}/signups/{theirs}/cancel").status_code == 404  # another's sign-up
    assert phone.post(f"{H5}/activities/99999/sign-up").status_code == 404
    assert signup_rows(env.tenant, soon["id"]) == [(someone, "confirmed")]
    # another tenant's activity (the same id space): not mine
    beta = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="beta")
    theirs = create(beta.org, beta.cid, days=3)
    assert phone.post(f"{H5}/activities/{theirs['id']}/sign-up").status_code == 404
    assert signup_rows(beta.tenant, theirs["id"]) == []


def test_every_post_needs_the_csrf_token(w):
    env = w
    _member(env, resident_id=env.ids["resident"])
    a = create(env.org, env.cid, days=3)
    phone = env.tenant.resident(env.cid)
    assert phone.client.post(f"{H5}/activities/{a['id']}/sign-up").status_code == 400
    assert signup_rows(env.tenant, a["id"]) == []


# --- tasks ------------------------------------------------------------------------------------------


def _task(env, title, skill, phone="13566667777") -> int:
    r = env.org.post(f"{P}/communities/{env.cid}/tasks", json={
        "source": "request", "title": title, "skill": skill, "place": "2栋3单元502",
        "requester_name": "刘奶奶", "requester_phone": phone, "description": f"请联系 {phone}",
        "wanted_by": (local_today() + timedelta(days=5)).isoformat()})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_a_member_takes_a_task_that_needs_their_skill_and_gives_it_up(w):
    env = w
    me = _member(env, resident_id=env.ids["resident"], skills=("legal",))
    legal = _task(env, "咨询遗嘱公证", "legal")
    medical = _task(env, "上门量血压", "medical")
    phone = env.tenant.resident(env.cid)
    page = _text(phone.get(f"{H5}/tasks"))
    assert "咨询遗嘱公证" in page and "2栋3单元502" in page and "上门量血压" not in page
    assert "13566667777" not in page and "135****7777" in page  # the requester's phone: never in full
    assert "刘奶奶" not in page

    assert phone.post(f"{H5}/tasks/{medical}/accept").status_code == 404  # not offered to me
    page = _follow(phone, phone.post(f"{H5}/tasks/{legal}/accept"))
    assert "咨询遗嘱公证" in _flash(page) and "放弃</button>" in page
    task = env.org.get(f"{P}/tasks/{legal}").get_json()
    assert task["status"] == "accepted" and task["member_id"] == me
    assert "已认领" in _errors(_text(phone.post(f"{H5}/tasks/{legal}/accept"), 409))  # taken already (by me)

    page = _follow(phone, phone.post(f"{H5}/tasks/{legal}/give-up"))
    assert "放弃" in _flash(page) and "我来做</button>" in page
    task = env.org.get(f"{P}/tasks/{legal}").get_json()
    assert task["status"] == "offered" and task["member_id"] is None
    assert phone.post(f"{H5}/tasks/{legal}/give-up").status_code == 404  # no longer mine


def test_a_task_another_member_took_cannot_be_given_up_by_me(w):
    env = w
    _member(env, resident_id=env.ids["resident"], skills=("legal",))
    other = _member(env, "王律师", phone="13911110000", skills=("legal",))
    legal = _task(env, "咨询遗嘱公证", "legal")
    assert env.org.post(f"{P}/tasks/{legal}/accept", json={"member_id": other}).status_code == 200
    phone = env.tenant.resident(env.cid)
    assert "咨询遗嘱公证" not in _text(phone.get(f"{H5}/tasks"))
    assert phone.post(f"{H5}/tasks/{legal}/give-up").status_code == 404
    assert "已认领" in _errors(_text(phone.post(f"{H5}/tasks/{legal}/accept"), 409))  # the service says why
    with in_tenant(env.tenant):
        assert db.session.scalar(select(Task.member_id).where(Task.id == legal)) == other


# --- the gate ----------------------------------------------------------------------------------------


def test_the_plugin_off_for_the_community_is_404(w):
    env = w
    _member(env, resident_id=env.ids["resident"])
    phone = env.tenant.resident(env.cid)
    assert phone.get(f"{H5}/").status_code == 200
    r = env.tenant.admin.put(f"/api/v1/communities/{env.cid}/plugins/volunteers", json={"enabled": False})
    assert r.status_code == 200, r.get_json()
    for path in ("/", "/activities", "/tasks", "/checkin/whatever"):
        assert phone.get(H5 + path).status_code == 404, path
    assert f'href="{H5}/"' not in _text(phone.get("/h5/"))


def test_not_signed_in_goes_to_sign_in(wuye_app):
    r = wuye_app.test_client().get(f"{H5}/")
    assert r.status_code == 302 and "/h5/" in r.headers["Location"]


# --- the page rules -----------------------------------------------------------------------------------


def test_every_page_keeps_the_page_rules(w, wuye_enable_plugin):
    """One h1, a title, labels, messages read out (role=status/alert), no inline script or style, no
    English left on the Chinese pages (the console's page rules, tests/console/pages.py)."""
    rules = pytest.importorskip("tests.console.pages")
    env = w
    wuye_enable_plugin(env.tenant, "volunteers", env.cid, {"time_bank": True})
    me = _member(env, resident_id=env.ids["resident"], skills=("legal",))
    _record(env, me, 90, datetime(2025, 3, 8, 1, 0, tzinfo=UTC), "小区环境清洁")
    assert env.mgr.post(f"{P}/communities/{env.cid}/certificates", json={
        "member_id": me, "period_start": "2025-01-01", "period_end": "2025-12-31"}).status_code == 201
    [team_id] = add(env.tenant, Team(community_id=env.cid, name="法律服务队", kind="professional", active=True,
                                     leader_member_id=me, created_by="test"))
    add(env.tenant, TeamMember(community_id=env.cid, team_id=team_id, member_id=me, joined_on=date(2025, 3, 1)),
        LedgerEntry(community_id=env.cid, member_id=me, kind="earn", points=15, balance=15,
                    description="服务记录 #1：小区清洁，1.5 小时", by="test"))
    signed = create(env.org, env.cid, days=3, capacity=1)
    assert env.org.post(f"{P}/activities/{signed['id']}/signups", json={"member_id": me}).status_code == 201
    create(env.org, env.cid, days=5, title="法律咨询进社区")
    _task(env, "咨询遗嘱公证", "legal")
    held = _task(env, "调解邻里纠纷", "legal")
    assert env.org.post(f"{P}/tasks/{held}/accept", json={"member_id": me}).status_code == 200
    with in_tenant(env.tenant):
        token = db.session.get(Activity, signed["id"]).checkin_token
    phone = env.tenant.resident(env.cid)
    for path in ("/", "/activities", "/tasks", f"/checkin/{token}"):
        r = phone.get(H5 + path)
        assert rules.problems(r) == [], path
        assert rules.problems(phone.get(H5 + path + "?lang=en"), zh=False) == [], path
        phone.get(H5 + path + "?lang=zh_CN")
    # a refusal's page too
    r = phone.post(f"{H5}/activities/{signed['id']}/sign-up")
    assert r.status_code == 409
    r.status_code = 200  # the rules read a page: its status said above
    assert rules.problems(r) == []
    other = env.tenant.resident(env.cid, phone=OTHER)  # no member: how to join
    assert rules.problems(other.get(f"{H5}/")) == []
