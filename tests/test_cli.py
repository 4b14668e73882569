"""The `wuye` command, run as a real process against the test database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from wuye_core.testing import ApiClient, login

WUYE = str(Path(sys.executable).with_name("wuye"))


@pytest.fixture
def wuye(wuye_app, wuye_backend, tmp_path):
    settings = wuye_app.config["WUYE"]
    env = {**os.environ, "WUYE_DATABASE_URL": wuye_backend.app_url, "WUYE_MIGRATE_DATABASE_URL": wuye_backend.owner_url,
           "WUYE_SECRET_KEY": settings.secret_key, "WUYE_PASSWORD_TIME_COST": "1",
           "WUYE_PASSWORD_MEMORY_COST": "1024", "WUYE_LOG_LEVEL": "WARNING"}
    env.pop("WUYE_REDIS_URL", None)

    def run(*args, check=True, extra_env=None):
        result = subprocess.run([WUYE, *args], env={**env, **(extra_env or {})}, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        if check:
            assert result.returncode == 0, result.stderr
        return result

    return run


def _count(wuye_owner_engine, wuye_backend, table, tenant_id):
    with wuye_owner_engine.connect() as conn:
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(tenant_id)})
        return conn.execute(text(f"select count(*) from {table} where tenant_id = :t"), {"t": tenant_id}).scalar()


def test_demo_json_is_idempotent_and_logs_in(wuye_app, wuye, wuye_owner_engine, wuye_backend):
    first = json.loads(wuye("demo", "--json").stdout)  # stdout is JSON and nothing else
    slugs = [t["slug"] for t in first["tenants"]]
    assert slugs == ["jinghe", "xinghe"]
    with wuye_owner_engine.connect() as conn:
        jinghe = conn.execute(text("select id from tenants where slug = 'jinghe'")).scalar()
    households = _count(wuye_owner_engine, wuye_backend, "households", jinghe)
    communities = _count(wuye_owner_engine, wuye_backend, "communities", jinghe)
    assert communities == 3 and 200 <= households <= 1000
    second = json.loads(wuye("demo", "--json").stdout)
    assert second == first
    assert _count(wuye_owner_engine, wuye_backend, "households", jinghe) == households
    for tenant in first["tenants"]:
        for user in tenant["users"]:
            client = login(wuye_app, tenant["slug"], user["username"], user["password"])
            assert client.get("/api/v1/auth/me").get_json()["roles"][0]["role"] == user["role"]
    # two residents of each tenant, of different households, sign in with a support desk's code (#19)
    for tenant in first["tenants"]:
        residents = tenant["residents"]
        assert len(residents) == 2 and residents[0]["household_id"] != residents[1]["household_id"]
        for resident in residents:
            printed = wuye("residents", "code", "--tenant", tenant["slug"], "--phone", resident["phone"]).stdout
            code = re.search(r"code: (\d{6})", printed).group(1)
            r = wuye_app.test_client().post("/api/v1/resident/auth/token", json={
                "tenant": tenant["slug"], "phone": resident["phone"], "code": code})
            assert r.status_code == 200, r.get_json()
            # their page is not empty: the community's notice, the urgent one to their household, the
            # last quarter's fee statement with its workbook
            me = ApiClient(wuye_app.test_client(), r.get_json()["access_token"])
            version = me.get("/api/v1/resident/privacy").get_json()["version"]
            assert me.post("/api/v1/resident/consent", json={"version": version}).status_code == 200
            notices = me.get("/api/v1/resident/notices").get_json()["items"]
            assert [(n["title"], n["urgent"]) for n in notices] == [("紧急停水通知", True), ("电梯年度检验通知", False)]
            [statement] = me.get("/api/v1/resident/disclosures").get_json()["items"]
            assert statement["title"].endswith("物业费收支明细"), statement
            entry = wuye_app.test_client().get(resident["h5_path"])  # their community's page (the gate's QR code)
            assert entry.status_code == 200 and 'name="phone"' in entry.get_data(as_text=True), resident["h5_path"]
    # the subdistrict has a natural village among its sites
    admin = login(wuye_app, "jinghe", "admin", "jinghe-admin-2026")
    assert "village" in {s["kind"] for s in admin.get("/api/v1/sites?per_page=100").get_json()["items"]}
    # demo tickets go to people who may work on them: the read-only viewer has none
    viewer = login(wuye_app, "jinghe", "viewer", "jinghe-view-2026")
    staff = login(wuye_app, "jinghe", "daoxiang", "daoxiang-staff-2026")
    assert viewer.get("/api/v1/tickets?mine=true").get_json()["total"] == 0
    assert staff.get("/api/v1/tickets?mine=true").get_json()["total"] > 0
    # newest first by number is newest first by date: the demo files its tickets in the order they came in
    created = [datetime.fromisoformat(t["created_at"])
               for t in admin.get("/api/v1/tickets?per_page=100").get_json()["items"]]
    assert len(created) == 100 and created == sorted(created, reverse=True)
    # the plugins' demo data, seen by the users the plugins' roles were given to
    codes = {c["code"]: c["id"] for c in admin.get("/api/v1/communities").get_json()["items"]}
    care = login(wuye_app, "jinghe", "guanai", "jinghe-care-2026")
    assert care.get(f"/api/v1/plugins/care_visits/communities/{codes['daoxiang']}/people").get_json()["total"] > 10
    assert admin.get(f"/api/v1/plugins/care_visits/communities/{codes['daoxiang']}/people").status_code == 404
    meetings = admin.get(f"/api/v1/plugins/red_property/communities/{codes['daoxiang']}/meetings",
                         query_string={"status": "held"}).get_json()
    assert meetings["total"] >= 12  # a year of monthly meetings
    _the_demo_link(wuye_app, first, admin, codes)
    _the_demo_handoffs(wuye_app, first, admin)
    said = wuye("demo").stdout  # a third time, for a person: the logins and the link
    assert "jinghe-admin-2026" in said and f"服务关系 / service link {first['service_links'][0]['id']}: xinghe" in said
    assert f"转办 / hand-off {first['handoffs'][0]['id']}: jinghe" in said


def _the_demo_handoffs(wuye_app, demo, street):
    """Over the link, one hand-off each way, delivered before the command ended (jobs in-process):
    the street's window complaint worked by the company up to resolved, the company's public-area
    problem accepted by the street; made once (the second run named the same)."""
    to_company, to_street = demo["handoffs"]
    assert (to_company["from"], to_company["to"], to_street["from"], to_street["to"]) == (
        "jinghe", "xinghe", "xinghe", "jinghe")
    assert street.get("/api/v1/handoffs").get_json()["total"] == 2
    seen = street.get(f"/api/v1/handoffs/{to_company['id']}").get_json()
    assert seen["state"] == "delivered" and seen["partner_ticket"]["status"] == "resolved"
    assert [s["step"] for s in seen["steps"]] == ["sent", "delivered", "accepted", "dispatched", "resolved"]
    received = street.get(f"/api/v1/handoffs/{to_street['id']}").get_json()
    assert received["my_side"] == "received" and received["my_ticket_id"] == to_street["to_ticket_id"]
    assert street.get(f"/api/v1/tickets/{to_street['to_ticket_id']}").get_json()["status"] == "accepted"


def _the_demo_link(wuye_app, demo, street, codes):
    """The demo company serves 海景花园 of the street's 海景北社区 through a link in force, proposed by
    the company and accepted by the street (each step once in each trail, after two runs); `wuye
    demo --json` names it with both tenants' slugs and each side's site."""
    [named] = demo["service_links"]
    assert (named["provider"], named["client"]) == ("xinghe", "jinghe")
    company = login(wuye_app, "xinghe", "admin", "xinghe-admin-2026")
    seen = {}
    for who, api in (("street", street), ("company", company)):
        link = api.get(f"/api/v1/service-links/{named['id']}").get_json()
        assert link["state"] == "accepted" and link["proposed_by"] == "provider", (who, link)
        assert (link["provider_site_id"], link["client_site_id"]) == (named["provider_site_id"], named["client_site_id"])
        assert link["provider_site_name"] == link["client_site_name"] == "海景花园"
        seen[who] = link
        trail = api.get("/api/v1/audit", query_string={"action": "link."}).get_json()["items"]
        assert [(i["action"], i["target_id"]) for i in trail] == [
            ("link.accepted", str(named["id"])), ("link.proposed", str(named["id"]))], (who, trail)
    assert seen["street"]["client_community_id"] == codes["haijingbei"]
    assert seen["street"]["partner"]["slug"] == "xinghe" and seen["company"]["partner"]["slug"] == "jinghe"
    assert street.get(f"/api/v1/sites/{named['client_site_id']}").get_json()["name"] == "海景花园"
    assert company.get(f"/api/v1/sites/{named['provider_site_id']}").get_json()["name"] == "海景花园"


def test_demo_refuses_in_production(wuye, wuye_owner_engine):
    from cryptography.fernet import Fernet

    production = {"WUYE_ENV": "production", "WUYE_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    result = wuye("demo", check=False, extra_env=production)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "生产环境（WUYE_ENV=production）不能载入演示数据" in result.stderr
    assert "demo data cannot be loaded in production" in result.stderr
    with wuye_owner_engine.connect() as conn:  # nothing was created: no tenant, no operator
        assert conn.execute(text("select count(*) from tenants")).scalar() == 0
        assert conn.execute(text("select count(*) from platform_operators")).scalar() == 0


@pytest.mark.parametrize("env", ["prod", "Production"])
def test_an_unknown_environment_stops_the_command(wuye, env):
    result = wuye("demo", check=False, extra_env={"WUYE_ENV": env})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"WUYE_ENV='{env}' 无效，可选值：development, production, test" in result.stderr
    assert "is not valid; use one of: development, production, test" in result.stderr


def test_tenants_and_users_create(wuye_app, wuye):
    out = wuye("tenants", "create", "--slug", "hk", "--name", "红科物业", "--kind", "company")
    assert "hk" in out.stdout
    assert wuye("tenants", "create", "--slug", "hk", "--name", "x", "--kind", "company", check=False).returncode != 0
    wuye("users", "create", "--tenant", "hk", "--username", "boss", "--password", "boss-pass-123",
         "--role", "tenant_admin")
    boss = login(wuye_app, "hk", "boss", "boss-pass-123")
    assert boss.post("/api/v1/communities", json={"name": "一社区", "code": "one"}).status_code == 201
    wuye("users", "create", "--tenant", "hk", "--username", "grid", "--password", "grid-pass-123",
         "--role", "community_staff", "--community", "one")
    grid = login(wuye_app, "hk", "grid", "grid-pass-123")
    assert grid.get("/api/v1/auth/me").get_json()["roles"][0]["community_id"] is not None
    bad = wuye("users", "create", "--tenant", "hk", "--username", "x", "--password", "p-12345678",
               "--role", "readonly", "--community", "nope", check=False)
    assert bad.returncode != 0 and "nope" in bad.stderr
    assert wuye("users", "create", "--tenant", "none", "--username", "x", "--password", "p",
                "--role", "readonly", check=False).returncode != 0


def test_operator_create_and_login(wuye_app, wuye):
    wuye("operators", "create", "--username", "ops", "--password", "ops-pass-123")
    ops = login(wuye_app, None, "ops", "ops-pass-123")
    assert ops.get("/api/v1/tenants").status_code == 200


def test_a_services_refusal_is_one_chinese_first_message_and_writes_nothing(wuye_app, wuye, wuye_owner_engine,
                                                                             wuye_backend):
    wuye("tenants", "create", "--slug", "hk", "--name", "红科物业", "--kind", "company")
    wuye("users", "create", "--tenant", "hk", "--username", "boss", "--password", "boss-pass-123",
         "--role", "tenant_admin")
    with wuye_owner_engine.connect() as conn:
        hk = conn.execute(text("select id from tenants where slug = 'hk'")).scalar()

    def refused(*args):
        result = wuye(*args, check=False)
        assert result.returncode == 1 and result.stdout == ""
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
        return result.stderr

    assert refused("users", "create", "--tenant", "nope", "--username", "x", "--password", "p-12345678",
                   "--role", "readonly") == "Error: 没有这个租户：nope / No such tenant: nope\n"
    assert refused("users", "create", "--tenant", "hk", "--username", "boss", "--password", "other-pass-123",
                   "--role", "readonly") == ("Error: 该用户名已被占用。; username: 已存在。 / "
                                             "This username is taken.; username: Already exists.\n")
    assert refused("users", "create", "--tenant", "hk", "--username", "grid", "--password", "grid-pass-123",
                   "--role", "community_staff", "--community", "one", "--community", "two") == (
        "Error: 没有这个社区：one, two / No such community: one, two\n")
    assert refused("tenants", "create", "--slug", "hk", "--name", "x", "--kind", "company") == (
        "Error: 该租户标识已被占用。; slug: 已存在。 / This slug is taken.; slug: Already exists.\n")
    assert _count(wuye_owner_engine, wuye_backend, "staff_users", hk) == 1  # nothing was written
    boss = login(wuye_app, "hk", "boss", "boss-pass-123")  # the first boss, as he was
    assert boss.get("/api/v1/auth/me").get_json()["roles"][0]["role"] == "tenant_admin"
    with wuye_owner_engine.connect() as conn:
        assert conn.execute(text("select count(*) from tenants where slug = 'hk'")).scalar() == 1

    # `flask --app wsgi …` runs the same commands (the app's CLI group): the same answer
    shown = wuye_app.test_cli_runner().invoke(args=["tenants", "show", "hk", "--community", "nope"])
    assert shown.exit_code == 1 and isinstance(shown.exception, SystemExit)
    assert "Error: 没有这个社区：nope / No such community: nope" in shown.output
