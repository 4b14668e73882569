"""The plugin's per-community settings: defaults, and bad values refused with the field named."""

from __future__ import annotations


def test_defaults_are_the_national_policy(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    config = wuye_enable_plugin(tenant, "welfare_jobs", ids["community"])["config"]
    assert config["max_placement_months"] == 36 and config["vacancy_report_days"] == 5
    assert config["minimum_wage_fen"] == 221_000 and config["paid_leave_kinds"] == ["annual", "injury",
                                                                                   "marriage_funeral"]


def test_bad_config_names_the_field_in_chinese(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"])
    url = f"/api/v1/communities/{ids['community']}/plugins/welfare_jobs"
    r = tenant.admin.put(url, json={"enabled": True, "config": {"vacancy_report_days": 0,
                                                                  "paid_leave_kinds": ["holiday"]}})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "vacancy_report_days" in body and "paid_leave_kinds" in body
    r = tenant.admin.put(url, json={"enabled": True, "config": {"max_placement_months": 1, "end_alert_days": 60}})
    assert r.status_code == 422 and "end_alert_days" in r.get_data(as_text=True)
    assert "提醒天数须少于安置期限上限" in r.get_data(as_text=True)
    # nothing stored was lost: the defaults are still in force
    assert tenant.admin.get(url).get_json()["config"]["vacancy_report_days"] == 5


def test_console_entry_goes_to_the_only_community(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"])
    tenant.user("mgr", "welfare_jobs_manager", [ids["community"]])
    console = tenant.console("mgr", "password-123")
    r = console.get("/console/plugins/welfare_jobs/")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/communities/{ids['community']}")
    page = console.get(r.headers["Location"]).get_data(as_text=True)
    assert "公益岗位" in page and "人员" in page
