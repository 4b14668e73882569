"""Commit at the edge, raise in the middle (issue #13): services raise DomainError and commit
nothing; the request, the job and the command each commit once at their end; whatever a refused
request, job or command changed before the refusal is not kept."""

from __future__ import annotations

import warnings

import pytest
import yaml
from flask_smorest import abort
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from wuye_core.app import create_app
from wuye_core.errors import Conflict, DomainError, Invalid
from wuye_core.events import commit
from wuye_core.events.edge import in_every_tenant, unit_of_work
from wuye_core.events.outbox import OutboxEvent
from wuye_core.extensions import db
from wuye_core.households.models import Community
from wuye_core.tenancy import Tenant, tenant_context
from wuye_core.testing import login, settings_for
from wuye_core.tickets import service
from wuye_core.tickets.models import Ticket
from wuye_core.tickets.routes import writable_ticket

from .test_rollout import EXAMPLE, _write
from .test_tickets import _ticket

RETITLED = "视图先改了标题"


@pytest.fixture
def edge_app(wuye_backend, wuye_app):
    """A second app on the same database with views that change something, then refuse."""
    second = create_app(settings_for(wuye_backend), plugin_entry_points=[])
    second.config["TESTING"] = True

    @second.post("/api/test/tickets/<int:ticket_id>/retitle-then/<action>")
    def retitle_then(ticket_id, action):
        ticket = writable_ticket(ticket_id)
        ticket.title = RETITLED
        db.session.flush()  # written to the database already, inside the request's transaction
        if action == "abort404":
            abort(404)
        service.transition(ticket, action, "tester")
        return {"status": ticket.status.value}

    @second.post("/api/test/communities/<code>")
    def add_community(code):
        db.session.add(Community(name="又一个", code=code, config={}))  # not flushed: the commit finds out
        return {"added": code}

    @second.get("/api/test/session-info")
    def session_info():
        return {"keys": sorted(db.session.info)}  # a session, but no transaction begun

    @second.post("/api/test/tickets/<int:ticket_id>/commit-then-retitle")
    def commit_then_retitle(ticket_id):
        ticket = writable_ticket(ticket_id)
        commit()  # the view commits early itself; the change below begins a new transaction (autobegin)
        ticket.title = RETITLED
        return {"title": ticket.title}

    return second


def _title_and_status(api, ticket_id):
    ticket = api.get(f"/api/v1/tickets/{ticket_id}").get_json()
    return ticket["title"], ticket["status"]


def test_a_refused_request_keeps_nothing_the_view_changed(edge_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket = _ticket(t.admin, ids)
    url = f"/api/test/tickets/{ticket['id']}/retitle-then"
    client = login(edge_app, "acme", "admin", "admin-pass-123")

    refused = client.post(f"{url}/close")  # not possible from "submitted": 409 from the service
    assert refused.status_code == 409
    api = t.admin.post(f"/api/v1/tickets/{ticket['id']}/transitions", json={"action": "close"})
    assert refused.get_json() == api.get_json()  # the API's body, extra keys included
    assert refused.get_json()["errors"]["status"] == "submitted" and refused.get_json()["errors"]["allowed_actions"]
    assert _title_and_status(t.admin, ticket["id"]) == (ticket["title"], "submitted")

    assert client.post(f"{url}/abort404").status_code == 404  # an HTTP refusal from the view itself
    assert _title_and_status(t.admin, ticket["id"]) == (ticket["title"], "submitted")

    ok = client.post(f"{url}/accept")  # the same view succeeding: the request's edge commits both changes
    assert ok.status_code == 200 and ok.get_json() == {"status": "accepted"}
    assert _title_and_status(t.admin, ticket["id"]) == (RETITLED, "accepted")
    history = t.admin.get(f"/api/v1/tickets/{ticket['id']}/transitions?sort=id").get_json()["items"]
    assert [h["action"] for h in history] == ["submit", "accept"]


def test_a_refusal_at_the_edges_commit_is_answered_like_one_in_the_view(edge_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    wuye_register(t)  # community c1
    client = login(edge_app, "acme", "admin", "admin-pass-123")
    r = client.post("/api/test/communities/c1")  # a duplicate code: refused by the database at commit
    assert r.status_code == 409 and r.get_json()["code"] == 409
    assert client.post("/api/test/communities/c9").status_code == 200
    codes = sorted(c["code"] for c in t.admin.get("/api/v1/communities").get_json()["items"])
    assert codes == ["c1", "c9"]


def test_a_request_that_began_no_transaction_ends_none(edge_app, wuye_make_tenant, wuye_register):
    """The edge commits only what a request began or changed: an empty commit is no work for the
    database but a transaction begun and ended in Python on every cached-identity request."""
    t = wuye_make_tenant("acme")
    ticket = _ticket(t.admin, wuye_register(t))
    client = login(edge_app, "acme", "admin", "admin-pass-123")
    assert client.get("/api/test/session-info").status_code == 200  # the identity is cached from now on
    begun = []
    listener = lambda session, transaction: begun.append(transaction)  # noqa: E731
    event.listen(Session, "after_transaction_create", listener)
    try:
        r = client.get("/api/test/session-info")
    finally:
        event.remove(Session, "after_transaction_create", listener)
    assert r.status_code == 200 and begun == []

    # ...and a change made after the view's own commit is still committed: it began a transaction
    r = client.post(f"/api/test/tickets/{ticket['id']}/commit-then-retitle")
    assert r.status_code == 200 and r.get_json() == {"title": RETITLED}
    assert _title_and_status(t.admin, ticket["id"]) == (RETITLED, "submitted")


def _counts(wuye_app, tenant_id):
    with wuye_app.app_context(), tenant_context(tenant_id):
        return (db.session.scalar(select(func.count()).select_from(Ticket)),
                db.session.scalar(select(func.count()).select_from(OutboxEvent)))


def test_a_service_outside_a_request_raises_domain_errors_and_writes_nothing(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket = _ticket(t.admin, ids)
    before = _counts(wuye_app, t.id)
    with wuye_app.app_context(), tenant_context(t.id):  # as a job or a command runs: no request
        row = db.session.get(Ticket, ticket["id"])
        with pytest.raises(Conflict) as refused, unit_of_work():
            row.title = RETITLED
            service.transition(row, "close", "job")
        assert refused.value.status == 409 and refused.value.errors["status"] == "submitted"
        data = {"community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
                "category": "没有这个分类", "title": "x"}
        with pytest.raises(Invalid) as bad, unit_of_work():
            service.create_ticket(data, "job")
        assert bad.value.field == "category" and list(bad.value.errors["json"]) == ["category"]
    assert _counts(wuye_app, t.id) == before
    assert _title_and_status(t.admin, ticket["id"]) == (ticket["title"], "submitted")


def retitle_then_close() -> int:
    """A periodic job's function (see below): changes a ticket, then a service refuses."""
    row = db.session.scalars(select(Ticket)).first()
    row.title = RETITLED
    service.transition(row, "close", "job")
    return 1


def retitle() -> int:
    db.session.scalars(select(Ticket)).first().title = RETITLED
    return 1


def test_a_job_commits_at_its_end_and_keeps_nothing_when_it_fails(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket = _ticket(t.admin, ids)
    with wuye_app.app_context():
        with pytest.raises(Conflict):
            in_every_tenant(retitle_then_close)
        assert _title_and_status(t.admin, ticket["id"]) == (ticket["title"], "submitted")
        assert in_every_tenant(retitle) == 1
    assert _title_and_status(t.admin, ticket["id"]) == (RETITLED, "submitted")


# --- rollout: the enablement services, in the command's one transaction -----------------------------


def _jinghe(wuye_app):
    with wuye_app.app_context():
        return db.session.scalar(select(Tenant).where(Tenant.slug == "jinghe"))


def test_a_tenant_file_with_bad_plugin_config_is_refused_with_the_plugins_own_message(wuye_app, wuye_make_tenant, tmp_path):
    from wuye_core.rollout.document import load
    from wuye_core.rollout.plan import Rollout

    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["communities"][0]["plugins"] = {"sample": {"enabled": True, "config": {"greeting": "x" * 60}}}
    path = _write(tmp_path, doc)
    result = wuye_app.test_cli_runner().invoke(args=["tenants", "apply", path])
    t = wuye_make_tenant("acme")  # the API's answer to the same config, in English
    ids_community = t.admin.post("/api/v1/communities", json={"name": "一", "code": "c1"}).get_json()["id"]
    assert t.admin.put("/api/v1/plugins/sample", json={"enabled": True}).status_code == 200
    api = t.admin.put(f"/api/v1/communities/{ids_community}/plugins/sample?lang=en",
                      json={"enabled": True, "config": {"greeting": "x" * 60}})
    message = api.get_json()["errors"]["json"]["config"]["greeting"][0]
    assert api.status_code == 422 and message == "Longer than maximum length 50."
    assert result.exit_code != 0 and f"communities[0].plugins.sample.config.greeting: {message}" in result.output
    assert _jinghe(wuye_app) is None

    # past the file's own check (a state built by hand), the enablement service refuses the same way
    good = _write(tmp_path, {**doc, "communities": [{**doc["communities"][0], "plugins": {}}]}, "good.yaml")
    with wuye_app.app_context():
        desired = load(good, wuye_app.extensions["wuye_plugins"])
        desired.communities[0].plugins = {"sample": {"enabled": True, "config": {"greeting": "x" * 60}}}
        desired.tenant_plugins["sample"] = True
        with pytest.raises(DomainError) as refused, unit_of_work():
            Rollout(desired).apply()
        assert refused.value.errors["json"]["config"]["greeting"] == ["Longer than maximum length 50."]
    assert _jinghe(wuye_app) is None  # nothing of the file was written


def test_rollout_enables_plugins_through_the_apis_services(wuye_app, tmp_path):
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["communities"][0]["plugins"] = {"sample": {"enabled": True, "config": {"greeting": "您好"}}}
    runner = wuye_app.test_cli_runner()
    assert runner.invoke(args=["tenants", "apply", _write(tmp_path, doc)]).exit_code == 0
    version = _jinghe(wuye_app).plugins_version
    doc["communities"][0]["plugins"]["sample"]["config"]["greeting"] = "早上好"
    assert runner.invoke(args=["tenants", "apply", _write(tmp_path, doc, "2.yaml")]).exit_code == 0
    assert _jinghe(wuye_app).plugins_version == version + 1  # bumped by the service, as for the API
    assert runner.invoke(args=["users", "create", "--tenant", "jinghe", "--username", "a", "--password",
                               "admin-pass-123", "--role", "tenant_admin"]).exit_code == 0
    admin = login(wuye_app, "jinghe", "a", "admin-pass-123")
    daoxiang = next(c["id"] for c in admin.get("/api/v1/communities").get_json()["items"] if c["code"] == "daoxiang")
    history = admin.get(f"/api/v1/communities/{daoxiang}/plugins/sample/history").get_json()["items"]
    assert [(h["version"], h["enabled"], h["config"]["greeting"]) for h in history] == [
        (2, True, "早上好"), (1, True, "您好")]
    assert all(h["changed_by"].startswith("tenants apply (") for h in history)
    # the API's next change continues the same history
    state = admin.put(f"/api/v1/communities/{daoxiang}/plugins/sample",
                      json={"enabled": False, "config": {"greeting": "再见"}, "version": 2}).get_json()
    assert state["version"] == 3
    assert [h["version"] for h in admin.get(f"/api/v1/communities/{daoxiang}/plugins/sample/history").get_json()["items"]] \
        == [3, 2, 1]


# --- the plugins' ticket services ------------------------------------------------------------------


def test_the_facades_ticket_services_commit_nothing_and_the_1x_ones_commit_with_a_warning(wuye_app, wuye_make_tenant,
                                                                                          wuye_register):
    from wuye_core.plugins import open_ticket, resolve_ticket, services

    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    before = _counts(wuye_app, t.id)
    place = {"site_id": ids["site"], "title": "走访发现", "category": "安全", "actor": "plugin"}
    with wuye_app.app_context(), tenant_context(t.id):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the facade's own names warn about nothing
            opened = open_ticket(ids["community"], **place)
            assert resolve_ticket(opened, "plugin") is False
        db.session.rollback()  # as a failed request or job would: the ticket goes with it
    assert _counts(wuye_app, t.id) == before
    with wuye_app.app_context(), tenant_context(t.id):
        with pytest.warns(DeprecationWarning, match=r"use wuye_core\.plugins\.open_ticket"):
            kept = services.open_ticket(ids["community"], **place)
        db.session.rollback()  # too late: 1.x committed
    assert t.admin.get(f"/api/v1/tickets/{kept}").status_code == 200
