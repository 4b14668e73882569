"""Issue #16: the repair worker (维修工) and the ratings' history.

A worker sees and works on the tickets dispatched to them or their team, in the communities of
their grant, and nothing else; an unknown role is refused with the valid ones listed; a rating is
recorded once per resolution, corrected only with a reason, and every rating stays in the history.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

PERIOD = f"from={date.today() - timedelta(days=30)}&to={date.today() + timedelta(days=1)}"

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _ticket(api, ids, **extra):
    body = {"community_id": ids["community"], "site_id": ids["site"], "household_id": ids["household"],
            "building_id": ids["building"], "unit_id": ids["unit"], "channel": "phone", "kind": "repair",
            "category": "水电维修", "title": "厨房水管漏水"}
    body.update(extra)
    r = api.post("/api/v1/tickets", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _move(api, ticket_id, action, **extra):
    r = api.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": action, **extra})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _upload(client, ticket_id):
    return client.post(f"/api/v1/tickets/{ticket_id}/attachments",
                       data={"file": (io.BytesIO(PNG), "现场.png", "image/png")},
                       headers={"Content-Type": "multipart/form-data"}, json=None)


def _users(t):
    return {u["username"]: u for u in t.admin.get("/api/v1/users").get_json()["items"]}


@pytest.fixture
def field(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """A tenant with two communities, a worker of the first in team 水电班, and tickets: dispatched
    to the worker, to their team, to another team, not dispatched, and to their team in the other
    community (where they have no grant)."""
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    wuye_enable_plugin(t, "red_property", ids["community"])
    other = t.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    site2 = t.admin.post("/api/v1/sites", json={"community_id": other, "name": "二小区", "kind": "old"}).get_json()["id"]
    r = t.admin.post("/api/v1/users", json={"username": "weixiu", "password": "password-123", "team": "水电班",
                                            "roles": [{"role": "worker", "community_id": ids["community"]}]})
    assert r.status_code == 201 and r.get_json()["team"] == "水电班", r.get_json()
    from wuye_core.testing import login

    worker = login(t.app, t.slug, "weixiu", "password-123")
    worker_id = r.get_json()["id"]
    tickets = {
        "mine": _ticket(t.admin, ids, title="派给我"),
        "team": _ticket(t.admin, ids, title="派给班组"),
        "other_team": _ticket(t.admin, ids, title="别的班组"),
        "undispatched": _ticket(t.admin, ids, title="未派单"),
        "elsewhere": _ticket(t.admin, {**ids, "community": other, "site": site2, "household": None,
                                       "building": None, "unit": None}, title="别的社区"),
    }
    _move(t.admin, tickets["mine"], "dispatch", assignee_id=worker_id)
    _move(t.admin, tickets["team"], "dispatch", team="水电班")
    _move(t.admin, tickets["other_team"], "dispatch", team="保洁班")
    _move(t.admin, tickets["elsewhere"], "dispatch", team="水电班")
    return {"t": t, "ids": ids, "worker": worker, "worker_id": worker_id, "tickets": tickets, "other": other}


def test_a_worker_sees_exactly_their_and_their_teams_tickets(field):
    worker, tickets = field["worker"], field["tickets"]
    theirs = {tickets["mine"], tickets["team"]}
    listed = worker.get("/api/v1/tickets").get_json()
    assert {x["id"] for x in listed["items"]} == theirs and listed["total"] == 2
    mine = worker.get("/api/v1/tickets?mine=true").get_json()
    assert {x["id"] for x in mine["items"]} == theirs
    assert worker.get(f"/api/v1/tickets?community_id={field['other']}").get_json()["total"] == 0
    for ticket_id in theirs:
        item = worker.get(f"/api/v1/tickets/{ticket_id}")
        assert item.status_code == 200 and item.get_json()["links"] == []
        history = worker.get(f"/api/v1/tickets/{ticket_id}/transitions?sort=id")
        assert history.status_code == 200 and [h["action"] for h in history.get_json()["items"]] == ["submit", "dispatch"]
        assert worker.get(f"/api/v1/tickets/{ticket_id}/attachments").status_code == 200
        assert worker.get(f"/api/v1/tickets/{ticket_id}/ratings").status_code == 200
    for name in ("other_team", "undispatched", "elsewhere"):
        ticket_id = tickets[name]
        for path in ("", "/transitions", "/attachments", "/ratings"):
            assert worker.get(f"/api/v1/tickets/{ticket_id}{path}").status_code == 404, (name, path)
        r = worker.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "arrive"})
        assert r.status_code == 404, name
        assert _upload(worker, ticket_id).status_code == 404
    # the register's staff still see every ticket of their community
    assert field["t"].admin.get("/api/v1/tickets").get_json()["total"] == 5


def test_a_worker_sees_nothing_of_the_register(field):
    worker, ids, t = field["worker"], field["ids"], field["t"]
    community = ids["community"]
    for path in (f"/api/v1/households/{ids['household']}", f"/api/v1/residents/{ids['resident']}",
                 f"/api/v1/buildings/{ids['building']}", f"/api/v1/sites/{ids['site']}",
                 f"/api/v1/communities/{community}", f"/api/v1/communities/{community}/config",
                 f"/api/v1/communities/{community}/kpis?{PERIOD}",
                 # a plugin's records, in the worker's community and about the worker's own ticket
                 f"/api/v1/plugins/red_property/communities/{community}/meetings"):
        r = worker.get(path)
        assert r.status_code in (403, 404), (path, r.status_code, r.get_json())
    r = worker.post(f"/api/v1/plugins/red_property/tickets/{field['tickets']['mine']}/escalation",
                    json={"note": "上会"})
    assert r.status_code == 404, r.get_json()
    for path in ("/api/v1/households", "/api/v1/residents", "/api/v1/buildings", "/api/v1/communities"):
        r = worker.get(path)
        assert r.status_code == 200 and r.get_json()["total"] == 0, (path, r.get_json())
    kpis = worker.get(f"/api/v1/kpis?{PERIOD}")
    assert kpis.status_code in (200, 403, 404)
    if kpis.status_code == 200:  # figures over no community: nothing of the tickets of others
        assert kpis.get_json()["total"] == 0, kpis.get_json()
    assert worker.get("/api/v1/users").status_code == 403
    body = {"community_id": community, "site_id": ids["site"], "channel": "phone", "kind": "repair",
            "category": "水电维修", "title": "x"}
    assert worker.post("/api/v1/tickets", json=body).status_code in (403, 422)
    assert t.admin.get("/api/v1/tickets").get_json()["total"] == 5  # nothing was created


def test_a_worker_arrives_resolves_and_uploads_but_does_nothing_else(field):
    worker, t, tickets = field["worker"], field["t"], field["tickets"]
    team_ticket = tickets["team"]
    for action, extra in (("dispatch", {"team": "保洁班"}), ("cancel", {}), ("accept", {}), ("close", {})):
        r = worker.post(f"/api/v1/tickets/{team_ticket}/transitions", json={"action": action, **extra})
        assert r.status_code == 403, (action, r.get_json())
    assert worker.patch(f"/api/v1/tickets/{team_ticket}", json={"title": "改"}).status_code == 403
    assert worker.put(f"/api/v1/tickets/{team_ticket}/rating", json={"rating": 5}).status_code == 403
    upload = _upload(worker, team_ticket)
    assert upload.status_code == 201 and upload.get_json()["uploaded_by"] == "weixiu"
    assert [a["id"] for a in worker.get(f"/api/v1/tickets/{team_ticket}/attachments").get_json()["items"]] == \
        [upload.get_json()["id"]]
    assert _move(worker, team_ticket, "arrive", note="已到场")["status"] == "on_site"
    assert _move(worker, team_ticket, "resolve")["status"] == "resolved"
    history = t.admin.get(f"/api/v1/tickets/{team_ticket}/transitions?sort=id").get_json()["items"]
    assert [(h["action"], h["actor"]) for h in history][-2:] == [("arrive", "weixiu"), ("resolve", "weixiu")]
    # the ticket goes elsewhere: no longer theirs
    _move(t.admin, tickets["mine"], "dispatch", team="保洁班")
    assert worker.get(f"/api/v1/tickets/{tickets['mine']}").status_code == 404


def test_a_team_set_by_the_admin_decides_what_a_worker_sees(field):
    worker, t, tickets = field["worker"], field["t"], field["tickets"]
    url = f"/api/v1/users/{field['worker_id']}"
    r = t.admin.patch(url, json={"team": "保洁班"})
    assert r.status_code == 200 and r.get_json()["team"] == "保洁班"
    assert worker.get("/api/v1/auth/me").get_json()["team"] == "保洁班"
    assert {x["id"] for x in worker.get("/api/v1/tickets").get_json()["items"]} == \
        {tickets["mine"], tickets["other_team"]}
    assert t.admin.patch(url, json={"team": None}).get_json()["team"] is None
    assert {x["id"] for x in worker.get("/api/v1/tickets").get_json()["items"]} == {tickets["mine"]}
    audit = t.admin.get("/api/v1/audit?action=user.team_changed").get_json()
    assert [(e["details"]["before"], e["details"]["after"]) for e in audit["items"]][:2] in (
        [("保洁班", None), ("水电班", "保洁班")], [("水电班", "保洁班"), ("保洁班", None)])


def test_dispatch_to_a_worker_of_the_community_notifies_them(field):
    worker, t, ids = field["worker"], field["t"], field["ids"]
    notes = worker.get("/api/v1/notifications").get_json()
    # dispatched to them, and to their team in their community (not the team's ticket elsewhere)
    assert sorted((n["kind"], n["ticket_id"]) for n in notes["items"]) == [
        ("assigned", field["tickets"]["mine"]), ("assigned", field["tickets"]["team"])]
    # not a worker of the other community
    r = t.admin.post(f"/api/v1/tickets/{field['tickets']['elsewhere']}/transitions",
                     json={"action": "dispatch", "assignee_id": field["worker_id"]})
    assert r.status_code == 422 and "assignee_id" in r.get_json()["errors"]["json"]
    # a read-only user is not someone a ticket can be dispatched to; a worker is
    t.user("viewer", "readonly", [ids["community"]])
    viewer_id = _users(t)["viewer"]["id"]
    fresh = _ticket(t.admin, ids)
    r = t.admin.post(f"/api/v1/tickets/{fresh}/transitions", json={"action": "dispatch", "assignee_id": viewer_id})
    assert r.status_code == 422
    _move(t.admin, fresh, "dispatch", assignee_id=field["worker_id"])
    assert len(worker.get("/api/v1/notifications").get_json()["items"]) == 3


def test_an_unknown_role_is_refused_with_the_valid_ones(wuye_make_tenant):
    t = wuye_make_tenant("acme")
    r = t.admin.post("/api/v1/users", json={"username": "u1", "password": "password-123",
                                            "roles": [{"role": "worker2"}]})
    assert r.status_code == 422, r.get_json()
    message = r.get_json()["errors"]["json"]["roles.0.role"][0]
    assert message.startswith("未知角色"), message
    for role in ("tenant_admin", "community_staff", "readonly", "worker", "care_worker", "red_property_liaison"):
        assert role in message, (role, message)
    english = t.admin.post("/api/v1/users", json={"username": "u1", "password": "password-123",
                                                  "roles": [{"role": "worker2"}]},
                           headers={"Accept-Language": "en"}).get_json()
    assert english["errors"]["json"]["roles.0.role"][0].startswith("Unknown role. The roles are: tenant_admin")
    spec = t.admin.get("/api/v1/openapi.json").get_json()
    assert "worker" in spec["components"]["schemas"]["Grant"]["properties"]["role"]["enum"]


def _rated(t, ids):
    ticket_id = _ticket(t.admin, ids, kind="complaint", category="噪音")
    _move(t.admin, ticket_id, "accept")
    _move(t.admin, ticket_id, "resolve")
    return ticket_id


def test_a_rating_is_corrected_only_with_a_reason_and_each_is_in_the_history(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket_id = _rated(t, ids)
    url = f"/api/v1/tickets/{ticket_id}"
    first = t.admin.put(url + "/rating", json={"rating": 5, "reason": "?"})
    assert first.status_code == 422 and "reason" in first.get_json()["errors"]["json"]
    rated = t.admin.put(url + "/rating", json={"rating": 5, "comment": "满意"}).get_json()
    assert rated["rating"] == 5 and rated["status"] == "closed"
    again = t.admin.put(url + "/rating", json={"rating": 1})
    assert again.status_code == 409 and "rating" in again.get_json()["errors"]["json"]
    assert t.admin.get(url).get_json()["rating"] == 5  # not silently overwritten
    corrected = t.admin.put(url + "/rating", json={"rating": 2, "reason": "回访时记错了分数"})
    assert corrected.status_code == 200, corrected.get_json()
    assert corrected.get_json()["rating"] == 2 and corrected.get_json()["rating_comment"] == "满意"
    # the same correction sent twice records nothing more
    assert t.admin.put(url + "/rating", json={"rating": 2, "reason": "回访时记错了分数"}).status_code == 200
    history = t.admin.get(url + "/transitions?sort=id").get_json()["items"]
    assert [(h["action"], h["rating"]) for h in history] == [
        ("submit", None), ("accept", None), ("resolve", None), ("rate", 5), ("close", None),
        ("correct_rating", 2)]
    correction = history[-1]
    assert correction["actor"] == "admin" and "回访时记错了分数" in correction["note"]
    assert "5" in correction["note"] and "2" in correction["note"]
    ratings = t.admin.get(url + "/ratings?sort=id").get_json()["items"]
    assert [(r["resolution"], r["rating"], r["previous_rating"], r["reason"], r["actor"]) for r in ratings] == [
        (1, 5, None, None, "admin"), (1, 2, 5, "回访时记错了分数", "admin")]


def test_reopening_keeps_the_earlier_rating_in_the_history(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket_id = _rated(t, ids)
    url = f"/api/v1/tickets/{ticket_id}"
    t.admin.put(url + "/rating", json={"rating": 2, "comment": "还在吵"})
    reopened = _move(t.admin, ticket_id, "reopen", note="居民不满意")
    assert reopened["rating"] is None  # the new resolution is not rated yet (what KPIs count)
    assert t.admin.put(url + "/rating", json={"rating": 4}).status_code == 409  # not resolved
    _move(t.admin, ticket_id, "accept")
    _move(t.admin, ticket_id, "resolve")
    assert t.admin.put(url + "/rating", json={"rating": 4}).get_json()["rating"] == 4
    rates = [(h["action"], h["rating"], h["note"]) for h in t.admin.get(url + "/transitions?sort=id").get_json()["items"]
             if h["rating"] is not None]
    assert rates == [("rate", 2, "还在吵"), ("rate", 4, None)]
    ratings = t.admin.get(url + "/ratings?sort=id").get_json()["items"]
    assert [(r["resolution"], r["rating"]) for r in ratings] == [(1, 2), (2, 4)]


def test_sixteen_identical_corrections_record_one(wuye_make_tenant, wuye_register, wuye_race):
    t = wuye_make_tenant("acme")
    ticket_id = _rated(t, wuye_register(t))
    url = f"/api/v1/tickets/{ticket_id}"
    t.admin.put(url + "/rating", json={"rating": 5})
    responses = wuye_race(t.admin, "PUT", url + "/rating", json={"rating": 3, "reason": "居民来电更正"})
    assert {r.status_code for r in responses} == {200}
    history = [h["action"] for h in t.admin.get(url + "/transitions?sort=id").get_json()["items"]]
    assert history.count("correct_rating") == 1 and history.count("rate") == 1
    assert len(t.admin.get(url + "/ratings?sort=id").get_json()["items"]) == 2
