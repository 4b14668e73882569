"""Hand-offs are never lost nor doubled (#18 item 3): delivered once however often (and however
concurrently) the delivery runs; a lost wake-up is caught by the sweep; a link revoked before the
delivery fails the hand-off visibly; the sender's plugins get `wuye_handoff_progressed` once per
step; the plugin facade (service_links, hand_off, handoff_info)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from wuye_core.events.edge import unit_of_work
from wuye_core.handoffs import delivery
from wuye_core.handoffs import service as handoff_service
from wuye_core.plugins import hand_off, handoff_info, hookimpl, service_links
from wuye_core.tenancy import tenant_context

from .test_handoffs import detail, hand, make_linked, move, received, ticket


@pytest.fixture
def linked(wuye_make_tenant, wuye_register, wuye_service_link):
    return make_linked(wuye_make_tenant, wuye_register, wuye_service_link)


def _company_tickets(company) -> int:
    return company.admin.get("/api/v1/tickets").get_json()["total"]


@pytest.fixture
def no_wake_up(monkeypatch):
    """After the commit, the jobs are not woken (Redis unreachable): only the sweep finds them."""
    monkeypatch.setattr(handoff_service, "enqueue", lambda *a, **kw: False)
    return monkeypatch


def _sweep(wuye_app, seconds=60):
    with wuye_app.app_context():
        return delivery.sweep(datetime.now(UTC) + timedelta(seconds=seconds))


def test_a_lost_wake_up_is_delivered_by_the_sweep_once(linked, wuye_app, no_wake_up):
    street, s_ids, company, c_ids, link = linked
    link()
    handoff_id = hand(street, ticket(street, s_ids)["id"]).get_json()["id"]
    assert detail(street, handoff_id)["state"] == "sent" and _company_tickets(company) == 0
    # too recent for the sweep: its wake-up may still come
    with wuye_app.app_context():
        assert delivery.sweep() == 0
    assert _sweep(wuye_app) == 1
    assert detail(street, handoff_id)["state"] == "delivered" and _company_tickets(company) == 1
    # the delivery's announcement was lost too: the next sweep makes it, then nothing is left
    no_wake_up.undo()
    assert _sweep(wuye_app) == 1
    assert _sweep(wuye_app) == 0
    assert _company_tickets(company) == 1


def test_delivering_twice_makes_one_ticket(linked, wuye_app, no_wake_up):
    street, s_ids, company, c_ids, link = linked
    link()
    handoff_id = hand(street, ticket(street, s_ids)["id"]).get_json()["id"]
    with wuye_app.app_context():
        assert delivery.deliver_handoff(tenant_id=company.id, handoff_id=handoff_id) is True
        assert delivery.deliver_handoff(tenant_id=company.id, handoff_id=handoff_id) is False
        # the sender's context cannot deliver it (not its to deliver)
        assert delivery.deliver_handoff(tenant_id=street.id, handoff_id=handoff_id) is False
    assert _company_tickets(company) == 1


def test_concurrent_deliveries_make_one_ticket(linked, wuye_app, no_wake_up):
    street, s_ids, company, c_ids, link = linked
    link()
    handoff_id = hand(street, ticket(street, s_ids)["id"]).get_json()["id"]
    n = 6
    barrier, results, failures = threading.Barrier(n), [], []

    def run():
        try:
            with wuye_app.app_context():
                barrier.wait(timeout=30)
                results.append(delivery.deliver_handoff(tenant_id=company.id, handoff_id=handoff_id))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert sorted(results) == [False] * (n - 1) + [True]
    assert _company_tickets(company) == 1
    steps = [s["step"] for s in detail(street, handoff_id)["steps"]]
    assert steps == ["sent", "delivered"]


def test_concurrent_hand_offs_of_one_ticket_make_one(linked, wuye_race):
    street, s_ids, company, c_ids, link = linked
    link()
    mine = ticket(street, s_ids)
    responses = wuye_race(street.admin, "POST", f"/api/v1/tickets/{mine['id']}/handoff", json={}, n=6)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    assert _company_tickets(company) == 1


def test_a_link_revoked_before_delivery_fails_visibly(linked, wuye_app, no_wake_up):
    street, s_ids, company, c_ids, link = linked
    link_id = link()
    mine = ticket(street, s_ids)
    handoff_id = hand(street, mine["id"]).get_json()["id"]
    assert street.admin.post(f"/api/v1/service-links/{link_id}/revoke", json={}).status_code == 200
    no_wake_up.undo()
    assert _sweep(wuye_app) == 1
    seen = detail(street, handoff_id)
    assert seen["state"] == "failed" and seen["last_error"]
    assert seen["steps"][-1]["step"] == "failed"
    assert _company_tickets(company) == 0
    # the street's ticket is its own again
    assert street.admin.get(f"/api/v1/tickets/{mine['id']}").get_json()["handoff_id"] is None


class Recorder:
    """The sender's plugin: every `wuye_handoff_progressed` it gets."""

    def __init__(self):
        self.got = []

    @hookimpl
    def wuye_handoff_progressed(self, event):
        self.got.append((event.tenant_id, event.data["handoff_id"], event.data["step"], event.data["note"],
                         event.data["source"], event.id))


@pytest.fixture
def recorder(wuye_app):
    """Ask for it before the tenants are made: a request caches which plugins its tenant has."""
    host = wuye_app.extensions["wuye_plugins"]
    found = Recorder()
    host.add_core(found, "test_handoff_recorder")  # always enabled, like the core's
    yield found
    host.pm.unregister(found)
    host.core_names.discard("test_handoff_recorder")


def test_the_senders_plugins_hear_of_every_step_once(recorder, linked, wuye_app):
    street, s_ids, company, c_ids, link = linked
    link()
    handoff_id = hand(street, ticket(street, s_ids)["id"]).get_json()["id"]
    their_id = received(company)[0]["my_ticket_id"]
    move(company, their_id, "accept")
    move(company, their_id, "resolve")
    assert company.admin.put(f"/api/v1/tickets/{their_id}/rating", json={"rating": 4}).status_code == 200
    assert _sweep(wuye_app, seconds=3600) == 0  # nothing left over
    steps = [(t, h, step) for t, h, step, *_ in recorder.got]
    expected = ["delivered", "accepted", "resolved", "rated", "closed"]
    assert steps == [(street.id, handoff_id, step) for step in expected]
    assert len({event_id for *_, event_id in recorder.got}) == len(expected)
    assert all(source == "ticket" for *_, source, _ in recorder.got)


def test_the_plugin_facade(recorder, linked, wuye_app):
    street, s_ids, company, c_ids, link = linked
    link_id = link()
    with wuye_app.test_request_context(), tenant_context(street.id):
        links = service_links()
        assert [(x.id, x.my_side, x.partner_name, x.my_site_id, x.community_id) for x in links] == \
            [(link_id, "client", "幸福物业", s_ids["site"], s_ids["community"])]
        assert service_links(community_id=s_ids["community"] + 1000) == []
        with unit_of_work():
            info = hand_off(link_id=link_id, title="联席会议决议：修复路灯", source="red_property.resolution",
                            source_id="12")
            assert info.state == "sent"
            assert hand_off(link_id=link_id, title="again", source="red_property.resolution",
                            source_id="12").id == info.id  # never doubled
    with wuye_app.test_request_context(), tenant_context(company.id):
        assert [(x.my_side, x.my_site_id, x.community_id) for x in service_links()] == \
            [("provider", c_ids["site"], c_ids["community"])]
    with wuye_app.test_request_context(), tenant_context(street.id):
        got = handoff_info(info.id)
        assert got.state == "delivered" and got.partner_ticket_id is not None and got.partner_name == "幸福物业"
        assert [step for _, step, _ in got.steps] == ["sent", "delivered"]
        assert handoff_info(info.id + 1000) is None
    their_ticket = company.admin.get(f"/api/v1/tickets/{got.partner_ticket_id}").get_json()
    assert their_ticket["title"] == "联席会议决议：修复路灯" and their_ticket["channel"] == "handoff"
    assert [(step, source) for _, _, step, _, source, _ in recorder.got] == [("delivered", "red_property.resolution")]


def test_an_ordinary_tickets_events_cost_the_hand_offs_nothing(linked, wuye_app):
    """The relay asks the hand-offs' hooks first (wants_event): no savepoint, no delivery row for
    the events of a ticket that is part of no hand-off."""
    from sqlalchemy import func, select

    from wuye_core.events.deliveries import PluginDelivery
    from wuye_core.extensions import db

    street, s_ids, company, c_ids, link = linked
    link()
    plain = ticket(street, s_ids)
    move(street, plain["id"], "accept")
    handed = ticket(street, s_ids)
    hand(street, handed["id"])
    move(street, handed["id"], "accept")

    def rows(tenant):
        with wuye_app.app_context(), tenant_context(tenant.id):
            return db.session.scalar(select(func.count()).select_from(PluginDelivery).where(
                PluginDelivery.plugin == "core_handoffs"))

    assert rows(street) == 1  # the handed ticket's accept, not the plain one's
    their_id = received(company)[0]["my_ticket_id"]
    move(company, their_id, "accept")
    assert rows(company) == 1


def test_a_plugins_hand_off_handed_back_tells_the_plugin_why(recorder, linked, wuye_app):
    street, s_ids, company, c_ids, link = linked
    link_id = link()
    with wuye_app.test_request_context(), tenant_context(street.id), unit_of_work():
        info = hand_off(link_id=link_id, title="决议：清理楼道杂物", source="red_property.resolution", source_id="7")
    r = company.admin.post(f"/api/v1/handoffs/{info.id}/return", json={"reason": "楼道属社区公共区域"})
    assert r.status_code == 200, r.get_json()
    assert [(step, note) for _, _, step, note, _, _ in recorder.got] == [
        ("delivered", None), ("returned", "楼道属社区公共区域")]
    with wuye_app.test_request_context(), tenant_context(street.id):
        got = handoff_info(info.id)
        assert got.state == "returned" and got.returned_reason == "楼道属社区公共区域"
        # handed back: the same record may be handed off again
        with unit_of_work():
            again = hand_off(link_id=link_id, title="决议：清理楼道杂物", source="red_property.resolution",
                             source_id="7")
        assert again.id != info.id
