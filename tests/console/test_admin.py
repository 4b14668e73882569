"""The console's admin pages: users and roles, plugin settings with a config form generated from
the plugin's schema, notifications, downloads, tenants — each through the API's services, checked
through the API."""

from __future__ import annotations

import re

import pytest

from wuye_core.testing import ConsoleClient, console_login

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _error_next_to(page: str, field: str) -> str:
    """The message shown next to the input `field` (its aria-describedby target)."""
    fid = field.replace(".", "-")
    match = re.search(rf'<p class="error" id="e-{re.escape(fid)}">(.*?)</p>', page, re.S)
    assert match, f"no error next to {field}"
    return match.group(1).strip()


def _audit(tenant, action):
    rows = tenant.admin.get("/api/v1/audit", query_string={"per_page": 100}).get_json()["items"]
    return [row for row in rows if row["action"] == action]


# --- users and roles -----------------------------------------------------------------------------


def test_only_a_tenant_admin_opens_users_and_settings(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    t.user("clerk", "community_staff", [ids["community"]])
    clerk = t.console("clerk", "password-123")
    for path in ("/console/users", "/console/users/new", "/console/settings"):
        page = clerk.get(path)
        assert page.status_code == 403, path
        assert "text/html" in page.headers["Content-Type"] and "租户管理员" in page.text
    assert clerk.post("/console/settings/plugins/care_visits", data={"enabled": "1"}).status_code == 403
    home = clerk.get("/console/").text
    assert "/console/users" not in home and "/console/settings" not in home  # not in the menu either
    admin = t.console()
    assert admin.get("/console/users").status_code == 200
    assert "用户与角色" in admin.get("/console/").text


def test_an_invalid_username_is_told_next_to_its_field(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    wuye_register(t)
    admin = t.console()
    page = admin.post("/console/users/new", data={"username": "li si!", "password": "temp-pass-123",
                                                  "roles.0.role": "readonly", "roles.0.community_id": ""})
    assert page.status_code == 422
    assert _error_next_to(page.text, "username") == "只能包含字母、数字和 . _ @ - 符号。"
    assert 'value="li si!"' in page.text and "temp-pass-123" not in page.text  # the password is not sent back
    users = t.admin.get("/api/v1/users").get_json()["items"]
    assert [u["username"] for u in users] == ["admin"]


def test_a_weak_password_and_an_unknown_role_are_told_next_to_their_fields(wuye_make_tenant):
    t = wuye_make_tenant("acme")
    admin = t.console()
    page = admin.post("/console/users/new", data={"username": "lisi", "password": "short",
                                                  "roles.0.role": "nobody", "roles.0.community_id": ""})
    assert page.status_code == 422
    assert 'id="e-password"' in page.text or 'id="e-roles-0-role"' in page.text
    page = admin.post("/console/users/new", data={"username": "lisi", "password": "temp-pass-123",
                                                  "roles.0.role": "nobody", "roles.0.community_id": ""})
    assert page.status_code == 422
    assert "care_worker" in _error_next_to(page.text, "roles.0.role")  # the plugins' roles are named too


def test_a_created_user_must_change_the_password_at_first_sign_in(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    admin = t.console()
    new = admin.get("/console/users/new").text
    assert 'value="care_worker"' in new and 'value="red_property_liaison"' in new  # plugins' roles are offered
    created = admin.post("/console/users/new", data={
        "username": "lisi", "display_name": "李四", "password": "temp-pass-123", "team": "水电班",
        "roles.0.role": "community_staff", "roles.0.community_id": str(ids["community"]),
        "roles.1.role": "", "roles.1.community_id": ""})
    assert created.status_code == 302
    user = next(u for u in t.admin.get("/api/v1/users").get_json()["items"] if u["username"] == "lisi")
    assert user["display_name"] == "李四" and user["team"] == "水电班"
    assert user["roles"] == [{"role": "community_staff", "community_id": ids["community"]}]
    assert _audit(t, "user.created")[0]["details"]["temporary_password"] is True
    listing = admin.get("/console/users?q=lis").text
    assert "lisi" in listing and "临时密码" in listing
    # the new user signs in and is sent to choose a password first
    console = ConsoleClient(wuye_app.test_client())
    response = console.post("/console/sign-in", data={"tenant": "acme", "username": "lisi",
                                                      "password": "temp-pass-123"})
    assert response.headers["Location"] == "/console/password"


def test_grants_team_reset_and_deactivation_through_the_users_page(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    t.user("lisi", "readonly", [ids["community"]])
    user_id = next(u["id"] for u in t.admin.get("/api/v1/users").get_json()["items"] if u["username"] == "lisi")
    admin = t.console()
    url = f"/console/users/{user_id}"
    assert admin.post(f"{url}/roles", data={"roles.0.role": "community_staff",
                                            "roles.0.community_id": str(ids["community"])}).status_code == 302
    assert admin.post(f"{url}/profile", data={"display_name": "李四", "team": "保洁班"}).status_code == 302
    me = t.admin.get(f"/api/v1/users/{user_id}").get_json()
    assert me["roles"] == [{"role": "community_staff", "community_id": ids["community"]}] and me["team"] == "保洁班"
    bad = admin.post(f"{url}/roles", data={"roles.0.role": "tenant_admin",
                                           "roles.0.community_id": str(ids["community"])})
    assert bad.status_code == 422 and "整个租户" in _error_next_to(bad.text, "roles.0.community_id")
    weak = admin.post(f"{url}/password", data={"password": "lisi"})
    assert weak.status_code == 422 and _error_next_to(weak.text, "password")
    assert admin.post(f"{url}/password", data={"password": "fresh-temp-456"}).status_code == 302
    assert admin.post(f"{url}/active", data={"active": "0"}).status_code == 302
    assert t.admin.get(f"/api/v1/users/{user_id}").get_json()["active"] is False
    assert {"user.roles_changed", "user.team_changed", "user.password_reset", "user.deactivated"} <= {
        row["action"] for row in t.admin.get("/api/v1/audit", query_string={"per_page": 100}).get_json()["items"]}
    own = next(u["id"] for u in t.admin.get("/api/v1/users").get_json()["items"] if u["username"] == "admin")
    refused = admin.post(f"/console/users/{own}/active", data={"active": "0"})
    assert refused.status_code == 422 and "不能停用您自己的账号" in refused.text


# --- settings ------------------------------------------------------------------------------------


def test_enabling_a_plugin_for_one_community(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    other = t.admin.post("/api/v1/communities", json={"name": "乙社区", "code": "c2"}).get_json()["id"]
    admin = t.console()
    # a community cannot have it before the tenant does: the page says why
    early = admin.post(f"/console/settings/communities/{ids['community']}/plugins/care_visits/enabled",
                       data={"enabled": "1"})
    assert early.status_code == 409 and "请先为本租户启用此插件" in early.text
    assert admin.post("/console/settings/plugins/care_visits", data={"enabled": "1"}).status_code == 302
    assert admin.post(f"/console/settings/communities/{ids['community']}/plugins/care_visits/enabled",
                      data={"enabled": "1"}).status_code == 302
    state = t.admin.get(f"/api/v1/communities/{ids['community']}/plugins/care_visits").get_json()
    assert state["enabled"] is True and state["enabled_for_tenant"] is True
    assert t.admin.get(f"/api/v1/communities/{other}/plugins/care_visits").get_json()["enabled"] is False
    assert [p["enabled_for_tenant"] for p in t.admin.get("/api/v1/plugins").get_json()["plugins"]
            if p["name"] == "care_visits"] == [True]
    page = admin.get("/console/settings").text
    assert "已启用" in page
    actions = {row["action"] for row in t.admin.get("/api/v1/audit", query_string={"per_page": 100}).get_json()["items"]}
    assert {"plugin.enabled", "plugin.community_enabled"} <= actions


def test_the_config_form_is_generated_from_the_plugins_schema(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    wuye_enable_plugin(t, "red_property", ids["community"])
    admin = t.console()
    url = f"/console/settings/communities/{ids['community']}/plugins/red_property"
    form = admin.get(url).text
    assert '<select id="f-config-cadence" name="config.cadence"' in form  # OneOf → a select
    assert 'name="config.auto_schedule"' in form and 'type="checkbox"' in form  # a boolean → a checkbox
    assert '<legend>rapid response</legend>' in form or "<legend>" in form  # nested → a fieldset
    assert 'name="config.rapid_response.arrive_minutes" type="number" value="5"' in form
    assert "联席会议周期" in form  # the label from the field's description, in Chinese
    sent = {"enabled": "1", "version": "1", "config.cadence": "weekly", "config.auto_schedule": "on",
            "config.meeting_title": "三方联席会议", "config.resolution_days": "0",
            "config.resolve_linked_tickets": "on", "config.rapid_response.enabled": "on",
            "config.rapid_response.arrive_minutes": "5", "config.rapid_response.normal_resolve_minutes": "30",
            "config.rapid_response.urgent_resolve_minutes": "30",
            "config.rapid_response.major_resolve_minutes": "240",
            "config.rapid_response.complex_resolve_minutes": "1440"}
    bad = admin.post(url, data=sent)
    assert bad.status_code == 422
    assert "1" in _error_next_to(bad.text, "config.resolution_days")
    assert 'value="0"' in bad.text  # what was typed stays
    nested = admin.post(url, data={**sent, "config.resolution_days": "14",
                                   "config.rapid_response.arrive_minutes": "abc"})
    assert nested.status_code == 422 and _error_next_to(nested.text, "config.rapid_response.arrive_minutes")
    assert t.admin.get(f"/api/v1/communities/{ids['community']}/plugins/red_property").get_json()["config"][
        "resolution_days"] == 30  # nothing of a refused form is kept
    good = admin.post(url, data={**sent, "config.resolution_days": "14", "config.auto_schedule": ""})
    assert good.status_code == 302
    state = t.admin.get(f"/api/v1/communities/{ids['community']}/plugins/red_property").get_json()
    assert state["config"]["resolution_days"] == 14 and state["config"]["cadence"] == "weekly"
    assert state["config"]["auto_schedule"] is False and state["enabled"] is True
    assert 'value="14"' in admin.get(url).text
    stale = admin.post(url, data={**sent, "config.resolution_days": "20"})  # version 1 again: someone saved since
    assert stale.status_code == 422 and "已被他人修改" in stale.text


def test_care_visits_config_form_saves_a_good_value(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    wuye_enable_plugin(t, "care_visits", ids["community"])
    admin = t.console()
    url = f"/console/settings/communities/{ids['community']}/plugins/care_visits"
    form = admin.get(url).text
    assert "A 级走访间隔（天）" in form and 'name="config.brief_office"' in form
    values = {"enabled": "1", "config.interval_a": "45", "config.interval_b": "90", "config.interval_c": "180",
              "config.first_visit_days": "14", "config.ticket_category": "其他", "config.amend_days": "7",
              "config.brief_office": ""}
    bad = admin.post(url, data={**values, "config.interval_a": "400"})
    assert bad.status_code == 422 and "366" in _error_next_to(bad.text, "config.interval_a")
    assert admin.post(url, data=values).status_code == 302
    config = t.admin.get(f"/api/v1/communities/{ids['community']}/plugins/care_visits").get_json()["config"]
    assert config["interval_a"] == 45 and config["brief_office"] is None and config["ticket_on_high_risk"] is False


# --- notifications -------------------------------------------------------------------------------


def _ticket(api, ids):
    r = api.post("/api/v1/tickets", json={"community_id": ids["community"], "site_id": ids["site"],
                                          "channel": "phone", "kind": "repair", "category": "水电维修",
                                          "title": "厨房水管漏水"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_marking_notifications_read_changes_the_badge(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    window = t.user("window", "community_staff", [ids["community"]])
    clerk = t.user("clerk", "community_staff", [ids["community"]])
    first, second = _ticket(clerk, ids), _ticket(clerk, ids)
    console = t.console("window", "password-123")
    page = console.get("/console/notifications").text
    assert '<span class="badge" data-unread>2</span>' in page
    assert f'href="/console/tickets/{first}"' in page and f'href="/console/tickets/{second}"' in page
    assert page.index(f"/console/tickets/{second}") < page.index(f"/console/tickets/{first}")  # newest first
    note_id = window.get("/api/v1/notifications").get_json()["items"][0]["id"]
    assert console.post(f"/console/notifications/{note_id}/read").status_code == 302
    page = console.get("/console/notifications?unread=1").text
    assert '<span class="badge" data-unread>1</span>' in page and f"/console/tickets/{first}" in page
    assert f"/console/tickets/{second}" not in page  # only the unread one
    assert window.get("/api/v1/notifications", query_string={"unread": "true"}).get_json()["total"] == 1
    other = t.console("clerk", "password-123")
    assert other.post(f"/console/notifications/{note_id}/read").status_code == 404  # not theirs
    assert console.post("/console/notifications/read-all").status_code == 302
    assert 'data-unread' not in console.get("/console/notifications").text
    assert window.get("/api/v1/notifications", query_string={"unread": "true"}).get_json()["total"] == 0


# --- downloads -----------------------------------------------------------------------------------


def test_downloads_are_the_apis_files_with_its_checks_and_audit(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    wuye_enable_plugin(t, "red_property", ids["community"])
    _ticket(t.admin, ids)
    admin = t.console()
    page = admin.get("/console/downloads").text
    for text in ("工单", "工单指标", "社区报告", 'name="from"', 'name="community_id"'):
        assert text in page
    assert "红色物业" in page and "care_visits" not in page  # only plugins enabled somewhere readable
    tickets = admin.get("/console/downloads/tickets.xlsx")
    assert tickets.status_code == 200 and tickets.headers["Content-Type"].startswith(XLSX)
    assert tickets.data[:2] == b"PK" and ".xlsx" in tickets.headers["Content-Disposition"]
    assert len(_audit(t, "tickets.exported")) == 1
    one = admin.get(f"/console/downloads/tickets.xlsx?community_id={ids['community']}&from=2026-01-01&to=2026-12-31")
    assert one.status_code == 200 and one.headers["Content-Type"].startswith(XLSX)
    audited = _audit(t, "tickets.exported")
    assert len(audited) == 2 and audited[0]["details"]["communities"] == [ids["community"]]
    for query in ("", f"?community_id={ids['community']}"):
        kpis = admin.get(f"/console/downloads/kpis.xlsx{query}")
        assert kpis.status_code == 200 and kpis.headers["Content-Type"].startswith(XLSX)
    wrong = admin.get("/console/downloads/tickets.xlsx?from=2026-05-01&to=2026-04-01")
    assert wrong.status_code == 422 and _error_next_to(wrong.text, "tickets-from")
    report = admin.get(f"/console/downloads/report?community_id={ids['community']}")
    assert report.status_code == 200 and "住户变动" in report.text and "三方联动" in report.text


def test_downloads_keep_to_the_communities_one_reads(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    other = t.admin.post("/api/v1/communities", json={"name": "乙社区", "code": "c2"}).get_json()["id"]
    t.user("clerk", "community_staff", [ids["community"]])
    clerk = t.console("clerk", "password-123")
    page = clerk.get("/console/downloads").text
    assert "乙社区" not in page
    refused = clerk.get(f"/console/downloads/tickets.xlsx?community_id={other}")
    assert refused.status_code == 422 and _error_next_to(refused.text, "tickets-community_id") == "不存在。"
    assert clerk.get(f"/console/downloads/kpis.xlsx?community_id={other}").status_code == 404
    assert clerk.get(f"/console/downloads/report?community_id={other}").status_code == 404
    assert _audit(t, "tickets.exported") == []


# --- tenants -------------------------------------------------------------------------------------


def test_operators_list_tenants_and_nobody_else_does(wuye_app, wuye_make_tenant, wuye_operator):
    t = wuye_make_tenant("acme", kind="subdistrict", name="径河街道")
    operator = console_login(wuye_app, None, "op", "op-pass-123")
    page = operator.get("/console/tenants")
    assert page.status_code == 200
    assert "acme" in page.text and "径河街道" in page.text and "街道办事处" in page.text
    assert "/console/users" not in page.text  # tenant data is not theirs
    assert operator.get("/console/users").status_code == 403
    assert t.console().get("/console/tenants").status_code == 403
