"""A community's config: validated, defaulted, versioned, with history."""

from __future__ import annotations


def test_config_has_defaults_and_keeps_versions(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    url = f"/api/v1/communities/{ids['community']}/config"
    first = t.admin.get(url).get_json()
    assert first["version"] == 1 and first["config"]["core"]["service_hours"] == "08:30-17:30"
    r = t.admin.put(url, json={"version": 1, "config": {"core": {"service_phone": "027-12345678"}}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["version"] == 2
    assert r.get_json()["config"]["core"] == {"service_phone": "027-12345678", "service_hours": "08:30-17:30",
                                              "window_address": None}
    history = t.admin.get(url + "/history").get_json()["items"]
    assert [h["version"] for h in history] == [2] and history[0]["changed_by"] == "admin"


def test_stale_version_is_a_conflict_and_changes_nothing(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    url = f"/api/v1/communities/{ids['community']}/config"
    assert t.admin.put(url, json={"version": 1, "config": {"core": {"service_hours": "9-5"}}}).status_code == 200
    r = t.admin.put(url, json={"version": 1, "config": {"core": {"service_hours": "8-6"}}})
    assert r.status_code == 409 and "version" in r.get_json()["errors"]["json"]
    assert t.admin.get(url).get_json()["config"]["core"]["service_hours"] == "9-5"


def test_bad_config_names_the_path(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    url = f"/api/v1/communities/{ids['community']}/config"
    r = t.admin.put(url, json={"version": 1, "config": {"core": {"service_hours": 5, "colour": "red"},
                                                         "nonsense": {}}})
    assert r.status_code == 422
    errors = r.get_json()["errors"]["json"]["config"]
    assert set(errors) == {"core", "nonsense"} and set(errors["core"]) == {"service_hours", "colour"}
    assert t.admin.get(url).get_json()["version"] == 1
