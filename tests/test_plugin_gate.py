"""The route gate covers every plugin route, including those that address an object by id
with no community in the path (issue #13 item 5; docs/plugins.md §2).

`things` (tests/gate_fixtures.py) shows the register's sites as things: /things/<thing_id>,
declared `{"thing_id": Site}` in wuye_route_objects.
"""

from __future__ import annotations

import logging
import re
from importlib import metadata

import pytest

from wuye_core.app import create_app
from wuye_core.host.manager import ENTRY_POINT_GROUP
from wuye_core.testing import login, settings_for

THINGS = "/api/v1/plugins/things"


def _ep(name, target):
    return metadata.EntryPoint(name, target, ENTRY_POINT_GROUP)


@pytest.fixture
def gated_app(wuye_backend, wuye_app, caplog):
    """A second app on the same database, loading the gate's test plugins by entry point."""
    entry_points = [_ep(name, f"tests.gate_fixtures:{obj}") for name, obj in (
        ("things", "things"), ("legacy", "legacy"), ("undeclared", "undeclared"), ("notamodel", "not_a_model"),
        ("nocommunity", "no_community"), ("unknowncore", "unknown_core"), ("communitydecl", "community_declared"),
        ("stringconv", "string_converter"))]
    with caplog.at_level(logging.WARNING, logger="wuye_core.host.manager"):
        with pytest.warns(DeprecationWarning, match="old-things"):
            built = create_app(settings_for(wuye_backend), plugin_entry_points=entry_points)
    built.extensions["test_start_up_log"] = caplog.text
    return built


def _community(admin, name, code):
    community = admin.post("/api/v1/communities", json={"name": name, "code": code}).get_json()["id"]
    site = admin.post("/api/v1/sites", json={"community_id": community, "name": f"{name}小区", "kind": "old"})
    assert site.status_code == 201, site.get_json()
    return community, site.get_json()["id"]


def _switch(admin, plugin, community, on):
    r = admin.put(f"/api/v1/communities/{community}/plugins/{plugin}", json={"enabled": on})
    assert r.status_code == 200, r.get_json()


@pytest.fixture
def acme(gated_app, wuye_make_tenant, wuye_register):
    """acme: `things` on for the tenant and communities 1 and 2, off in 3."""
    t = wuye_make_tenant("acme")
    admin = login(gated_app, "acme", "admin", "admin-pass-123")
    ids = wuye_register(t)
    c2, s2 = _community(admin, "二社区", "c2")
    c3, s3 = _community(admin, "三社区", "c3")
    for plugin in ("things", "legacy"):
        assert admin.put(f"/api/v1/plugins/{plugin}", json={"enabled": True}).status_code == 200
        for community in (ids["community"], c2):
            _switch(admin, plugin, community, True)
    return t, admin, {"c1": ids["community"], "s1": ids["site"], "c2": c2, "s2": s2, "c3": c3, "s3": s3}


def test_a_thing_by_id_answers_only_where_its_plugin_is_on(acme):
    t, admin, ids = acme
    assert admin.get(f"{THINGS}/things/{ids['s1']}").get_json() == {
        "id": ids["s1"], "name": "小区", "community_id": ids["c1"]}
    assert admin.get(f"{THINGS}/things/{ids['s3']}").status_code == 404  # on for the tenant and c1, c2; not c3
    _switch(admin, "things", ids["c1"], False)
    assert admin.get(f"{THINGS}/things/{ids['s1']}").status_code == 404
    assert admin.get(f"{THINGS}/things/{ids['s2']}").status_code == 200  # c2 still on
    _switch(admin, "things", ids["c3"], True)
    assert admin.get(f"{THINGS}/things/{ids['s3']}").get_json()["community_id"] == ids["c3"]
    admin.put("/api/v1/plugins/things", json={"enabled": False})  # the tenant switch covers every community
    assert admin.get(f"{THINGS}/things/{ids['s3']}").status_code == 404
    assert admin.get(f"{THINGS}/things/{ids['s3'] + 1000}").status_code == 404


def test_the_view_gets_the_object_the_gate_loaded_without_a_query(gated_app, acme):
    from sqlalchemy import event

    from wuye_core.extensions import db

    t, admin, ids = acme
    with gated_app.app_context():
        engine = db.engine
    selects = []

    def note(conn, cursor, statement, *args):
        selects.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert admin.get(f"{THINGS}/things/{ids['s1']}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len([s for s in selects if re.search(r"FROM sites\b", s)]) == 1, selects


def test_another_tenants_thing_is_not_found(gated_app, acme, wuye_make_tenant, wuye_register):
    t, admin, ids = acme
    other = wuye_make_tenant("other")
    wuye_register(other)
    theirs = login(gated_app, "other", "admin", "admin-pass-123")
    theirs.put("/api/v1/plugins/things", json={"enabled": True})
    assert theirs.get(f"{THINGS}/things/{ids['s1']}").status_code == 404
    assert theirs.get(f"{THINGS}/things").get_json() == {"ids": [], "communities": []}


def test_a_thing_in_a_community_the_caller_cannot_read_is_not_found(gated_app, acme):
    t, admin, ids = acme
    r = admin.post("/api/v1/users", json={"username": "c2-staff", "password": "password-123",
                                          "roles": [{"role": "community_staff", "community_id": ids["c2"]}]})
    assert r.status_code == 201, r.get_json()
    staff = login(gated_app, "acme", "c2-staff", "password-123")
    assert staff.get(f"{THINGS}/things/{ids['s2']}").status_code == 200
    assert staff.get(f"{THINGS}/things/{ids['s1']}").status_code == 404  # on there, but not theirs to read
    assert staff.get(f"{THINGS}/things").get_json() == {"ids": [ids["s2"]], "communities": [ids["c2"]]}


def test_a_tenant_wide_list_shows_only_communities_where_the_plugin_is_on(acme):
    t, admin, ids = acme
    assert admin.get(f"{THINGS}/things").get_json() == {"ids": [ids["s1"], ids["s2"]],
                                                         "communities": [ids["c1"], ids["c2"]]}
    _switch(admin, "things", ids["c2"], False)
    assert admin.get(f"{THINGS}/things").get_json()["ids"] == [ids["s1"]]


def test_every_id_in_a_url_names_the_same_community(acme):
    t, admin, ids = acme
    assert admin.get(f"{THINGS}/communities/{ids['c1']}/things/{ids['s1']}").get_json()["community_id"] == ids["c1"]
    assert admin.get(f"{THINGS}/communities/{ids['c2']}/things/{ids['s1']}").status_code == 404


def test_core_objects_and_undeclared_kinds_of_parameter(acme):
    """A ticket is addressed by the core's name "ticket"; a parameter declared None (a year) is
    gated by the tenant only."""
    t, admin, ids = acme
    ticket = admin.post("/api/v1/tickets", json={"community_id": ids["c3"], "site_id": ids["s3"], "channel": "phone",
                                                 "kind": "repair", "category": "电梯", "title": "困人"})
    assert ticket.status_code == 201, ticket.get_json()
    seen = f"{THINGS}/tickets/{ticket.get_json()['id']}/seen"
    assert admin.get(seen).status_code == 404  # the ticket's community, c3, has the plugin off
    _switch(admin, "things", ids["c3"], True)
    assert admin.get(seen).get_json()["community_id"] == ids["c3"]
    assert admin.get(f"{THINGS}/years/2026").get_json() == {"year": 2026, "community_id": None}
    admin.put("/api/v1/plugins/things", json={"enabled": False})
    assert admin.get(f"{THINGS}/years/2026").status_code == 404


def test_undeclared_ids_refuse_a_plugin_for_api_1_3_and_warn_for_older_ones(gated_app, acme):
    host = gated_app.extensions["wuye_plugins"]
    failures = {f.entry_point: f.error for f in host.failures}
    assert set(host.plugins) == {"things", "legacy"}
    assert "'widget_id' is not declared" in failures["undeclared"] and "/widgets/<int:widget_id>" in failures["undeclared"]
    assert "not a tenant-scoped model" in failures["notamodel"]
    assert "TenantPlugin has no community_id" in failures["nocommunity"]
    assert "unknown core object 'invoice'" in failures["unknowncore"]
    assert "do not declare it" in failures["communitydecl"]
    assert "use <int:household_id>" in failures["stringconv"]
    # API 1.2: loaded; the start-up log names the route and the parameter; tenant-gated only
    log = gated_app.extensions["test_start_up_log"]
    assert re.search(r"plugin legacy \(API 1\.2\): route \S+/old-things/<int:thing_id>: path parameter 'thing_id'", log)
    t, admin, ids = acme
    _switch(admin, "legacy", ids["c1"], False)
    assert admin.get(f"/api/v1/plugins/legacy/old-things/{ids['s1']}").status_code == 200  # the documented gap
    admin.put("/api/v1/plugins/legacy", json={"enabled": False})
    assert admin.get(f"/api/v1/plugins/legacy/old-things/{ids['s1']}").status_code == 404


def test_every_plugin_route_parameter_is_declared(wuye_app):
    """Walks every plugin route of the suite's app (both plugins of this repository and the
    scaffold's): each path parameter is community_id or declared, and every *_id names a model,
    so no route reaches a view with an id the gate did not check."""
    host = wuye_app.extensions["wuye_plugins"]
    owners = wuye_app.extensions["wuye_plugin_blueprints"]
    checked = 0
    for rule in wuye_app.url_map.iter_rules():
        plugin = owners.get(rule.endpoint.split(".")[0])
        if plugin is None:
            continue
        declared = host.plugins[plugin].route_objects
        for name in rule.arguments - {"community_id"}:
            assert name in declared, f"{rule.rule}: {name} is not declared by {plugin}"
            if name.endswith("_id"):
                assert declared[name] is not None, f"{rule.rule}: {name} addresses no model"
                checked += 1
    assert checked >= 30  # red_property's, care_visits' and the sample's object routes (33 today)
    assert {"red_property", "care_visits", "sample"} <= set(host.plugins)
