"""End to end through the HTTP API: register → plan → visit with a high risk → alert and ticket →
referral outcome → brief with the right figures; plus consent, masking and erasure."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from wuye_care_visits.clock import today as clock_today

P = "/api/v1/plugins/care_visits"


def setup_care(tenant, wuye_register, wuye_enable_plugin, config=None):
    ids = wuye_register(tenant)
    # first visit due on the day of registration: the plan of this month then holds the person
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0, **(config or {})})
    worker = tenant.user("worker", "care_worker", [ids["community"]])
    supervisor = tenant.user("boss", "care_supervisor", [ids["community"]])
    staff = tenant.user("clerk", "community_staff", [ids["community"]])
    return ids, worker, supervisor, staff


def register_person(client, ids, **extra):
    body = {
        "resident_id": ids["resident"],
        "level": "A",
        "difficulties": ["elderly", "living_alone"],
        "health_details": "高血压，独自服药",
        "id_number": "110101194001011234",
        "emergency_contacts": [{"name": "李四", "relation": "儿子", "phone": "13911112222"}],
        "consent_sharing": ["civil_affairs"],
        **extra,
    }
    r = client.post(f"{P}/communities/{ids['community']}/people", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_register_plan_visit_alert_ticket_referral_brief(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_outbox):
    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, staff = setup_care(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    person = register_person(worker, ids)
    assert person["name"] == "张三" and person["health_details"] == "高血压，独自服药"

    # the list is masked; opening the record shows it whole
    listed = worker.get(f"{P}/communities/{community}/people").get_json()["items"]
    assert listed[0]["name_masked"] == "张*" and listed[0]["phone_masked"] == "138****0000"
    assert "name" not in listed[0] and "health_details" not in listed[0]

    # the plan of this month holds the new person
    today = clock_today()
    period = today.strftime("%Y-%m")
    assert worker.post(f"{P}/communities/{community}/plans/generate", json={"period": period}).get_json() == {
        "created": 1
    }
    assert worker.post(f"{P}/communities/{community}/plans/generate", json={"period": period}).get_json() == {
        "created": 0
    }  # idempotent
    items = worker.get(f"{P}/communities/{community}/plans", query_string={"period": period}).get_json()["items"]
    assert [i["status"] for i in items] == ["planned"] and items[0]["name_masked"] == "张*"
    users = {u["username"]: u["id"] for u in tenant.admin.get("/api/v1/users").get_json()["items"]}
    r = worker.patch(f"{P}/plan-items/{items[0]['id']}", json={"assignee_id": users["clerk"]})
    assert r.status_code == 422 and "assignee_id" in r.get_json()["errors"]["json"]
    assert (
        worker.patch(f"{P}/plan-items/{items[0]['id']}", json={"assignee_id": users["worker"]}).get_json()[
            "assignee_id"
        ]
        == users["worker"]
    )

    # a visit with a high safety risk: the alert event and a ticket without personal details
    visit = worker.post(
        f"{P}/communities/{community}/visits",
        json={
            "person_id": person["id"],
            "visited_on": today.isoformat(),
            "visitors": "王五、赵六",
            "needs": ["medical", "repairs"],
            "main_needs": "看病难",
            "hazards": "燃气灶软管老化",
            "risk_safety": "high",
            "risk_health": "medium",
            "help": ["repairs"],
            "help_given": "更换软管",
            "recommendation": "建议联系燃气公司全面检查",
            "followup_plan": "一周后回访",
            "next_visit_on": (today + timedelta(days=7)).isoformat(),
            "open_ticket": True,
            "ticket_text": "厨房燃气软管开裂漏气，需上门更换",
        },
    )
    assert visit.status_code == 201, visit.get_json()
    visit = visit.get_json()
    assert visit["ticket_id"] and visit["hazards"] == "燃气灶软管老化"
    ticket = tenant.admin.get(f"/api/v1/tickets/{visit['ticket_id']}").get_json()
    assert ticket["channel"] == "liaison_visit" and ticket["kind"] == "repair"
    # the ticket says what the care worker wrote for it, nothing else of the visit (all staff see tickets)
    assert "厨房燃气软管开裂漏气" in ticket["title"] and "厨房燃气软管开裂漏气" in ticket["description"]
    assert f"#{visit['id']}" in ticket["description"]
    for private in ("张三", "燃气灶软管老化", "看病难", "高血压", "一周后回访", "更换软管"):
        assert private not in str(ticket)
    names = [event.name for event in wuye_outbox(tenant)]
    assert "care_visits.high_risk" in names

    # the visit closed the plan item; the follow-up date drives the next due date
    assert worker.get(f"{P}/communities/{community}/plans").get_json()["items"][0]["status"] == "done"
    opened = worker.get(f"{P}/people/{person['id']}").get_json()
    assert opened["next_due_on"] == (today + timedelta(days=7)).isoformat() and opened["high_risk"] is True

    # referral to a body the person agreed to, followed to its outcome; others need consent
    r = worker.post(f"{P}/visits/{visit['id']}/referrals", json={"body": "legal_aid"})
    assert r.status_code == 409
    referral = worker.post(
        f"{P}/visits/{visit['id']}/referrals", json={"body": "civil_affairs", "note": "申请临时救助"}
    ).get_json()
    assert referral["status"] == "open"
    assert worker.patch(f"{P}/referrals/{referral['id']}", json={"status": "accepted"}).status_code == 200
    done = worker.patch(
        f"{P}/referrals/{referral['id']}", json={"status": "resolved", "outcome": "获批救助金"}
    )
    assert done.get_json()["status"] == "resolved" and done.get_json()["outcome"] == "获批救助金"
    assert worker.patch(f"{P}/referrals/{referral['id']}", json={"status": "accepted"}).status_code == 409

    # figures: on the plugin's endpoint and, for care roles only, on the core dashboard
    figures = {f["key"]: f["value"] for f in worker.get(f"{P}/communities/{community}/figures").get_json()}
    assert figures == {
        "care_coverage_rate": 1.0,
        "care_overdue": 0,
        "care_open_high_risks": 1,
        "care_open_referrals": 0,
    }
    dashboard = worker.get(f"/api/v1/communities/{community}/dashboard").get_json()["figures"]
    assert {f["key"] for f in dashboard if f["plugin"] == "care_visits"} == set(figures)
    dashboard = staff.get(f"/api/v1/communities/{community}/dashboard").get_json()["figures"]
    assert not [f for f in dashboard if f["plugin"] == "care_visits"]

    # a not-at-home attempt counts as an attempt, not as a visit
    worker.post(
        f"{P}/communities/{community}/visits",
        json={
            "person_id": person["id"],
            "visited_on": today.isoformat(),
            "visitors": "王五",
            "outcome": "not_home",
        },
    )

    # the brief (a job; synchronous in tests) with the right figures, then the files
    start = today.replace(day=1)
    r = supervisor.post(
        f"{P}/communities/{community}/briefs",
        json={"period_start": start.isoformat(), "period_end": today.isoformat()},
    )
    assert r.status_code == 202, r.get_json()
    brief = supervisor.get(f"{P}/briefs/{r.get_json()['id']}").get_json()
    assert brief["status"] == "done" and brief["progress"] == 100, brief
    f = brief["figures"]
    assert f["visits"]["planned"] == 1 and f["visits"]["made"] == 1 and f["visits"]["not_home"] == 1
    assert f["visits"]["high_risk_visits"] == 1 and f["visits"]["helped_visits"] == 1
    assert f["people"]["by_level"] == {"A": 1, "B": 0, "C": 0} and f["people"]["by_type"]["living_alone"] == 1
    assert f["risks"]["safety"]["high"] == 1 and f["risks"]["health"]["medium"] == 1
    assert f["referrals"]["by_body"]["civil_affairs"]["resolved"] == 1 and f["referrals"]["open_now"] == 0
    assert [p["code"] for p in f["common_problems"]] == ["medical", "repairs"]
    assert f["help"]["repairs"] == 1

    docx = supervisor.get(f"{P}/briefs/{brief['id']}/brief.docx")
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.data)) as z:
        body = z.read("word/document.xml").decode()
        header = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
    assert "困难群众走访情况简报" in body and "建议联系燃气公司全面检查" in body
    assert "导出人 boss" in body and "导出人 boss" in header and "WUYE-CARE-WATERMARK" not in body
    xlsx = worker.get(f"{P}/briefs/{brief['id']}/ledger.xlsx")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx.data))
    assert "导出人 worker" in wb["汇总"]["A1"].value
    ledger = list(wb["关爱台账"].iter_rows(values_only=True))
    assert ledger[2][1] == "张*" and ledger[2][7] == 1 and ledger[2][8] == 1

    # the access log shows the reads and exports, to the supervisor only
    log = supervisor.get(f"{P}/communities/{community}/access-log", query_string={"per_page": 100}).get_json()
    actions = [(row["username"], row["action"]) for row in log["items"]]
    assert ("worker", "read_person") in actions and ("boss", "export_brief_docx") in actions
    assert ("worker", "export_brief_xlsx") in actions
    assert worker.get(f"{P}/communities/{community}/access-log").status_code == 404


def test_photos_need_consent_and_export_and_erasure(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_owner_engine):
    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, _ = setup_care(tenant, wuye_register, wuye_enable_plugin)
    person = register_person(worker, ids)
    visit = worker.post(
        f"{P}/communities/{ids['community']}/visits",
        json={
            "person_id": person["id"],
            "visited_on": clock_today().isoformat(),
            "visitors": "王五",
            "mental_state": "情绪低落",
        },
    ).get_json()
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    photo = {"file": (io.BytesIO(png), "p.png", "image/png")}
    assert worker.post(f"{P}/visits/{visit['id']}/photos", json=None, data=photo).status_code == 409
    assert worker.patch(f"{P}/people/{person['id']}", json={"consent_photos": True}).status_code == 200
    r = worker.post(
        f"{P}/visits/{visit['id']}/photos", json=None, data={"file": (io.BytesIO(png), "p.png", "image/png")}
    )
    assert r.status_code == 201, r.get_json()
    assert worker.get(f"{P}/photos/{r.get_json()['id']}").data == png
    bad = worker.post(
        f"{P}/visits/{visit['id']}/photos",
        json=None,
        data={"file": (io.BytesIO(b"not an image"), "p.png", "image/png")},
    )
    assert bad.status_code == 422 and "file" in bad.get_json()["errors"]["files"]

    export = worker.get(f"{P}/people/{person['id']}/export", query_string={"reason": "本人申请"}).get_json()
    assert "导出人 worker" in export["watermark"] and export["visits"][0]["mental_state"] == "情绪低落"

    # erasure: supervisor only; personal data goes, the audit trail stays
    assert worker.post(f"{P}/people/{person['id']}/erase").status_code == 404
    erased = supervisor.post(f"{P}/people/{person['id']}/erase").get_json()
    assert erased["erased"] is True and erased["health_details"] is None and erased["name"] is None
    assert supervisor.get(f"{P}/visits/{visit['id']}").get_json()["mental_state"] is None
    assert supervisor.post(f"{P}/people/{person['id']}/erase").status_code == 409
    log = supervisor.get(
        f"{P}/communities/{ids['community']}/access-log", query_string={"person_id": person["id"], "per_page": 100}
    ).get_json()["items"]
    assert {"export_person", "erase_person", "read_photo"} <= {row["action"] for row in log}
    assert [row["reason"] for row in log if row["action"] == "export_person"] == ["本人申请"]
    with wuye_owner_engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("select count(*) from care_visits_photos")).scalar() == 0


def test_bad_input_is_a_422_naming_the_field(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, _ = setup_care(tenant, wuye_register, wuye_enable_plugin)
    people = f"{P}/communities/{ids['community']}/people"
    r = worker.post(
        people, json={"resident_id": ids["resident"], "level": "Z", "difficulties": ["rich"], "colour": "red"}
    )
    assert r.status_code == 422
    assert {"level", "difficulties", "colour"} <= set(r.get_json()["errors"]["json"])
    person = register_person(worker, ids)
    assert worker.post(people, json={"resident_id": ids["resident"], "level": "B"}).status_code == 409
    r = worker.post(
        f"{P}/communities/{ids['community']}/visits",
        json={
            "person_id": person["id"],
            "visited_on": "2026-01-10",
            "visitors": "x",
            "risk_health": "extreme",
            "next_visit_on": "2026-01-01",
        },
    )
    assert r.status_code == 422 and {"risk_health"} <= set(r.get_json()["errors"]["json"])
    r = worker.post(
        f"{P}/communities/{ids['community']}/briefs",
        json={"period_start": "2026-02-01", "period_end": "2026-01-01"},
    )
    assert r.status_code == 422 and "period_end" in r.get_json()["errors"]["json"]
    r = worker.post(f"{P}/communities/{ids['community']}/plans/generate", json={"period": "2026-13"})
    assert r.status_code == 422 and "period" in r.get_json()["errors"]["json"]


def test_weather_round_for_chosen_levels(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, _ = setup_care(tenant, wuye_register, wuye_enable_plugin)
    register_person(worker, ids, level="B")
    due = (clock_today() + timedelta(days=1)).isoformat()
    rounds = f"{P}/communities/{ids['community']}/plans/weather"
    assert worker.post(rounds, json={"levels": ["A"], "reason": "寒潮", "due_on": due}).get_json() == {
        "created": 0
    }
    assert worker.post(rounds, json={"levels": ["A", "B"], "reason": "寒潮", "due_on": due}).get_json() == {
        "created": 1
    }
    items = worker.get(f"{P}/communities/{ids['community']}/plans").get_json()["items"]
    assert [(i["kind"], i["reason"], i["level"]) for i in items] == [("weather", "寒潮", "B")]


def test_ticket_category_from_config_and_a_bad_one_keeps_the_visit(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, _ = setup_care(
        tenant, wuye_register, wuye_enable_plugin, {"ticket_on_high_risk": True, "ticket_category": "不存在的类别"}
    )
    person = register_person(worker, ids)
    r = worker.post(
        f"{P}/communities/{ids['community']}/visits",
        json={
            "person_id": person["id"],
            "visited_on": clock_today().isoformat(),
            "visitors": "王五",
            "risk_health": "high",
            "ticket_text": "楼道扶手松动",
        },
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["ticket_id"] is None and "category" in r.get_json()["ticket_error"]
    assert tenant.admin.get("/api/v1/tickets").get_json()["total"] == 0


def test_due_dates_follow_levels_and_follow_ups(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, staff = setup_care(tenant, wuye_register, wuye_enable_plugin, {"interval_c": 180, "interval_a": 30})
    community = ids["community"]
    person = register_person(worker, ids, level="C")
    today = clock_today()
    long_ago = today - timedelta(days=200)
    worker.post(
        f"{P}/communities/{community}/visits",
        json={"person_id": person["id"], "visited_on": long_ago.isoformat(), "visitors": "王五"},
    )
    opened = worker.get(f"{P}/people/{person['id']}").get_json()
    assert opened["next_due_on"] == (long_ago + timedelta(days=180)).isoformat() and opened["overdue"] is True
    figures = {f["key"]: f["value"] for f in worker.get(f"{P}/communities/{community}/figures").get_json()}
    assert figures["care_overdue"] == 1 and figures["care_coverage_rate"] == 0.0
    overdue = worker.get(
        f"{P}/communities/{community}/people", query_string={"overdue": "true", "reason": "月检"}
    )
    assert [p["id"] for p in overdue.get_json()["items"]] == [person["id"]]
    # the month's plan holds the overdue person (due at the latest at the start of the month)
    worker.post(f"{P}/communities/{community}/plans/generate", json={"period": today.strftime("%Y-%m")})
    item = worker.get(f"{P}/communities/{community}/plans").get_json()["items"]
    due = max(long_ago + timedelta(days=180), today.replace(day=1))
    assert [(i["person_id"], i["due_on"]) for i in item] == [(person["id"], due.isoformat())]
    # a not-at-home attempt moves nothing; a visit with a follow-up date does
    worker.post(
        f"{P}/communities/{community}/visits",
        json={
            "person_id": person["id"],
            "visited_on": today.isoformat(),
            "visitors": "王五",
            "outcome": "not_home",
        },
    )
    assert worker.get(f"{P}/people/{person['id']}").get_json()["overdue"] is True
    worker.post(
        f"{P}/communities/{community}/visits",
        json={
            "person_id": person["id"],
            "visited_on": today.isoformat(),
            "visitors": "王五",
            "next_visit_on": (today + timedelta(days=10)).isoformat(),
        },
    )
    assert (
        worker.get(f"{P}/people/{person['id']}").get_json()["next_due_on"]
        == (today + timedelta(days=10)).isoformat()
    )
    # a higher level shortens the interval; without an earlier follow-up date the level's interval counts
    worker.patch(f"{P}/people/{person['id']}", json={"level": "A"})
    worker.post(
        f"{P}/communities/{community}/visits",
        json={"person_id": person["id"], "visited_on": today.isoformat(), "visitors": "王五"},
    )
    assert (
        worker.get(f"{P}/people/{person['id']}").get_json()["next_due_on"]
        == (today + timedelta(days=30)).isoformat()
    )
    assert [
        f["key"]
        for f in staff.get(f"/api/v1/communities/{community}/dashboard").get_json()["figures"]
        if f["plugin"] == "care_visits"
    ] == []


def test_the_ticket_links_back_to_the_visit_for_care_roles_only(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, staff = setup_care(tenant, wuye_register, wuye_enable_plugin, {"ticket_on_high_risk": True})
    person = register_person(worker, ids)
    visit = worker.post(
        f"{P}/communities/{ids['community']}/visits",
        json={
            "person_id": person["id"],
            "visited_on": clock_today().isoformat(),
            "visitors": "王五",
            "risk_social": "high",
            "ticket_text": "门锁损坏，需维修",
        },
    ).get_json()
    assert visit["ticket_id"], visit
    ticket = tenant.admin.get(f"/api/v1/tickets/{visit['ticket_id']}").get_json()
    assert ticket["kind"] == "inquiry" and ticket["category"] == "其他"
    links = worker.get(f"/api/v1/tickets/{visit['ticket_id']}").get_json()["links"]
    assert [link["href"] for link in links] == [f"{P}/visits/{visit['id']}"]
    assert staff.get(f"/api/v1/tickets/{visit['ticket_id']}").get_json()["links"] == []
