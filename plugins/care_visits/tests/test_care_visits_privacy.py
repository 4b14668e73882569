"""Privacy: only care roles see care data (404 for everyone else, on every care route), texts are
ciphertext in the database (and rotate with the keys), every read and export is audited."""

from __future__ import annotations

import re

from sqlalchemy import text
from wuye_care_visits.clock import today as clock_today

P = "/api/v1/plugins/care_visits"
SECRET = "机密病情"


def _care_world(tenant, wuye_register, wuye_enable_plugin):
    """One of every care object, made by a care worker; `ids` fills every path parameter."""
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0})
    worker = tenant.user("worker", "care_worker", [ids["community"]])
    boss = tenant.user("boss", "care_supervisor", [ids["community"]])
    person = worker.post(
        f"{P}/communities/{ids['community']}/people",
        json={
            "resident_id": ids["resident"],
            "level": "A",
            "health_details": SECRET,
            "hardship_details": SECRET,
            "id_number": "110101194001011234",
            "consent_photos": True,
            "consent_sharing": ["medical"],
            "emergency_contacts": [{"name": "李四", "phone": "13911112222"}],
        },
    ).get_json()
    visit = worker.post(
        f"{P}/communities/{ids['community']}/visits",
        json={
            "person_id": person["id"],
            "visited_on": clock_today().isoformat(),
            "visitors": "王五",
            "main_needs": SECRET,
            "hazards": SECRET,
            "risk_health": "high",
            "recommendation": SECRET,
        },
    ).get_json()
    referral = worker.post(
        f"{P}/visits/{visit['id']}/referrals", json={"body": "medical", "note": SECRET}
    ).get_json()
    import io

    photo = worker.post(
        f"{P}/visits/{visit['id']}/photos",
        json=None,
        data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + SECRET.encode()), "p.png", "image/png")},
    )
    worker.post(
        f"{P}/communities/{ids['community']}/plans/generate", json={"period": clock_today().strftime("%Y-%m")}
    )
    worker.post(
        f"{P}/communities/{ids['community']}/plans/weather",
        json={"levels": ["A"], "reason": "寒潮", "due_on": clock_today().isoformat()},
    )
    plan_item = worker.get(f"{P}/communities/{ids['community']}/plans").get_json()["items"][0]
    brief = boss.post(
        f"{P}/communities/{ids['community']}/briefs",
        json={
            "period_start": clock_today().replace(day=1).isoformat(),
            "period_end": clock_today().isoformat(),
        },
    ).get_json()
    assert brief["status"] == "done", brief
    ids.update(
        person=person["id"],
        visit=visit["id"],
        referral=referral["id"],
        photo=photo.get_json()["id"],
        plan_item=plan_item["id"],
        brief=brief["id"],
    )
    return ids, worker, boss


def _care_routes(wuye_app):
    for rule in wuye_app.url_map.iter_rules():
        if rule.rule.startswith(P + "/"):
            yield rule


def _fill(rule, ids):
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:\w+:)?{name}>", str(ids[name.removesuffix("_id")]), path)
    return path


def test_staff_without_a_care_role_gets_404_on_every_care_route(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, boss = _care_world(tenant, wuye_register, wuye_enable_plugin)
    clerk = tenant.user("clerk", "community_staff", [ids["community"]])
    chief = tenant.user("chief", "care_supervisor")  # tenant-wide: sees the tenant's briefs too
    # not automatically a care worker: the tenant administrator neither
    outsiders = {"clerk": clerk, "admin": tenant.admin}
    checked = 0
    for rule in _care_routes(wuye_app):
        path = _fill(rule, ids)
        for method in sorted(rule.methods & {"GET", "POST", "PATCH", "PUT", "DELETE"}):
            if method == "GET":
                seen = chief.get(path)
                assert seen.status_code == 200, (path, seen.get_json())
            for who, client in outsiders.items():
                r = client.request(method, path, json={})
                assert r.status_code == 404, (who, method, path, r.status_code, r.get_json())
                assert SECRET not in r.get_data().decode("utf-8", "replace")
                checked += 1
    assert checked >= 40
    # and a care worker of another community sees nothing of this one
    other = tenant.admin.post("/api/v1/communities", json={"name": "乙", "code": "c2"}).get_json()["id"]
    elsewhere = tenant.user("elsewhere", "care_worker", [other])
    assert elsewhere.get(f"{P}/people/{ids['person']}").status_code == 404
    assert elsewhere.get(f"{P}/communities/{ids['community']}/people").status_code == 404
    # once the admin grants themselves a care role, they see it (and the grant shows in the user list)
    users = {u["username"]: u["id"] for u in tenant.admin.get("/api/v1/users").get_json()["items"]}
    r = tenant.admin.patch(
        f"/api/v1/users/{users['admin']}",
        json={
            "roles": [{"role": "tenant_admin"}, {"role": "care_supervisor", "community_id": ids["community"]}]
        },
    )
    assert r.status_code == 200, r.get_json()
    assert tenant.admin.get(f"{P}/people/{ids['person']}").status_code == 200


def test_care_texts_are_ciphertext_in_the_database(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_owner_engine):
    tenant = wuye_make_tenant("acme")
    ids, worker, _ = _care_world(tenant, wuye_register, wuye_enable_plugin)
    assert worker.get(f"{P}/people/{ids['person']}").get_json()["health_details"] == SECRET
    with wuye_owner_engine.connect() as conn:
        if wuye_owner_engine.dialect.name == "postgresql":  # RLS is forced on the owner too: name the tenant
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(tenant.id)})
        rows = {
            "people": conn.execute(
                text(
                    "select health_details, hardship_details, id_number, emergency_contacts "
                    "from care_visits_people"
                )
            ).all(),
            "visits": conn.execute(
                text("select main_needs, hazards, recommendation from care_visits_visits")
            ).all(),
            "referrals": conn.execute(text("select note from care_visits_referrals")).all(),
            "photos": conn.execute(text("select data from care_visits_photos")).all(),
            "briefs": conn.execute(text("select docx, xlsx, figures from care_visits_briefs")).all(),
        }
    dump = repr(rows)
    assert all(rows.values()), rows.keys()
    for plain in (SECRET, "110101194001011234", "13911112222", "李四", "UE5H"):  # UE5H: base64 of a PNG
        assert plain not in dump, plain
    assert rows["people"][0][0].startswith("gAAAA")  # a Fernet token


def test_key_rotation_covers_the_plugin_columns(wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_rotate_keys):
    from wuye_care_visits.models import CareBrief, CarePerson, CarePhoto, CareVisit

    tenant = wuye_make_tenant("acme")
    ids, worker, _ = _care_world(tenant, wuye_register, wuye_enable_plugin)
    rewritten, encrypted = wuye_rotate_keys()  # a new key; the old one is gone afterwards
    assert {
        (CarePerson, "health_details"),
        (CareVisit, "hazards"),
        (CarePhoto, "data"),
        (CareBrief, "docx"),
    } <= set(encrypted)
    assert rewritten >= 6
    assert worker.get(f"{P}/people/{ids['person']}").get_json()["health_details"] == SECRET
    assert worker.get(f"{P}/visits/{ids['visit']}").get_json()["hazards"] == SECRET


def test_reads_and_exports_are_audited_with_a_reason(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, boss = _care_world(tenant, wuye_register, wuye_enable_plugin)
    before = boss.get(f"{P}/communities/{ids['community']}/access-log").get_json()["total"]
    worker.get(f"{P}/people/{ids['person']}", query_string={"reason": "核实低保申请"})
    worker.get(f"{P}/visits/{ids['visit']}")
    worker.get(f"{P}/people/{ids['person']}/export")
    worker.get(f"{P}/briefs/{ids['brief']}/brief.docx")
    log = boss.get(f"{P}/communities/{ids['community']}/access-log").get_json()
    # the supervisor's own look at the log is logged too (after its read): five new rows, newest first
    newest = [(r["username"], r["action"], r["person_id"], r["reason"]) for r in log["items"][: log["total"] - before]]
    assert newest == [
        ("worker", "export_brief_docx", None, None),
        ("worker", "export_person", ids["person"], None),
        ("worker", "read_visit", ids["person"], None),
        ("worker", "read_person", ids["person"], "核实低保申请"),
        ("boss", "read_access_log", None, None),
    ]


def test_access_log_purge_keeps_three_years(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from datetime import UTC, datetime, timedelta

    import pytest
    from wuye_care_visits.retention import purge

    tenant = wuye_make_tenant("acme")
    ids, worker, boss = _care_world(tenant, wuye_register, wuye_enable_plugin)
    worker.get(f"{P}/people/{ids['person']}")
    count = boss.get(f"{P}/communities/{ids['community']}/access-log").get_json()["total"] + 1  # + that look
    with wuye_app.app_context():
        with pytest.raises(ValueError):
            purge(years=2)
        assert purge(years=3) == 0  # nothing is that old
        # a clock set forward changes nothing: the database keeps every row younger than 3 years
        # (old rows do go: tests/test_append_only.py)
        assert purge(years=3, now=datetime.now(UTC) + timedelta(days=366 * 3 + 1)) == 0
    assert boss.get(f"{P}/communities/{ids['community']}/access-log").get_json()["total"] >= count


def test_the_tenant_brief_needs_a_tenant_wide_care_role(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, boss = _care_world(tenant, wuye_register, wuye_enable_plugin)
    period = {
        "period_start": clock_today().replace(day=1).isoformat(),
        "period_end": clock_today().isoformat(),
    }
    assert boss.post(f"{P}/briefs", json=period).status_code == 404
    assert boss.get(f"{P}/briefs").status_code == 404
    chief = tenant.user("chief", "care_supervisor")
    brief = chief.post(f"{P}/briefs", json=period).get_json()
    assert brief["scope"] == "tenant" and brief["status"] == "done", brief
    assert brief["figures"]["visits"]["made"] == 1 and brief["figures"]["people"]["total"] == 1
    assert boss.get(f"{P}/briefs/{brief['id']}").status_code == 404
    assert chief.get(f"{P}/briefs/{brief['id']}/ledger.xlsx").status_code == 200


def test_where_the_plugin_is_off_even_care_workers_get_404(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, boss = _care_world(tenant, wuye_register, wuye_enable_plugin)
    r = tenant.admin.put(
        f"/api/v1/communities/{ids['community']}/plugins/care_visits", json={"enabled": False}
    )
    assert r.status_code == 200, r.get_json()
    for path in (
        f"{P}/people/{ids['person']}",
        f"{P}/visits/{ids['visit']}",
        f"{P}/briefs/{ids['brief']}",
        f"{P}/communities/{ids['community']}/people",
    ):
        assert boss.get(path).status_code == 404, path
    wuye_enable_plugin(tenant, "care_visits", ids["community"])  # enabled again: the data is still there
    assert boss.get(f"{P}/people/{ids['person']}").get_json()["health_details"] == SECRET


def test_the_purge_command_refuses_less_than_three_years(wuye_app):
    runner = wuye_app.test_cli_runner()
    refused = runner.invoke(args=["care_visits", "purge-access-log", "--years", "2"])
    assert refused.exit_code != 0 and "2" in refused.output
    done = runner.invoke(args=["care_visits", "purge-access-log", "--years", "3"])
    assert done.exit_code == 0, done.output
    assert "deleted 0 access-log rows older than 3 years" in done.output
