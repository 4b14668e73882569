"""Every route of the care plugin writes an access-log row — who, what, which person and record —
in the same transaction as its read or change (issue #15, item 6).

`ROUTES` lists every (rule, method) of the plugin with the action it must log and the subject
it must name. A route the app serves that is not listed fails the first test: a new route must
be added here, and so be called and found in the log."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from wuye_care_visits.access import CareBlueprint, audit_actions, audited
from wuye_care_visits.clock import today

P = "/api/v1/plugins/care_visits"


def _period():
    return {"period_start": today().replace(day=1).isoformat(), "period_end": today().isoformat()}


def _remember(ids: dict, key: str, value):
    """Keep what a request created for a later request's subject (the case the DELETE removes)."""
    ids[key] = value
    return value


# (rule below P, METHOD): (action, request, subject). `request(ids)` → (path, keyword arguments
# for the client); `subject(ids, answer)` → (community_id, person_id, object_type, object_id) the
# row must name, `answer` being the response's JSON (for what the request created).
# Ordered: each request may rely on what the ones before made; the erasure comes last.
ROUTES = {
    ("/communities/<int:community_id>/people", "GET"): (
        "list_people", lambda i: (f"/communities/{i['community']}/people", {}),
        lambda i, a: (i["community"], None, None, None)),
    ("/communities/<int:community_id>/people", "POST"): (
        "create_person",
        lambda i: (f"/communities/{i['community']}/people",
                   {"json": {"resident_id": i["resident2"], "level": "B", "health_details": "咳嗽"}}),
        lambda i, a: (i["community"], a["id"], "person", a["id"])),
    ("/people/<int:person_id>", "GET"): (
        "read_person", lambda i: (f"/people/{i['person']}", {}),
        lambda i, a: (i["community"], i["person"], "person", i["person"])),
    ("/people/<int:person_id>", "PATCH"): (
        "change_person", lambda i: (f"/people/{i['person']}", {"json": {"level": "B"}}),
        lambda i, a: (i["community"], i["person"], "person", i["person"])),
    ("/people/<int:person_id>/export", "GET"): (
        "export_person", lambda i: (f"/people/{i['person']}/export", {}),
        lambda i, a: (i["community"], i["person"], "person", i["person"])),
    ("/communities/<int:community_id>/visits", "GET"): (
        "list_visits", lambda i: (f"/communities/{i['community']}/visits", {"query_string": {"person_id": i["person"]}}),
        lambda i, a: (i["community"], i["person"], None, None)),
    ("/communities/<int:community_id>/visits", "POST"): (
        "create_visit",
        lambda i: (f"/communities/{i['community']}/visits",
                   {"json": {"person_id": i["person"], "visited_on": today().isoformat(), "visitors": "王五",
                             "main_needs": "买药"}}),
        lambda i, a: (i["community"], i["person"], "visit", a["id"])),
    ("/visits/<int:visit_id>", "GET"): (
        "read_visit", lambda i: (f"/visits/{i['visit']}", {}),
        lambda i, a: (i["community"], i["person"], "visit", i["visit"])),
    ("/visits/<int:visit_id>", "PATCH"): (
        "amend_visit", lambda i: (f"/visits/{i['visit']}", {"json": {"visitors": "王五、赵六", "reason": "补记同行人"}}),
        lambda i, a: (i["community"], i["person"], "visit", i["visit"])),
    ("/visits/<int:visit_id>/referrals", "POST"): (
        "create_referral",
        lambda i: (f"/visits/{i['visit']}/referrals", {"json": {"body": "medical", "note": "复诊"}}),
        lambda i, a: (i["community"], i["person"], "referral", a["id"])),
    ("/referrals/<int:referral_id>", "GET"): (
        "read_referral", lambda i: (f"/referrals/{i['referral']}", {}),
        lambda i, a: (i["community"], i["person"], "referral", i["referral"])),
    ("/referrals/<int:referral_id>", "PATCH"): (
        "change_referral", lambda i: (f"/referrals/{i['referral']}", {"json": {"status": "accepted"}}),
        lambda i, a: (i["community"], i["person"], "referral", i["referral"])),
    ("/communities/<int:community_id>/referrals", "GET"): (
        "list_referrals", lambda i: (f"/communities/{i['community']}/referrals", {}),
        lambda i, a: (i["community"], None, None, None)),
    ("/visits/<int:visit_id>/photos", "POST"): (
        "add_photo",
        lambda i: (f"/visits/{i['visit']}/photos",
                   {"data": {"file": (io.BytesIO(b"\x89PNG\r\n\x1a\nxx"), "p.png", "image/png")}}),
        lambda i, a: (i["community"], i["person"], "photo", a["id"])),
    ("/photos/<int:photo_id>", "GET"): (
        "read_photo", lambda i: (f"/photos/{i['photo']}", {}),
        lambda i, a: (i["community"], i["person"], "photo", i["photo"])),
    ("/communities/<int:community_id>/plans/generate", "POST"): (
        "generate_plan",
        lambda i: (f"/communities/{i['community']}/plans/generate", {"json": {"period": today().strftime("%Y-%m")}}),
        lambda i, a: (i["community"], None, None, None)),
    ("/communities/<int:community_id>/plans/weather", "POST"): (
        "weather_round",
        lambda i: (f"/communities/{i['community']}/plans/weather",
                   {"json": {"levels": ["A", "B"], "reason": "寒潮", "due_on": today().isoformat()}}),
        lambda i, a: (i["community"], None, None, None)),
    ("/communities/<int:community_id>/plans", "GET"): (
        "list_plans", lambda i: (f"/communities/{i['community']}/plans", {}),
        lambda i, a: (i["community"], None, None, None)),
    ("/plan-items/<int:plan_item_id>", "PATCH"): (
        "assign_plan_item", lambda i: (f"/plan-items/{i['plan_item']}", {"json": {"assignee_id": None}}),
        lambda i, a: (i["community"], i["person"], "plan_item", i["plan_item"])),
    ("/communities/<int:community_id>/figures", "GET"): (
        "read_figures", lambda i: (f"/communities/{i['community']}/figures", {}),
        lambda i, a: (i["community"], None, None, None)),
    ("/communities/<int:community_id>/briefs", "POST"): (
        "create_brief", lambda i: (f"/communities/{i['community']}/briefs", {"json": _period()}),
        lambda i, a: (i["community"], None, "brief", a["id"])),
    ("/communities/<int:community_id>/briefs", "GET"): (
        "list_briefs", lambda i: (f"/communities/{i['community']}/briefs", {}),
        lambda i, a: (i["community"], None, None, None)),
    ("/briefs", "POST"): (
        "create_brief", lambda i: ("/briefs", {"json": _period()}),
        lambda i, a: (None, None, "brief", a["id"])),
    ("/briefs", "GET"): (
        "list_briefs", lambda i: ("/briefs", {}),
        lambda i, a: (None, None, None, None)),
    ("/briefs/<int:brief_id>", "GET"): (
        "read_brief", lambda i: (f"/briefs/{i['brief']}", {}),
        lambda i, a: (i["community"], None, "brief", i["brief"])),
    ("/briefs/<int:brief_id>/brief.docx", "GET"): (
        "export_brief_docx", lambda i: (f"/briefs/{i['brief']}/brief.docx", {}),
        lambda i, a: (i["community"], None, "brief", i["brief"])),
    ("/briefs/<int:brief_id>/ledger.xlsx", "GET"): (
        "export_brief_xlsx", lambda i: (f"/briefs/{i['brief']}/ledger.xlsx", {}),
        lambda i, a: (i["community"], None, "brief", i["brief"])),
    ("/briefs/<int:brief_id>/cases/<int:visit_id>", "PUT"): (
        "mark_case", lambda i: (f"/briefs/{i['brief']}/cases/{i['visit']}", {"json": {"text": "独居多年，已协助就医"}}),
        lambda i, a: (i["community"], i["person"], "brief_case", _remember(i, "case", a["id"]))),
    ("/briefs/<int:brief_id>/cases/<int:visit_id>", "DELETE"): (
        "unmark_case", lambda i: (f"/briefs/{i['brief']}/cases/{i['visit']}", {}),
        lambda i, a: (i["community"], i["person"], "brief_case", i["case"])),
    ("/briefs/<int:brief_id>/issue", "POST"): (
        "issue_brief", lambda i: (f"/briefs/{i['brief']}/issue", {"json": {"followup_notes": "春节前集中走访"}}),
        lambda i, a: (i["community"], None, "brief", i["brief"])),
    ("/communities/<int:community_id>/access-log", "GET"): (
        "read_access_log",
        lambda i: (f"/communities/{i['community']}/access-log", {"query_string": {"person_id": i["person"]}}),
        lambda i, a: (i["community"], i["person"], None, None)),
    ("/people/<int:person_id>/erase", "POST"): (
        "erase_person", lambda i: (f"/people/{i['person']}/erase", {}),
        lambda i, a: (i["community"], i["person"], "person", i["person"])),
}


def test_every_care_route_is_listed_and_declares_its_action(wuye_app):
    served = {(rule.removeprefix(P), method): action for (rule, method), action in audit_actions(wuye_app).items()}
    assert set(served) - set(ROUTES) == set(), "care routes this test does not call: add them to ROUTES"
    assert set(ROUTES) - set(served) == set(), "ROUTES lists routes the plugin no longer serves"
    assert served == {key: action for key, (action, _, _) in ROUTES.items()}


def _world(tenant, wuye_register, wuye_enable_plugin):
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0})
    r = tenant.admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "李四"})
    assert r.status_code == 201, r.get_json()
    ids["resident2"] = r.get_json()["id"]
    worker = tenant.user("worker", "care_worker", [ids["community"]])
    person = worker.post(f"{P}/communities/{ids['community']}/people", json={
        "resident_id": ids["resident"], "level": "A", "consent_photos": True, "consent_sharing": ["medical"],
    }).get_json()
    visit = worker.post(f"{P}/communities/{ids['community']}/visits", json={
        "person_id": person["id"], "visited_on": today().isoformat(), "visitors": "王五",
    }).get_json()
    referral = worker.post(f"{P}/visits/{visit['id']}/referrals", json={"body": "medical"}).get_json()
    photo = worker.post(f"{P}/visits/{visit['id']}/photos", json=None, data={
        "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "p.png", "image/png")}).get_json()
    worker.post(f"{P}/communities/{ids['community']}/plans/weather",
                json={"levels": ["A"], "reason": "高温", "due_on": today().isoformat()})
    plan_item = worker.get(f"{P}/communities/{ids['community']}/plans").get_json()["items"][0]
    brief = worker.post(f"{P}/communities/{ids['community']}/briefs", json=_period()).get_json()
    assert brief["status"] == "done", brief
    ids.update(person=person["id"], visit=visit["id"], referral=referral["id"], photo=photo["id"],
               plan_item=plan_item["id"], brief=brief["id"])
    return ids


def _log_after(wuye_app, tenant, last_id):
    from wuye_care_visits.models import CareAccessLog

    from wuye_core.plugins import db, tenant_context

    with wuye_app.app_context(), tenant_context(tenant.id):
        return [
            (row.username, row.action, row.community_id, row.person_id, row.object_type, row.object_id)
            for row in db.session.scalars(
                select(CareAccessLog).where(CareAccessLog.id > last_id).order_by(CareAccessLog.id)
            ).all()
        ], db.session.scalar(select(CareAccessLog.id).order_by(CareAccessLog.id.desc()).limit(1)) or 0


def test_every_care_route_writes_its_access_log_row(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = _world(tenant, wuye_register, wuye_enable_plugin)
    chief = tenant.user("chief", "care_supervisor")  # tenant-wide: every route, the tenant's briefs too
    _, last = _log_after(wuye_app, tenant, 0)
    for (rule, method), (action, request, subject) in ROUTES.items():
        path, kwargs = request(ids)
        r = chief.request(method, P + path, **kwargs)
        assert r.status_code < 300, (method, path, r.status_code, r.get_data(as_text=True)[:300])
        answer = r.get_json(silent=True) or {}
        rows, last = _log_after(wuye_app, tenant, last)
        assert rows == [("chief", action, *subject(ids, answer))], (method, rule)


def test_a_refused_change_leaves_no_row_and_a_write_commits_with_its_row(wuye_app, wuye_make_tenant, wuye_register,
                                                                         wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = _world(tenant, wuye_register, wuye_enable_plugin)
    worker = tenant.user("worker2", "care_worker", [ids["community"]])
    _, last = _log_after(wuye_app, tenant, 0)
    # open → open is not a move the referral can make: 409, and nothing was changed, nor logged
    r = worker.patch(f"{P}/referrals/{ids['referral']}", json={"status": "open"})
    assert r.status_code == 409, r.get_json()
    rows, last = _log_after(wuye_app, tenant, last)
    assert rows == []
    r = worker.patch(f"{P}/referrals/{ids['referral']}", json={"status": "accepted", "outcome": "已受理"})
    assert r.status_code == 200 and r.get_json()["status"] == "accepted", r.get_json()
    rows, last = _log_after(wuye_app, tenant, last)
    assert rows == [("worker2", "change_referral", ids["community"], ids["person"], "referral", ids["referral"])]


def test_a_care_view_without_an_action_is_refused_when_the_app_is_built():
    from flask import Flask
    from flask.views import MethodView

    blp = CareBlueprint("care_test_unaudited", __name__)

    @blp.route("/forgotten")
    class Forgotten(MethodView):
        def get(self):
            return {}

    with pytest.raises(RuntimeError, match=r"care_test_unaudited\.Forgotten GET"):
        Flask("scratch").register_blueprint(blp)


def test_a_view_that_declares_an_action_but_writes_no_row_fails_loudly():
    from flask import Flask

    @audited("read_something")
    def view():
        return {}

    with Flask("scratch").test_request_context("/"):
        with pytest.raises(RuntimeError, match="read_something"):
            view()
