"""A resident's natural key, (household, name): the API refuses a second resident of a name in
one household with 409 naming `name` (zh_CN first), also when two requests race past the check
to the unique index; migration 0010 keeps and marks the duplicates it finds."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from wuye_core.app import create_app
from wuye_core.testing import postgres_backend, settings_for

SAME_NAME_ZH = "该住户已有同名居民。"


@pytest.fixture
def world(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    return t, wuye_register(t)  # household with resident 张三


def test_a_second_resident_of_a_name_in_a_household_is_a_409_on_name(world):
    t, ids = world
    api = t.admin
    r = api.post("/api/v1/residents", json={"household_id": ids["household"], "name": "张三"})
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["errors"] == {"json": {"name": [SAME_NAME_ZH]}}
    english = api.post("/api/v1/residents", json={"household_id": ids["household"], "name": "张三"},
                       headers={"Accept-Language": "en"})
    assert english.get_json()["errors"]["json"]["name"] == ["This household already has a resident of this name."]
    assert api.get(f"/api/v1/residents?household_id={ids['household']}").get_json()["total"] == 1

    # the same name in another household, and another name in this one, are fine
    other = api.post("/api/v1/households", json={"unit_id": ids["unit"], "kind": "renter"}).get_json()["id"]
    assert api.post("/api/v1/residents", json={"household_id": other, "name": "张三"}).status_code == 201
    li = api.post("/api/v1/residents", json={"household_id": ids["household"], "name": "李四"}).get_json()
    assert li["duplicate_of"] is None

    # renaming onto a taken name is refused the same way; other changes are not
    r = api.patch(f"/api/v1/residents/{li['id']}", json={"name": "张三"})
    assert r.status_code == 409 and r.get_json()["errors"] == {"json": {"name": [SAME_NAME_ZH]}}
    assert api.patch(f"/api/v1/residents/{li['id']}", json={"phone": "13900000009"}).status_code == 200
    assert api.put(f"/api/v1/residents/{ids['resident']}", json={"name": "张三", "phone": "13800000001"}).status_code == 200


def test_a_race_past_the_check_meets_the_index_and_gets_the_same_409(world, monkeypatch):
    """Two requests at once both pass the check before either writes: the unique index refuses
    the second, and the answer is the same 409 on `name`, not the generic conflict or a 500."""
    from wuye_core.households import levels as routes

    monkeypatch.setattr(routes, "check_resident_key", lambda resident: None)  # as if the other had not committed yet
    t, ids = world
    r = t.admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "张三"})
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["errors"] == {"json": {"name": [SAME_NAME_ZH]}}
    assert t.admin.get(f"/api/v1/residents?household_id={ids['household']}").get_json()["total"] == 1


# --- migration 0010 -----------------------------------------------------------------------------

ROWS = [  # (id, household, name): 1 and 3 share a key, so do 4, 5 and 6; 2 and 7 are alone
    (1, 1, "张三"), (2, 1, "李四"), (3, 1, "张三"), (4, 2, "王五"), (5, 2, "王五"), (6, 2, "王五"), (7, 2, "张三"),
]


@pytest.fixture
def scratch_backend(wuye_backend, tmp_path):
    """A database of its own (the migration runs down and up in it), on the session's backend."""
    if wuye_backend.is_postgresql:
        backend = postgres_backend()
    else:
        path = tmp_path / "scratch.sqlite3"
        backend = type(wuye_backend)("sqlite", f"sqlite:///{path}", f"sqlite:///{path}")
    yield backend
    for fn in backend.cleanup:
        fn()


def test_migration_0010_keeps_existing_duplicates_and_marks_them(scratch_backend, wuye_plugin_entry_points):
    from flask_migrate import upgrade

    app = create_app(settings_for(scratch_backend), plugin_entry_points=wuye_plugin_entry_points)
    with app.app_context():
        upgrade(revision="0009_idempotency_keys")  # the one before 0010
    owner = create_engine(scratch_backend.owner_url)
    try:
        with owner.begin() as conn:
            if scratch_backend.is_postgresql:  # FORCE RLS: the owner too sees only the tenant set
                conn.execute(text("select set_config('app.tenant_id', '1', true)"))
            conn.execute(text("insert into tenants (id, slug, name, kind, active, plugins_version) "
                              "values (1, 'acme', 'acme', 'company', true, 0)"))
            conn.execute(text("insert into communities (id, tenant_id, name, code, config, config_version) "
                              "values (1, 1, 'c', 'c1', '{}', 1)"))
            conn.execute(text("insert into sites (id, tenant_id, community_id, name, kind) "
                              "values (1, 1, 1, 's', 'compound')"))
            conn.execute(text("insert into buildings (id, tenant_id, community_id, site_id, name) "
                              "values (1, 1, 1, 1, 'b')"))
            conn.execute(text("insert into units (id, tenant_id, community_id, site_id, building_id, entrance, number) "
                              "values (1, 1, 1, 1, 1, '', '1')"))
            for household in (1, 2):
                conn.execute(text("insert into households (id, tenant_id, community_id, site_id, building_id, unit_id,"
                                  " kind) values (:h, 1, 1, 1, 1, 1, 'owner')"), {"h": household})
            for rid, household, name in ROWS:
                conn.execute(text("insert into residents (id, tenant_id, community_id, site_id, building_id, "
                                  "household_id, name) values (:i, 1, 1, 1, 1, :h, :n)"),
                             {"i": rid, "h": household, "n": name})
        with app.app_context():
            upgrade(revision="heads")
        with owner.begin() as conn:
            if scratch_backend.is_postgresql:
                conn.execute(text("select set_config('app.tenant_id', '1', true)"))
            marks = dict(conn.execute(text("select id, duplicate_of from residents order by id")).all())
            assert marks == {1: None, 2: None, 3: 1, 4: None, 5: 4, 6: 4, 7: None}  # all 7 kept
            with pytest.raises(Exception, match="(?i)unique"):  # the key holds for new rows
                with conn.begin_nested():
                    conn.execute(text("insert into residents (id, tenant_id, community_id, site_id, building_id, "
                                      "household_id, name) values (8, 1, 1, 1, 1, 2, '张三')"))
    finally:
        owner.dispose()
        with app.app_context():
            from wuye_core.extensions import db

            db.engine.dispose()
