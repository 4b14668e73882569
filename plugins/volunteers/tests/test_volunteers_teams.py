"""Teams through the API: create with a leader who joins it, unique names, add and remove members
(several teams each; not members who left; not into a deactivated team), the leader's rules, the
list with its sizes (a fixed number of queries), who sees the members."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event
from vl_members_support import P, alliance, refused

from wuye_core.plugins import db


def _people(a):
    return [a.member(name=name, phone=f"1390000{i:04d}") for i, name in enumerate(("甲", "乙", "丙", "丁"))]


def test_teams_members_and_leaders(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    jia, yi, bing, ding = _people(a)
    team = a.team(name="环保督导队", description="每周六清洁小区", leader_member_id=jia["id"], member_ids=[yi["id"]])
    assert team["leader_name"] == "甲" and team["member_count"] == 2 and team["kind_label"] == "环保督导"
    assert [(m["name"], m["leader"]) for m in team["members"]] == [("甲", True), ("乙", False)]
    url = f"{P}/communities/{a.cid}/teams"
    refused(a.mgr.post(url, json={"name": "环保督导队", "kind": "patrol"}), 409, "name", "同名队伍")
    refused(a.mgr.post(url, json={"name": "  ", "kind": "patrol"}), 422, "name", "")
    patrol = a.team(name="治安巡逻队", kind="patrol", member_ids=[yi["id"], bing["id"]])
    # a member in two teams; adding again leaves them as they are
    added = a.mgr.post(f"{P}/teams/{patrol['id']}/members", json={"member_ids": [yi["id"], ding["id"]]})
    assert added.status_code == 200 and added.get_json()["member_count"] == 3
    assert {t["name"] for t in a.mgr.get(f"{P}/members/{yi['id']}").get_json()["teams"]} == {"环保督导队", "治安巡逻队"}
    # the leader: one of the team's members
    refused(a.mgr.patch(f"{P}/teams/{team['id']}", json={"leader_member_id": ding["id"]}), 422, "leader_member_id",
            "队长须是本队成员")
    changed = a.mgr.patch(f"{P}/teams/{team['id']}", json={"leader_member_id": yi["id"], "name": "环保队"})
    assert changed.status_code == 200 and changed.get_json()["leader_name"] == "乙"
    refused(a.mgr.patch(f"{P}/teams/{team['id']}", json={"name": "治安巡逻队"}), 409, "name", "")
    # removing: not the leader; a member not in the team is a 422
    refused(a.mgr.delete(f"{P}/teams/{team['id']}/members/{yi['id']}"), 409, "member_id", "另选队长")
    assert a.mgr.delete(f"{P}/teams/{team['id']}/members/{jia['id']}").status_code == 204
    refused(a.mgr.delete(f"{P}/teams/{team['id']}/members/{jia['id']}"), 422, "member_id", "不在")
    # a member who leaves the alliance leaves their teams; a team they led has no leader
    assert a.mgr.post(f"{P}/members/{yi['id']}/leave", json={}).status_code == 200
    after = a.mgr.get(f"{P}/teams/{team['id']}").get_json()
    assert after["leader_member_id"] is None and after["member_count"] == 0
    refused(a.mgr.post(f"{P}/teams/{patrol['id']}/members", json={"member_ids": [yi["id"]]}), 422, "member_ids",
            "已退出联盟")
    refused(a.mgr.post(url, json={"name": "新队", "kind": "care", "leader_member_id": yi["id"]}), 422,
            "leader_member_id", "")
    # deactivated: members kept, nobody added; reactivated
    gone = a.mgr.post(f"{P}/teams/{patrol['id']}/deactivate")
    assert gone.status_code == 200 and gone.get_json()["active"] is False and gone.get_json()["member_count"] == 2
    refused(a.mgr.post(f"{P}/teams/{patrol['id']}/deactivate"), 409, "active", "")
    refused(a.mgr.post(f"{P}/teams/{patrol['id']}/members", json={"member_ids": [jia["id"]]}), 409, "active", "停用")
    assert a.mgr.post(f"{P}/teams/{patrol['id']}/reactivate").get_json()["active"] is True
    # members of another community or tenant cannot join
    b = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    theirs = b.member(name="外人", phone="13900009999")
    refused(a.mgr.post(f"{P}/teams/{patrol['id']}/members", json={"member_ids": [theirs["id"]]}), 422, "member_ids", "")
    assert b.mgr.get(f"{P}/teams/{patrol['id']}").status_code == 404
    # the list: filters and sizes
    listed = a.mgr.get(url, query_string={"sort": "id"}).get_json()
    assert [(t["name"], t["member_count"]) for t in listed["items"]] == [("环保队", 0), ("治安巡逻队", 2)]
    assert [t["name"] for t in a.mgr.get(url, query_string={"kind": "patrol"}).get_json()["items"]] == ["治安巡逻队"]
    assert a.mgr.get(url, query_string={"active": "false"}).get_json()["total"] == 0
    assert a.mgr.get(url, query_string={"q": "环保"}).get_json()["total"] == 1


def test_who_sees_the_teams(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    jia = a.member(name="甲", phone="13900000001", consent_contact=True)
    yi = a.member(name="乙", phone="13900000002")
    team = a.team(leader_member_id=jia["id"], member_ids=[yi["id"]])
    staff = a.staff.get(f"{P}/teams/{team['id']}").get_json()
    assert staff["member_count"] == 2 and staff["members"] is None and staff["leader_name"] is None
    assert a.staff.get(f"{P}/communities/{a.cid}/teams").get_json()["items"][0]["leader_name"] is None
    assert a.staff.post(f"{P}/communities/{a.cid}/teams", json={"name": "x", "kind": "care"}).status_code == 403
    org = {m["name"]: m for m in a.org.get(f"{P}/teams/{team['id']}").get_json()["members"]}
    assert org["甲"]["phone"] == "13900000001" and org["乙"]["phone"] is None and org["乙"]["phone_masked"]
    assert a.org.patch(f"{P}/teams/{team['id']}", json={"name": "y"}).status_code == 403
    assert a.org.delete(f"{P}/teams/{team['id']}/members/{yi['id']}").status_code == 403


@contextmanager
def _statements(app):
    seen = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_lists_read_in_bulk_not_per_row(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """The same number of statements for a page of 2 teams (or members) as for a page of 8."""
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    people = [a.member(name=f"成员{i}", phone=f"1370000{i:04d}", skills=[{"skill": "cleaning"}]) for i in range(8)]

    def statements(path) -> int:
        with _statements(wuye_app) as seen:
            r = a.mgr.get(path)
        assert r.status_code == 200
        return len(seen)

    for i in range(2):
        a.team(name=f"队{i}", leader_member_id=people[i]["id"], member_ids=[people[i + 1]["id"]])
    teams_few, members_few = statements(f"{P}/communities/{a.cid}/teams"), statements(f"{P}/communities/{a.cid}/members")
    for i in range(2, 8):
        a.team(name=f"队{i}", leader_member_id=people[i]["id"], member_ids=[people[0]["id"]])
    assert statements(f"{P}/communities/{a.cid}/teams") == teams_few
    assert statements(f"{P}/communities/{a.cid}/members") == members_few
