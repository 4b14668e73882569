"""Activities through the API: organisers create, change and cancel them; everyone who reads the
community lists them; the QR code's address is the organisers'; refusals name the field in Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _activity_rows import (
    P,
    activity_body,
    beijing,
    create,
    iso,
    member,
    members,
    second_community,
    signup_rows,
    team,
    world,
)


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return world(wuye_make_tenant, wuye_register, wuye_enable_plugin)


def _errors(r) -> dict:
    return r.get_json()["errors"]["json"]


def test_an_organiser_creates_an_activity_and_everyone_reading_lists_it(w):
    env = w
    team_id = team(env.tenant, env.cid)
    body = activity_body(capacity=12, team_id=team_id, site_id=env.ids["site"], skills_wanted=["cleaning", "patrol"])
    r = env.org.post(f"{P}/communities/{env.cid}/activities", json=body)
    assert r.status_code == 201, r.get_json()
    a = r.get_json()
    assert a["organiser"] == "acme-org" and a["status"] == "open" and a["status_label"] == "报名中"
    assert a["team_name"] == "环保督导队" and a["site_id"] == env.ids["site"] and a["site_name"]
    assert a["duration_minutes"] == 120 and a["capacity"] == 12 and a["places_left"] == 12
    assert a["skills_labels"] == ["环境保洁", "治安巡逻"]
    # the QR code's address: the community's residents' link that opens the members' check-in page (resident.py)
    assert a["checkin_url"].startswith("http://localhost/h5/c/acme/") and len(a["checkin_url"]) > 100
    assert "?next=%2Fh5%2Fplugins%2Fvolunteers%2Fcheckin%2F" in a["checkin_url"]
    # Beijing 09:00 is 01:00 UTC
    assert a["starts_at"].endswith("T01:00:00+00:00")
    # a reader sees it, without the QR code's address
    seen = env.reader.get(f"{P}/activities/{a['id']}").get_json()
    assert seen["title"] == "小区周末大扫除" and seen["checkin_url"] is None
    page = env.reader.get(f"{P}/communities/{env.cid}/activities").get_json()
    assert page["total"] == 1 and page["items"][0]["checkin_url"] is None
    # a time without an offset is Beijing time
    r = env.org.post(f"{P}/communities/{env.cid}/activities",
                     json=activity_body(starts_at="2030-05-01T08:30:00", ends_at="2030-05-01T10:00:00"))
    assert r.status_code == 201 and r.get_json()["starts_at"] == "2030-05-01T00:30:00+00:00"


def test_only_organisers_and_the_manager_create_change_and_cancel(w):
    env = w
    for who in (env.staff, env.reader):
        r = who.post(f"{P}/communities/{env.cid}/activities", json=activity_body())
        assert r.status_code == 403 and "活动组织者" in r.get_json()["message"], r.get_json()
    a = create(env.mgr, env.cid)
    assert a["organiser"] == "acme-mgr"
    assert env.staff.patch(f"{P}/activities/{a['id']}", json={"title": "改"}).status_code == 403
    assert env.reader.post(f"{P}/activities/{a['id']}/cancel").status_code == 403
    assert env.reader.post(f"{P}/activities/{a['id']}/checkin-code").status_code == 403
    # another organiser of the community may change it
    r = env.org2.patch(f"{P}/activities/{a['id']}", json={"title": "楼道清理", "capacity": 5})
    assert r.status_code == 200 and r.get_json()["title"] == "楼道清理" and r.get_json()["places_left"] == 5


def test_refusals_name_the_field_in_chinese(w, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    env = w
    url = f"{P}/communities/{env.cid}/activities"
    start = beijing(3, 9)
    r = env.org.post(url, json=activity_body(ends_at=iso(start - timedelta(minutes=1))))
    assert r.status_code == 422 and _errors(r) == {"ends_at": ["结束时间必须晚于开始时间。"]}
    r = env.org.post(url, json=activity_body(ends_at=iso(start + timedelta(days=8))))
    assert r.status_code == 422 and "7 天" in _errors(r)["ends_at"][0]
    r = env.org.post(url, json=activity_body(skills_wanted=["juggling"]))
    assert r.status_code == 422 and "skills_wanted" in _errors(r)
    r = env.org.post(url, json=activity_body(capacity=0))
    assert r.status_code == 422 and "capacity" in _errors(r)
    r = env.org.post(url, json=activity_body(title=" "))
    assert r.status_code == 422 and "title" in _errors(r)
    r = env.org.post(url, json=activity_body(starts_at="next saturday"))
    assert r.status_code == 422 and "starts_at" in _errors(r)
    # a site and a team of another community
    other = wuye_make_tenant("other")
    other_ids = wuye_register(other, "乙")
    site = {"id": second_community(env.tenant)}
    foreign_site = env.tenant.admin.post("/api/v1/sites", json={"community_id": site["id"], "name": "别处小区",
                                                                "kind": "compound"}).get_json()["id"]
    r = env.org.post(url, json=activity_body(site_id=foreign_site))
    assert r.status_code == 422 and _errors(r) == {"site_id": ["不是该社区的小区。"]}
    r = env.org.post(url, json=activity_body(site_id=other_ids["site"]))
    assert r.status_code == 422 and "site_id" in _errors(r)
    foreign_team = team(env.tenant, site["id"], "别处的队")
    r = env.org.post(url, json=activity_body(team_id=foreign_team))
    assert r.status_code == 422 and "team_id" in _errors(r)
    dissolved = team(env.tenant, env.cid, "解散的队", active=False)
    r = env.org.post(url, json=activity_body(team_id=dissolved))
    assert r.status_code == 422 and "team_id" in _errors(r)
    # nothing was made
    assert env.org.get(url).get_json()["total"] == 0


def test_the_list_filters_by_dates_status_team_and_skill(w):
    env = w
    team_id = team(env.tenant, env.cid)
    a = create(env.org, env.cid, days=2, skills_wanted=["cleaning"], team_id=team_id)
    b = create(env.org, env.cid, days=5, skills_wanted=["legal", "medical"])
    c = create(env.org, env.cid, days=9, skills_wanted=[])
    env.org.post(f"{P}/activities/{c['id']}/cancel")
    url = f"{P}/communities/{env.cid}/activities"

    def ids(**query):
        r = env.reader.get(url, query_string=query)
        assert r.status_code == 200, r.get_json()
        return [item["id"] for item in r.get_json()["items"]]

    assert ids() == [c["id"], b["id"], a["id"]]
    assert ids(sort="starts_at") == [a["id"], b["id"], c["id"]]
    day = beijing(5).date()
    assert ids(**{"from": day.isoformat(), "to": day.isoformat()}) == [b["id"]]
    assert ids(**{"from": (day + timedelta(days=1)).isoformat()}) == [c["id"]]
    assert ids(status="cancelled") == [c["id"]]
    assert ids(skill="medical") == [b["id"]] and ids(skill="cleaning") == [a["id"]]
    assert ids(team_id=team_id) == [a["id"]]
    page = env.reader.get(url, query_string={"per_page": 2, "page": 2}).get_json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [a["id"]]
    r = env.reader.get(url, query_string={"from": day.isoformat(), "to": (day - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and "from" in r.get_json()["errors"]["query"]
    r = env.reader.get(url, query_string={"skill": "juggling"})
    assert r.status_code == 422 and "skill" in r.get_json()["errors"]["query"]


def test_cancelling_keeps_the_signups_and_is_refused_twice(w):
    env = w
    a = create(env.org, env.cid, capacity=1)
    first, second = members(env.tenant, env.cid, 2)
    for m in (first, second):
        assert env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": m}).status_code == 201
    r = env.org.post(f"{P}/activities/{a['id']}/cancel")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled" and r.get_json()["status_label"] == "已取消"
    assert signup_rows(env.tenant, a["id"]) == [(first, "confirmed"), (second, "waiting")]
    r = env.org.post(f"{P}/activities/{a['id']}/cancel")
    assert r.status_code == 409 and "已取消" in r.get_json()["message"]
    r = env.org.patch(f"{P}/activities/{a['id']}", json={"title": "又办了"})
    assert r.status_code == 409
    third = member(env.tenant, env.cid, "赵六")
    r = env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": third})
    assert r.status_code == 409 and "已取消" in r.get_json()["message"]


def test_more_places_move_the_waiting_list_up_and_fewer_than_taken_are_refused(w):
    env = w
    a = create(env.org, env.cid, capacity=1)
    people = members(env.tenant, env.cid, 4)
    for m in people:
        env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": m})
    r = env.org.patch(f"{P}/activities/{a['id']}", json={"capacity": 3})
    assert r.status_code == 200 and r.get_json()["signed_up"] == 3 and r.get_json()["waiting"] == 1
    assert signup_rows(env.tenant, a["id"]) == [(people[0], "confirmed"), (people[1], "confirmed"),
                                                (people[2], "confirmed"), (people[3], "waiting")]
    r = env.org.patch(f"{P}/activities/{a['id']}", json={"capacity": 2})
    assert r.status_code == 422 and _errors(r) == {"capacity": ["已有 3 名成员获得名额，名额不能少于此数。"]}
    r = env.org.patch(f"{P}/activities/{a['id']}", json={"capacity": None})  # no limit: everyone in
    assert r.status_code == 200 and r.get_json()["waiting"] == 0 and r.get_json()["places_left"] is None
    r = env.org.patch(f"{P}/activities/{a['id']}", json={"ends_at": a["starts_at"]})
    assert r.status_code == 422 and "ends_at" in _errors(r)
    r = env.org.patch(f"{P}/activities/{a['id']}", json={})
    assert r.status_code == 422


def test_a_new_checkin_code_replaces_the_old(w):
    env = w
    a = create(env.org, env.cid)
    r = env.org.post(f"{P}/activities/{a['id']}/checkin-code")
    assert r.status_code == 200 and r.get_json()["checkin_url"] != a["checkin_url"]
    assert env.org.get(f"{P}/activities/{a['id']}").get_json()["checkin_url"] == r.get_json()["checkin_url"]


def test_another_tenants_activity_is_not_found(w, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    env = w
    a = create(env.org, env.cid)
    other = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    assert other.mgr.get(f"{P}/activities/{a['id']}").status_code == 404
    assert other.tenant.admin.post(f"{P}/activities/{a['id']}/cancel").status_code == 404
    assert env.org.get(f"{P}/activities/{a['id']}").get_json()["status"] == "open"
