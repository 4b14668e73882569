"""Notifications to the right people (#16 item 2), in one language each (item 9).

A new ticket tells the community's window/dispatch; a missed deadline tells the assignee, who
dispatched it (the window when nobody did) and, for the resolution deadline, the lead; each
community configures it in `tickets.notify`. The text is stored once, as a message, and read in
the reader's language; rows written before (both languages in one text) read as stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wuye_core.events.edge import unit_of_work
from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.tickets import service
from wuye_core.tickets.notifications.hooks import TicketNotifications
from wuye_core.tickets.notifications.models import Notification

NOTES = "/api/v1/notifications"


def _ticket(api, ids, community=None, site=None, title="厨房水管漏水"):
    r = api.post("/api/v1/tickets", json={
        "community_id": community or ids["community"], "site_id": site or ids["site"], "channel": "phone",
        "kind": "repair", "category": "水电维修", "title": title})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _notes(api, kind=None, **query):
    r = api.get(NOTES, query_string={"per_page": 100, **query})
    assert r.status_code == 200, r.get_json()
    return [n for n in r.get_json()["items"] if kind is None or n["kind"] == kind]


def _breach(wuye_app, tenant, minutes):
    """The periodic SLA check, `minutes` from now; its job's edge commits (and delivers)."""
    with wuye_app.test_request_context(), tenant_context(tenant.id), unit_of_work():
        service.mark_sla_breaches(datetime.now(UTC) + timedelta(minutes=minutes))


def _ids(t):
    return {u["username"]: u["id"] for u in t.admin.get("/api/v1/users?per_page=100").get_json()["items"]}


def _dispatch(api, ticket_id, user_id):
    r = api.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "dispatch", "assignee_id": user_id})
    assert r.status_code == 200, r.get_json()


def _set_notify(t, community_id, notify):
    url = f"/api/v1/communities/{community_id}/config"
    version = t.admin.get(url).get_json()["version"]
    return t.admin.put(url, json={"version": version, "config": {"tickets": {"notify": notify}}})


def test_a_new_ticket_tells_the_window_of_its_community_only(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    other = t.admin.post("/api/v1/communities", json={"name": "乙社区", "code": "c2"}).get_json()["id"]
    window = t.user("window", "community_staff", [ids["community"]])
    clerk = t.user("clerk", "community_staff", [ids["community"]])
    elsewhere = t.user("elsewhere", "community_staff", [other])
    viewer = t.user("viewer", "readonly", [ids["community"]])
    b = wuye_make_tenant("beta")  # another tenant's staff of a community with the same code
    b_ids = wuye_register(b)
    b_staff = b.user("window", "community_staff", [b_ids["community"]])

    ticket = _ticket(clerk, ids)  # the clerk who takes the call is not told of it
    created = _notes(window, "created")
    assert [(n["ticket_id"], n["text"]) for n in created] == [(ticket["id"], f"新工单 #{ticket['id']}：厨房水管漏水")]
    assert _notes(clerk) == [] and _notes(elsewhere) == [] and _notes(viewer) == []
    assert _notes(t.admin) == []  # the tenant's administrator is not the window (by default)
    assert _notes(b_staff) == [] and _notes(b.admin) == []


def test_an_unassigned_tickets_arrival_breach_reaches_the_configured_people(wuye_app, wuye_make_tenant,
                                                                           wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    window = t.user("window", "community_staff", [ids["community"]])
    dispatch = t.user("dispatch", "readonly", [ids["community"]])
    t.user("gone", "readonly", [ids["community"]])
    r = _set_notify(t, ids["community"], {"dispatchers": {"roles": [], "users": ["dispatch", "gone"]}})
    assert r.status_code == 200, r.get_json()
    assert t.admin.patch(f"/api/v1/users/{_ids(t)['gone']}", json={"active": False}).status_code == 200

    ticket = _ticket(t.admin, ids)
    assert [n["ticket_id"] for n in _notes(dispatch, "created")] == [ticket["id"]]
    assert _notes(window) == []  # community_staff is no longer the window here
    _breach(wuye_app, t, 10)  # arrival (5 minutes) missed, nobody dispatched it: the dispatchers hear
    breached = _notes(dispatch, "sla_breached")
    assert [n["text"] for n in breached] == [f"到场超时 #{ticket['id']}：厨房水管漏水"]
    assert _notes(window) == [] and _notes(t.admin) == []  # not the lead: only the resolution deadline is theirs
    with wuye_app.app_context(), tenant_context(t.id):  # a deactivated user is nobody's recipient
        assert db.session.query(Notification).filter_by(user_id=_ids(t)["gone"]).count() == 0


def test_a_resolution_breach_reaches_assignee_dispatcher_and_lead(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    window = t.user("window", "community_staff", [ids["community"]])
    plumber = t.user("plumber", "community_staff", [ids["community"]])
    clerk = t.user("clerk", "community_staff", [ids["community"]])
    b = wuye_make_tenant("beta")  # another tenant's administrator is nobody's lead here
    wuye_register(b)
    users = _ids(t)

    ticket = _ticket(t.admin, ids)
    _dispatch(window, ticket["id"], users["plumber"])
    _breach(wuye_app, t, 10)  # arrival: the assignee and who dispatched it
    _breach(wuye_app, t, 40)  # resolution (30 minutes): the lead too
    arrive, resolve = f"到场超时 #{ticket['id']}：厨房水管漏水", f"办结超时 #{ticket['id']}：厨房水管漏水"

    def breaches(api):
        return sorted(n["text"] for n in _notes(api, "sla_breached"))

    assert breaches(plumber) == sorted([arrive, resolve])
    assert breaches(window) == sorted([arrive, resolve])
    assert breaches(t.admin) == [resolve]
    assert breaches(clerk) == []  # the window's other clerk: someone dispatched it, they are told
    assert _notes(b.admin) == []


def test_the_communitys_config_chooses_the_recipients(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    window = t.user("window", "community_staff", [ids["community"]])
    lead = t.user("lead", "readonly", [ids["community"]])
    url = f"/api/v1/communities/{ids['community']}/config"
    config = t.admin.get(url).get_json()["config"]["tickets"]["notify"]
    assert config["resolve_breached"] == {"people": ["assignee", "dispatcher"], "roles": ["tenant_admin"],
                                          "users": []}

    bad = _set_notify(t, ids["community"], {"resolve_breached": {"roles": ["tenant_admin", "boss"]}})
    assert bad.status_code == 422
    message = bad.get_json()["errors"]["json"]["config"]["tickets"]["notify"]["resolve_breached"]["roles"]["1"][0]
    assert "community_staff" in message and "tenant_admin" in message  # the valid roles, listed
    r = _set_notify(t, ids["community"], {"ticket_created": {"people": [], "users": ["lead"]},
                                          "resolve_breached": {"people": ["assignee"], "roles": ["readonly"]}})
    assert r.status_code == 200, r.get_json()

    ticket = _ticket(t.admin, ids)
    assert [n["ticket_id"] for n in _notes(lead, "created")] == [ticket["id"]] and _notes(window) == []
    _breach(wuye_app, t, 40)  # both deadlines: arrival as by default (the window: nobody dispatched it)
    assert [n["text"][:4] for n in _notes(window, "sla_breached")] == ["到场超时"]
    assert [n["text"][:4] for n in _notes(lead, "sla_breached")] == ["办结超时"]  # holds readonly here
    assert _notes(t.admin) == []  # the administrator is no longer the lead


def test_a_redelivered_event_notifies_each_person_once(wuye_app, wuye_make_tenant, wuye_register, wuye_outbox):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    window = t.user("window", "community_staff", [ids["community"]])
    ticket = _ticket(t.admin, ids)
    event = next(e for e in wuye_outbox(t) if e.name == "ticket_created" and e.object_id == ticket["id"])
    for _ in range(2):  # delivered again (a worker died after delivering, before marking it)
        with wuye_app.test_request_context(), tenant_context(t.id), unit_of_work():
            TicketNotifications().wuye_ticket_created(event)
    assert len(_notes(window, "created")) == 1


def test_each_reader_reads_one_language(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    window = t.user("window", "community_staff", [ids["community"]])
    ticket = _ticket(t.admin, ids, title="Leak in 3-101")
    _dispatch(t.admin, ticket["id"], _ids(t)["window"])
    n = ticket["id"]

    def texts(**kw):
        return sorted(x["text"] for x in window.get(NOTES, **kw).get_json()["items"])

    assert texts(query_string={"lang": "en"}) == [f"New ticket #{n}: Leak in 3-101",
                                                  f"Ticket #{n} was dispatched to you: Leak in 3-101"]
    assert texts(headers={"Accept-Language": "zh-CN,zh;q=0.9"}) == [f"新工单 #{n}：Leak in 3-101",
                                                                   f"新派单 #{n}：Leak in 3-101"]
    assert texts(headers={"Accept-Language": "en-US"}) == texts(query_string={"lang": "en"})

    # a row written before, both languages in one text: shown as stored, to every reader
    old = f"办结超时 / resolve deadline missed #{n}：Leak in 3-101"
    with wuye_app.app_context(), tenant_context(t.id):
        db.session.add(Notification(user_id=_ids(t)["window"], event_id="0" * 32, kind="sla_breached",
                                    ticket_id=n, text=old))
        db.session.commit()
    assert old in texts(query_string={"lang": "en"}) and old in texts()


def test_a_ticket_dispatched_to_a_team_tells_its_members_in_that_community(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    other = t.admin.post("/api/v1/communities", json={"name": "乙社区", "code": "c2"}).get_json()["id"]
    site2 = t.admin.post("/api/v1/sites", json={"community_id": other, "name": "乙小区", "kind": "old"}).get_json()["id"]
    plumber = t.user("plumber", "worker", [ids["community"]])
    away = t.user("away", "worker", [other])  # same team, another community
    cleaner = t.user("cleaner", "worker", [ids["community"]])  # another team
    users = _ids(t)
    for name, team in (("plumber", "水电班"), ("away", "水电班"), ("cleaner", "保洁班")):
        assert t.admin.patch(f"/api/v1/users/{users[name]}", json={"team": team}).status_code == 200
    here, there = _ticket(t.admin, ids), _ticket(t.admin, ids, community=other, site=site2)
    for ticket in (here, there):
        r = t.admin.post(f"/api/v1/tickets/{ticket['id']}/transitions", json={"action": "dispatch", "team": "水电班"})
        assert r.status_code == 200, r.get_json()
    assigned = _notes(plumber, "assigned")
    assert [(n["ticket_id"], n["text"]) for n in assigned] == [
        (here["id"], f"新派单（班组 水电班）#{here['id']}：厨房水管漏水")]
    assert [n["ticket_id"] for n in _notes(away, "assigned")] == [there["id"]]
    assert _notes(cleaner, "assigned") == []
    # a missed deadline of a team's ticket reaches the team as its assignee
    _breach(wuye_app, t, 10)
    assert {n["ticket_id"] for n in _notes(plumber, "sla_breached")} == {here["id"]}
    assert _notes(cleaner, "sla_breached") == []
