"""The plugin system: enablement per tenant and community, dispatch, containment, refusal."""

from __future__ import annotations

import logging
import re
from importlib import metadata

import pytest
from sqlalchemy import select

from wuye_core.app import create_app
from wuye_core.extensions import db
from wuye_core.host import docs, hookspecs
from wuye_core.host.manager import ENTRY_POINT_GROUP, api_compatible
from wuye_core.testing import console_login, login, settings_for

NOTES = "/api/v1/plugins/sample/communities/{}/notes"


def _ep(name, target):
    return metadata.EntryPoint(name, target, ENTRY_POINT_GROUP)


# --- enablement ----------------------------------------------------------------------------------


def test_installed_plugins_are_listed_with_the_tenants_choice(wuye_make_tenant, wuye_operator):
    t = wuye_make_tenant("acme")
    plugins = {p["name"]: p for p in t.admin.get("/api/v1/plugins").get_json()["plugins"]}
    assert plugins["sample"]["enabled_for_tenant"] is False
    assert plugins["sample"]["title_zh"] == "sample 插件"
    assert plugins["sample"]["api_version"] == hookspecs.HOOK_API_VERSION  # the scaffold targets the current API
    t.admin.put("/api/v1/plugins/sample", json={"enabled": True})
    plugins = {p["name"]: p for p in t.admin.get("/api/v1/plugins").get_json()["plugins"]}
    assert plugins["sample"]["enabled_for_tenant"] is True
    seen_by_operator = wuye_operator.get("/api/v1/plugins").get_json()
    assert "sample" in {p["name"] for p in seen_by_operator["plugins"]} and seen_by_operator["failures"] == []


def test_only_a_tenant_admin_enables_plugins(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    staff = t.user("grid", "community_staff", [ids["community"]])
    assert staff.put("/api/v1/plugins/sample", json={"enabled": True}).status_code == 403
    assert staff.put(f"/api/v1/communities/{ids['community']}/plugins/sample",
                     json={"enabled": True}).status_code == 403
    assert t.admin.put("/api/v1/plugins/nope", json={"enabled": True}).status_code == 404


def test_a_community_needs_the_tenant_to_enable_first(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    r = t.admin.put(f"/api/v1/communities/{ids['community']}/plugins/sample", json={"enabled": True})
    assert r.status_code == 409 and "enabled" in r.get_json()["errors"]["json"]


def test_config_is_validated_defaulted_and_kept_in_history(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    state = wuye_enable_plugin(t, "sample", ids["community"])
    assert state["config"] == {"greeting": "你好", "note_new_households": True, "webhook_secret": ""} and state["version"] == 1
    url = f"/api/v1/communities/{ids['community']}/plugins/sample"
    bad = t.admin.put(url, json={"enabled": True, "config": {"greeting": 5, "extra": 1}})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]["json"]["config"]) == {"greeting", "extra"}
    ok = t.admin.put(url, json={"enabled": True, "config": {"greeting": "您好"}, "version": 1})
    assert ok.status_code == 200 and ok.get_json()["config"]["greeting"] == "您好"
    stale = t.admin.put(url, json={"enabled": False, "config": {}, "version": 1})
    assert stale.status_code == 409
    history = t.admin.get(url + "/history").get_json()["items"]
    assert [(h["version"], h["enabled"], h["changed_by"]) for h in history] == [(2, True, "admin"), (1, True, "admin")]


def test_services_plugin_config_gives_a_communitys_config_with_defaults(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_core.plugins import services
    from wuye_core.tenancy import tenant_context

    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    other = t.admin.post("/api/v1/communities", json={"name": "乙", "code": "c2"}).get_json()["id"]
    wuye_enable_plugin(t, "sample", ids["community"], {"greeting": "您好"})
    with wuye_app.app_context(), tenant_context(t.id):
        assert services.plugin_config("sample", ids["community"]) == {"greeting": "您好", "note_new_households": True,
                                                                     "webhook_secret": ""}
        assert services.plugin_config("sample", other) == {"greeting": "你好", "note_new_households": True, "webhook_secret": ""}
        assert services.plugin_config("no_such_plugin", other) == {}


def test_plugin_config_is_remembered_per_plugins_version_in_requests(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                                     wuye_enable_plugin, wuye_owner_engine):
    """In a request, a plugin's config is read once per tenant plugins_version (every change made
    through wuye bumps it); a copy is handed out, so a caller cannot spoil the remembered one."""
    from flask import g
    from sqlalchemy import text

    from wuye_core.auth.roles import Identity
    from wuye_core.plugins import services
    from wuye_core.tenancy import tenant_context

    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    wuye_enable_plugin(t, "sample", ids["community"], {"greeting": "您好"})

    def as_owner(conn):  # RLS is forced for the owner too: name the tenant first
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(t.id)})
        return conn

    def read():
        with wuye_owner_engine.begin() as conn:
            as_owner(conn)
            version = conn.execute(text("select plugins_version from tenants where id = :t"), {"t": t.id}).scalar()
        with wuye_app.test_request_context(), tenant_context(t.id):
            # what authentication leaves: the caller (of this tenant) and the version it read
            g.identity = Identity(kind="staff", user_id=1, username="admin", tenant_id=t.id)
            g.plugins_version = version
            return services.plugin_config("sample", ids["community"])

    first = read()
    assert first["greeting"] == "您好"
    first["greeting"] = "spoiled"
    with wuye_owner_engine.begin() as conn:  # behind wuye's back: no version bump, so not seen
        as_owner(conn).execute(text("update community_plugins set config = :c where plugin = 'sample'"),
                     {"c": '{"greeting": "背后改的"}'})
    assert read()["greeting"] == "您好"
    url = f"/api/v1/communities/{ids['community']}/plugins/sample"
    version = t.admin.get(url).get_json()["version"]
    assert t.admin.put(url, json={"enabled": True, "config": {"greeting": "早上好"}, "version": version}).status_code == 200
    assert read()["greeting"] == "早上好"


def test_routes_answer_404_where_the_plugin_is_off_and_data_survives(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    other = t.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    url = NOTES.format(ids["community"])
    assert t.admin.get(url).status_code == 404  # not enabled anywhere yet
    wuye_enable_plugin(t, "sample", ids["community"])
    assert t.admin.post(url, json={"text": "路灯坏了"}).status_code == 201
    assert t.admin.get(NOTES.format(other)).status_code == 404  # enabled for the tenant, not that community
    t.admin.put(f"/api/v1/communities/{ids['community']}/plugins/sample", json={"enabled": False})
    assert t.admin.get(url).status_code == 404
    t.admin.put(f"/api/v1/communities/{ids['community']}/plugins/sample", json={"enabled": True})
    assert [n["text"] for n in t.admin.get(url).get_json()["items"]] == ["路灯坏了"]
    t.admin.put("/api/v1/plugins/sample", json={"enabled": False})  # the tenant switch covers every community
    assert t.admin.get(url).status_code == 404
    t.admin.put("/api/v1/plugins/sample", json={"enabled": True})
    assert [n["text"] for n in t.admin.get(url).get_json()["items"]] == ["路灯坏了"]


def test_event_hooks_run_only_where_enabled_and_once_per_event(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    wuye_enable_plugin(t, "sample", ids["community"])
    unit = t.admin.post("/api/v1/units", json={"building_id": ids["building"], "number": "9"}).get_json()
    household = t.admin.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "owner"}).get_json()
    notes = t.admin.get(NOTES.format(ids["community"])).get_json()["items"]
    assert [n["text"] for n in notes] == [f"新住户 / new household #{household['id']}"]

    # delivering the same event again has no second effect (handlers are idempotent)
    from wuye_core.host.dispatch import deliver_event
    from wuye_core.host.types import Event
    from wuye_core.tenancy import tenant_context

    event = Event("household_created", t.id, ids["community"], household["id"], id="fixed-event-id")
    with wuye_app.test_request_context(), tenant_context(t.id):
        deliver_event(event)
        deliver_event(event)
        db.session.commit()  # as the delivery does: hooks never commit
    assert t.admin.get(NOTES.format(ids["community"])).get_json()["total"] == 2

    other = wuye_make_tenant("other")  # the same plugin, not enabled there: nothing runs
    oids = wuye_register(other)
    other.admin.put("/api/v1/plugins/sample", json={"enabled": True})
    unit = other.admin.post("/api/v1/units", json={"building_id": oids["building"], "number": "9"}).get_json()
    other.admin.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "owner"})
    wuye_enable_plugin(other, "sample", oids["community"])
    assert other.admin.get(NOTES.format(oids["community"])).get_json()["items"] == []


def test_dashboard_shows_core_figures_and_enabled_plugins_only(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    url = f"/api/v1/communities/{ids['community']}/dashboard"
    figures = {(f["plugin"], f["key"]): f["value"] for f in t.admin.get(url).get_json()["figures"]}
    assert figures == {("core", "sites"): 1, ("core", "buildings"): 1, ("core", "households"): 1,
                       ("core", "residents"): 1, ("core", "tickets_open"): 0, ("core", "tickets_overdue_arrive"): 0,
                       ("core", "tickets_overdue_resolve"): 0, ("core", "tickets_created_month"): 0,
                       ("core", "tickets_resolved_month"): 0, ("core", "tickets_month_satisfaction"): None}
    wuye_enable_plugin(t, "sample", ids["community"], {"greeting": "早上好"})
    figures = t.admin.get(url).get_json()["figures"]
    sample = [f for f in figures if f["plugin"] == "sample"]
    assert sample == [{"plugin": "sample", "key": "notes", "label_zh": "早上好：便签数", "label_en": "Notes",
                       "value": 0, "unit": ""}]
    report = t.admin.get(f"/api/v1/communities/{ids['community']}/report?from=2026-01-01&to=2026-12-31")
    assert report.status_code == 200 and report.get_json()["sections"][0]["key"] == "register"
    bad = t.admin.get(f"/api/v1/communities/{ids['community']}/report?from=2026-12-31&to=2026-01-01")
    assert bad.status_code == 422 and "from" in bad.get_json()["errors"]["query"]


# --- containment and refusal: an app with misbehaving plugins ------------------------------------


@pytest.fixture
def odd_app(wuye_backend, wuye_app):
    """A second app on the same database, loading the misbehaving plugins by entry point."""
    entry_points = [
        _ep("exploding", "tests.plugin_fixtures:exploding"),
        _ep("strict", "tests.plugin_fixtures:strict"),
        _ep("linker", "tests.plugin_fixtures:linker"),
        _ep("misspelled", "tests.plugin_fixtures:misspelled"),
        _ep("future", "tests.plugin_fixtures:from_the_future"),
        _ep("badtable", "tests.plugin_fixtures:bad_table"),
        _ep("wrongarg", "tests.plugin_fixtures:wrong_argument"),
        _ep("missing", "tests.no_such_module:plugin"),
    ]
    return create_app(settings_for(wuye_backend), plugin_entry_points=entry_points)


def _odd_tenant(odd_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    admin = login(odd_app, "acme", "admin", "admin-pass-123")
    for name in ("exploding", "strict"):
        assert admin.put(f"/api/v1/plugins/{name}", json={"enabled": True}).status_code == 200
        r = admin.put(f"/api/v1/communities/{ids['community']}/plugins/{name}", json={"enabled": True})
        assert r.status_code == 200, r.get_json()
    return admin, ids


def test_broken_plugins_are_refused_and_reported_while_the_rest_runs(odd_app):
    host = odd_app.extensions["wuye_plugins"]
    assert set(host.plugins) == {"exploding", "strict", "linker"}
    failures = {f.entry_point: f.error for f in host.failures}
    assert "misspell" in failures["misspelled"] and "wuye_housold_created" in failures["misspelled"]
    assert "2.0" in failures["future"] and hookspecs.HOOK_API_VERSION in failures["future"]
    assert "not_prefixed_things" in failures["badtable"]
    assert "evnt" in failures["wrongarg"]
    assert "import failed" in failures["missing"]
    assert odd_app.test_client().get("/healthz").status_code == 200


def test_a_failing_event_hook_is_contained_logged_and_counted(odd_app, wuye_make_tenant, wuye_register, caplog):
    from tests.plugin_fixtures import Exploding

    admin, ids = _odd_tenant(odd_app, wuye_make_tenant, wuye_register)
    before = Exploding.calls
    with caplog.at_level(logging.ERROR, logger="wuye_core.host.dispatch"):
        unit = admin.post("/api/v1/units", json={"building_id": ids["building"], "number": "7"}).get_json()
        r = admin.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "owner"})
    assert r.status_code == 201  # the core operation succeeded
    assert admin.get(f"/api/v1/households/{r.get_json()['id']}").status_code == 200
    assert Exploding.calls == before + 1
    record = next(rec for rec in caplog.records if getattr(rec, "plugin", None) == "exploding")
    assert record.hook == "wuye_household_created" and record.tenant_id is not None
    assert "exploding" in record.getMessage() and str(record.tenant_id) in record.getMessage()
    assert odd_app.extensions["wuye_plugins"].hook_errors[("exploding", "wuye_household_created")] >= 1
    # a failing dashboard contributor is left out; the rest of the dashboard still shows
    figures = admin.get(f"/api/v1/communities/{ids['community']}/dashboard").get_json()["figures"]
    assert {f["plugin"] for f in figures} == {"core"}


def test_plugin_events_ticket_links_and_ticket_services(odd_app, wuye_make_tenant, wuye_register):
    """API 1.2: a plugin's own event goes through the outbox to `wuye_plugin_event` once; a ticket
    shows the links plugins give it; plugins open and resolve tickets through the core's services."""
    from tests.plugin_fixtures import Linker
    from wuye_core.plugins import commit, open_ticket, resolve_ticket, services
    from wuye_core.tenancy import Tenant, tenant_context

    admin, ids = _odd_tenant(odd_app, wuye_make_tenant, wuye_register)
    ticket = admin.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
        "category": "水电维修", "title": "漏水"}).get_json()
    assert admin.get(f"/api/v1/tickets/{ticket['id']}").get_json()["links"] == []  # linker is off here
    Linker.heard.clear()
    assert admin.put("/api/v1/plugins/linker", json={"enabled": True}).status_code == 200
    assert admin.put(f"/api/v1/communities/{ids['community']}/plugins/linker", json={"enabled": True}).status_code == 200
    ticket = admin.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
        "category": "水电维修", "title": "又漏水"}).get_json()
    assert [(name, obj, data) for name, obj, data, _ in Linker.heard] == [("linker.seen", ticket["id"], {"title_length": 3})]
    links = admin.get(f"/api/v1/tickets/{ticket['id']}").get_json()["links"]
    assert links == [{"plugin": "linker", "key": f"note:{ticket['id']}", "label_zh": "联动便签",
                      "label_en": "Linked note", "href": f"/somewhere/{ticket['id']}"}]
    assert "links" not in admin.get("/api/v1/tickets").get_json()["items"][0]  # lists stay cheap

    with odd_app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "acme"))
    with odd_app.app_context(), tenant_context(tenant_id):
        opened = open_ticket(ids["community"], site_id=ids["site"], title="走访发现：楼道堆物",
                             category="安全", actor="linker")
        assert services.ticket_summary(opened)["status"] == "submitted"
        assert resolve_ticket(opened, "linker") is False  # not accepted yet: nothing changes
        commit()  # outside a request or job nobody else commits
        admin.post(f"/api/v1/tickets/{opened}/transitions", json={"action": "accept"})
        assert resolve_ticket(opened, "linker", "议题已办结") is True
        assert services.ticket_summary(opened)["status"] == "resolved"
        commit()
        assert services.ticket_summary(999_999) is None
        from tests.plugin_fixtures import Strict

        before = len(Strict.ran_for)
        assert services.enqueue_job("strict", "census") is True  # the test app runs jobs at once
        assert Strict.ran_for[before:] == [tenant_id]
    history = admin.get(f"/api/v1/tickets/{opened}/transitions?sort=id").get_json()["items"]
    assert (history[-1]["action"], history[-1]["actor"], history[-1]["note"]) == ("resolve", "linker", "议题已办结")
    with odd_app.test_request_context(), tenant_context(tenant_id):
        from wuye_core.errors import DomainError

        with pytest.raises(DomainError) as refused:
            open_ticket(ids["community"], site_id=ids["site"], title="x", category="安全",
                        actor="linker", kind="gossip")
        assert refused.value.status == 422 and "kind" in refused.value.errors["json"]


def test_a_veto_hook_refuses_with_a_422_naming_the_plugin(odd_app, wuye_make_tenant, wuye_register):
    admin, ids = _odd_tenant(odd_app, wuye_make_tenant, wuye_register)
    r = admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "无电话"})
    body = r.get_json()
    assert r.status_code == 422 and body["errors"]["plugin"] == "strict"
    assert body["errors"]["plugin_title"] == "strict插件" and body["errors"]["json"]["phone"]
    assert admin.get("/api/v1/residents?q=无电话").get_json()["total"] == 0  # nothing stored
    ok = admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "有电话",
                                                "phone": "13700000000"})
    assert ok.status_code == 201


def test_the_consoles_form_names_the_vetoing_plugin_next_to_the_field(odd_app, wuye_make_tenant, wuye_register):
    admin, ids = _odd_tenant(odd_app, wuye_make_tenant, wuye_register)
    console = console_login(odd_app, "acme", "admin", "admin-pass-123")
    page = console.post(f"/console/register/residents/new?parent={ids['household']}", data={"name": "无电话"})
    assert page.status_code == 422
    error = re.search(r'<p class="error" id="e-phone">(.*?)</p>', page.text, re.S)
    assert error and "strict插件：登记居民必须填写电话" in error.group(1)
    assert admin.get("/api/v1/residents?q=无电话").get_json()["total"] == 0  # nothing stored


def test_the_veto_only_applies_where_the_plugin_is_enabled(odd_app, wuye_make_tenant, wuye_register):
    admin, ids = _odd_tenant(odd_app, wuye_make_tenant, wuye_register)
    other = admin.post("/api/v1/communities", json={"name": "二", "code": "c2"}).get_json()["id"]
    site = admin.post("/api/v1/sites", json={"community_id": other, "name": "s", "kind": "old"}).get_json()
    building = admin.post("/api/v1/buildings", json={"site_id": site["id"], "name": "b"}).get_json()
    unit = admin.post("/api/v1/units", json={"building_id": building["id"], "number": "1"}).get_json()
    household = admin.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "owner"}).get_json()
    r = admin.post("/api/v1/residents", json={"household_id": household["id"], "name": "无电话"})
    assert r.status_code == 201


# --- the contract --------------------------------------------------------------------------------


def test_api_versions():
    assert api_compatible("1.0") and not api_compatible("2.0") and not api_compatible("0.9")
    assert not api_compatible("1.99") and not api_compatible("garbage")


def test_docs_carry_every_hook_and_argument_and_are_current():
    reference = docs.current_reference()
    assert reference == docs.render_reference(), "run `wuye plugin docs`"
    specs = docs.hook_specs()
    assert {name for name, *_ in specs} == {n for n in vars(hookspecs) if n.startswith("wuye_")}
    assert len(specs) == 36  # 1.12: wuye_resident_pages; 1.13: wuye_webhooks
    for name, _args, doc, _ in specs:
        assert f"### `{name}(" in reference
        assert doc, f"{name} has no docstring"
        assert "Kind:" in doc and ("Returns:" in doc or "Receives:" in doc), name
    assert docs.undocumented_arguments() == []  # every argument named, as `arg`, in its docstring


def test_an_argument_missing_from_its_docstring_is_found():
    documented = ("wuye_x", ["tenant_id", "event"], "Kind: … Receives: `event`. Returns: nothing.", {})
    assert docs.undocumented_arguments([documented]) == [("wuye_x", "tenant_id")]
    # the generated signature line names it, but that is no documentation of what it is
    assert docs.undocumented_arguments([("wuye_y", ["tenant_id"], "wuye_y(tenant_id) tenant_id", {})]) == [
        ("wuye_y", "tenant_id")]


def test_hookspecs_marker_project():
    assert hookspecs.PROJECT == "wuye"


def test_a_plugins_role_can_be_granted_and_its_commands_run(odd_app, wuye_make_tenant, wuye_register):
    admin, ids = _odd_tenant(odd_app, wuye_make_tenant, wuye_register)
    r = admin.post("/api/v1/users", json={"username": "inspector", "password": "password-123",
                                           "roles": [{"role": "strict_inspector", "community_id": ids["community"]}]})
    assert r.status_code == 201, r.get_json()
    inspector = login(odd_app, "acme", "inspector", "password-123")
    assert inspector.get(f"/api/v1/sites/{ids['site']}").status_code == 200  # can read the register
    assert inspector.patch(f"/api/v1/sites/{ids['site']}", json={"name": "x"}).status_code == 403  # not write
    result = odd_app.test_cli_runner().invoke(args=["strict", "hello"])
    assert result.exit_code == 0 and "strict says 你好" in result.output


def test_plugin_schedules_run_per_tenant_only_where_enabled(odd_app, wuye_make_tenant, wuye_register):
    from tests.plugin_fixtures import Strict
    from wuye_core.events import plugin_jobs as tasks
    from wuye_core.jobs.schedule import periodic_work

    _odd_tenant(odd_app, wuye_make_tenant, wuye_register)  # "acme" enables strict
    other = wuye_make_tenant("other")  # does not
    assert "strict.nightly_census" in {w.name for w in periodic_work(odd_app)}
    Strict.ran_for.clear()
    with odd_app.app_context():
        assert tasks.run_plugin_schedule(plugin="strict", job="census") == 1
        acme = Strict.ran_for[:]
        assert len(acme) == 1
        # a job queued earlier for a tenant that has since disabled the plugin does nothing
        assert tasks.run_plugin_job(tenant_id=other.id, plugin="strict", job="census") is None
    assert Strict.ran_for == acme


def test_enablement_changes_reach_every_worker_at_its_next_request(wuye_backend, wuye_app, wuye_make_tenant, wuye_register,
                                                                   wuye_plugin_entry_points):
    """Two apps on one database stand for two gunicorn workers, each with its own cache."""
    other_worker = create_app(settings_for(wuye_backend), plugin_entry_points=wuye_plugin_entry_points)
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    there = login(other_worker, "acme", "admin", "admin-pass-123")
    url = NOTES.format(ids["community"])
    assert there.get(url).status_code == 404  # cached there: not enabled
    t.admin.put("/api/v1/plugins/sample", json={"enabled": True})
    t.admin.put(f"/api/v1/communities/{ids['community']}/plugins/sample", json={"enabled": True})
    assert there.get(url).status_code == 200
    t.admin.put(f"/api/v1/communities/{ids['community']}/plugins/sample", json={"enabled": False})
    assert there.get(url).status_code == 404
