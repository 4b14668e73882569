"""Tenant isolation: the first property of the system.

The endpoint matrix walks every route of the app, so a route added later is covered
without anyone remembering to add it here; a route whose path parameter is unknown to the
matrix fails the test until the matrix learns it.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import create_engine, inspect, select, text

from wuye_core.extensions import db
from wuye_core.households.models import Resident
from wuye_core.tenancy import TenantContextError, tenant_context
from wuye_core.testing import login, resident_login

SECRET = "甲方机密"  # appears in every name of tenant A's objects
PLATFORM_ONLY = ("/api/v1/tenants",)
RESIDENTS = "/api/v1/resident/"  # a resident's own routes (resident_access/routes.py)
WEBHOOKS = "/api/v1/webhooks/"  # plugins' inbound webhooks (host/webhooks.py): public, the tenant by its slug
PLUGIN = "sample"  # loaded by tests/conftest.py; enabled for both tenants below


def _a_ids(tenant, wuye_register, wuye_enable_plugin):
    ids = wuye_register(tenant, prefix=SECRET)
    staff = tenant.admin.post("/api/v1/users", json={
        "username": "a-staff", "display_name": SECRET, "password": "password-123",
        "roles": [{"role": "community_staff", "community_id": ids["community"]}]})
    assert staff.status_code == 201
    ids["user"] = staff.get_json()["id"]
    wuye_enable_plugin(tenant, PLUGIN, ids["community"], {"greeting": SECRET})
    note = tenant.admin.post(f"/api/v1/plugins/{PLUGIN}/communities/{ids['community']}/notes", json={"text": SECRET})
    assert note.status_code == 201
    ids["note"] = note.get_json()["id"]
    ids["plugin_name"] = PLUGIN
    ticket = tenant.admin.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
        "category": "电梯", "title": SECRET, "description": SECRET})
    assert ticket.status_code == 201, ticket.get_json()
    ids["ticket"] = ticket.get_json()["id"]
    png = b"\x89PNG\r\n\x1a\n" + SECRET.encode() * 4
    attachment = tenant.admin.post(f"/api/v1/tickets/{ids['ticket']}/attachments",
                                   data={"file": (io.BytesIO(png), f"{SECRET}.png", "image/png")})
    assert attachment.status_code == 201, attachment.get_json()
    ids["attachment"] = attachment.get_json()["id"]
    ids["import"] = _an_import(tenant, ids["community"])
    notice = tenant.admin.post("/api/v1/notices", json={
        "community_id": ids["community"], "audience": "community", "title": SECRET, "body": SECRET})
    assert notice.status_code == 201, notice.get_json()
    ids["notice"] = notice.get_json()["id"]
    ids.update(_a_disclosure(tenant, ids))
    ids.update(_care_visits_ids(tenant, ids, wuye_enable_plugin))
    _red_property_ids(tenant, ids, wuye_enable_plugin)
    ids.update(_welfare_jobs_ids(tenant, ids, wuye_enable_plugin))
    ids.update(_volunteers_ids(tenant, ids, wuye_enable_plugin))
    ids.update(_fees_ids(tenant, ids, wuye_enable_plugin))
    users = {u["username"]: u["id"] for u in tenant.admin.get("/api/v1/users").get_json()["items"]}
    if "a-staff" in users:  # dispatching notifies a-staff: the matrix then covers notifications too
        r = tenant.admin.post(f"/api/v1/tickets/{ids['ticket']}/transitions",
                              json={"action": "dispatch", "assignee_id": users["a-staff"]})
        assert r.status_code == 200, r.get_json()
        staff = login(tenant.app, tenant.slug, "a-staff", "password-123")
        ids["notification"] = staff.get("/api/v1/notifications").get_json()["items"][0]["id"]
    # the core's notifications got the dispatch event: a delivery record of A's (retry is POST only)
    ids["delivery"] = tenant.admin.get("/api/v1/plugin-deliveries?state=delivered").get_json()["items"][0]["id"]
    ids["request"] = _a_deletion_request(tenant)
    return ids


def _a_disclosure(tenant, ids) -> dict:
    """A disclosure of A's site with a file, both named with the marker (disclosures/)."""
    from datetime import timedelta

    from wuye_core.common.clock import local_today

    pdf = b"%PDF-1.4\n" + SECRET.encode() * 4
    file = tenant.admin.post("/api/v1/disclosures/files", json=None,
                             data={"file": (io.BytesIO(pdf), f"{SECRET}.pdf", "application/pdf")})
    assert file.status_code == 201, file.get_json()
    today = local_today()
    disclosure = tenant.admin.post("/api/v1/disclosures", json={
        "community_id": ids["community"], "site_id": ids["site"], "kind": "public_income", "title": SECRET,
        "summary": SECRET, "period_start": "2026-07-01", "period_end": "2026-09-30", "publish_from": today.isoformat(),
        "publish_until": (today + timedelta(days=7)).isoformat(), "file_ids": [file.get_json()["id"]]})
    assert disclosure.status_code == 201, disclosure.get_json()
    return {"disclosure": disclosure.get_json()["id"], "disclosure_file": file.get_json()["id"]}


def _a_deletion_request(tenant) -> int:
    """A resident of A (the register's 13800000000, signed in with a support-desk code) asks for
    their data to be deleted; the reason carries the marker (/api/v1/deletion-requests/<request_id>)."""
    from wuye_core.resident_access.codes import issue_code
    from wuye_core.tenancy.context import reset_tenant
    from wuye_core.testing import ApiClient

    with tenant.app.app_context(), tenant_context(tenant.id):
        code = issue_code("13800000000", channel="support")
        db.session.commit()
        db.session.remove()
    reset_tenant()
    token = tenant.app.test_client().post("/api/v1/resident/auth/token", json={
        "tenant": tenant.slug, "phone": "13800000000", "code": code})
    assert token.status_code == 200, token.get_json()
    resident = ApiClient(tenant.app.test_client(), token.get_json()["access_token"])
    request = resident.post("/api/v1/resident/deletion-requests", json={"reason": SECRET})
    assert request.status_code == 201, request.get_json()
    return request.get_json()["id"]


def _linked_ids(tenant, ids, wuye_make_tenant, wuye_register, wuye_service_link) -> None:
    """A service link of A with a third tenant (a company serving A's site), and a hand-off of A's
    ticket over it: B is neither side."""
    if "link" not in ids:  # _red_property_ids made one for A's agreement: the hand-off goes over it
        partner = wuye_make_tenant("tenant-a-partner", name="甲方伙伴")
        partner_site = wuye_register(partner, prefix="伙伴")["site"]
        ids["link"] = wuye_service_link(tenant, ids["site"], partner, partner_site)
    handoff = tenant.admin.post(f"/api/v1/tickets/{ids['ticket']}/handoff", json={"note": SECRET})
    assert handoff.status_code == 201, handoff.get_json()
    ids["handoff"] = handoff.get_json()["id"]


RED = "/api/v1/plugins/red_property"


def _red_property_ids(tenant, ids, wuye_enable_plugin):
    """One of each object of the red_property plugin for A, every text carrying the secret."""
    wuye_enable_plugin(tenant, "red_property", ids["community"], {"meeting_title": SECRET})
    c = ids["community"]

    def made(response):
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    meeting = made(tenant.admin.post(f"{RED}/communities/{c}/meetings", json={
        "location": SECRET, "participants": [{"side": "property", "name": SECRET}]}))
    ids["meeting"], ids["participant"] = meeting["id"], meeting["participants"][0]["id"]
    ids["agenda_item"] = made(tenant.admin.post(f"{RED}/tickets/{ids['ticket']}/escalation", json={"note": SECRET}))["id"]
    ids["resolution"] = made(tenant.admin.post(f"{RED}/meetings/{meeting['id']}/resolutions", json={
        "text": SECRET, "owner_side": "property", "owner_name": SECRET, "agenda_item_id": ids["agenda_item"]}))["id"]
    made(tenant.admin.post(f"{RED}/resolutions/{ids['resolution']}/follow-ups", json={"note": SECRET}))
    visit = made(tenant.admin.post(f"{RED}/communities/{c}/visits", json={
        "site_id": ids["site"], "officer": SECRET, "notes": SECRET, "problems": [{"description": SECRET}]}))
    ids["red_property:visit"], ids["problem"] = visit["id"], visit["problems"][0]["id"]
    # a co-building agreement names a company by its service link; the link is A's too (/service-links/<link_id>)
    link = ids["link"] = _a_company_link(tenant, ids["site"])
    ids["agreement"] = made(tenant.admin.post(f"{RED}/communities/{c}/agreements", json={
        "service_link_id": link, "community_party": SECRET, "signed_on": "2026-01-01", "starts_on": "2026-01-01",
        "scope": SECRET, "site_ids": [ids["site"]]}))["id"]
    ids["dual_post"] = made(tenant.admin.post(f"{RED}/communities/{c}/dual-posts", json={
        "person_name": SECRET, "community_post": SECRET, "property_post": SECRET}))["id"]
    ids["shared_service"] = made(tenant.admin.post(f"{RED}/communities/{c}/shared-services", json={
        "name": SECRET, "description": SECRET}))["id"]


def _a_company_link(tenant, site_id) -> int:
    """A third tenant, a company, serving A's site through an accepted service link (as the
    `wuye_service_link` fixture makes one); the link's id."""
    from wuye_core.tenancy.context import reset_tenant
    from wuye_core.tenants.service import create_tenant

    with tenant.app.app_context():
        create_tenant(f"{tenant.slug}-company", "乙方以外的物业", "company", admin_username="admin",
                      admin_password="admin-pass-123")
        db.session.commit()
        db.session.remove()
    reset_tenant()
    company = login(tenant.app, f"{tenant.slug}-company", "admin", "admin-pass-123")
    community = company.post("/api/v1/communities", json={"name": "企社区", "code": "c1"}).get_json()["id"]
    site = company.post("/api/v1/sites", json={"community_id": community, "name": "企小区", "kind": "compound"})
    proposal = company.post("/api/v1/service-links", json={
        "partner": tenant.slug, "site_id": site.get_json()["id"], "side": "provider"})
    assert proposal.status_code == 201, proposal.get_json()
    accepted = tenant.admin.post(f"/api/v1/service-links/{proposal.get_json()['id']}/accept", json={"site_id": site_id})
    assert accepted.status_code == 200, accepted.get_json()
    return proposal.get_json()["id"]


def _enable_red_property_for_b(tenant, community_id, wuye_enable_plugin):
    wuye_enable_plugin(tenant, "red_property", community_id)


def _care_visits_ids(tenant, ids, wuye_enable_plugin) -> dict:
    """One of each care_visits object of A (texts carry the marker), made by an A care worker."""
    from datetime import date

    p = "/api/v1/plugins/care_visits"
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0})
    worker = tenant.user("a-care", "care_supervisor", [ids["community"]])
    person = worker.post(f"{p}/communities/{ids['community']}/people", json={
        "resident_id": ids["resident"], "level": "A", "health_details": SECRET, "consent_photos": True,
        "consent_sharing": ["medical"]})
    assert person.status_code == 201, person.get_json()
    person = person.get_json()["id"]
    visit = worker.post(f"{p}/communities/{ids['community']}/visits", json={
        "person_id": person, "visited_on": date.today().isoformat(), "visitors": SECRET, "hazards": SECRET})
    assert visit.status_code == 201, visit.get_json()
    visit = visit.get_json()["id"]
    referral = worker.post(f"{p}/visits/{visit}/referrals", json={"body": "medical", "note": SECRET}).get_json()
    photo = worker.post(f"{p}/visits/{visit}/photos", json=None, data={
        "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + SECRET.encode()), f"{SECRET}.png", "image/png")}).get_json()
    worker.post(f"{p}/communities/{ids['community']}/plans/weather",
                json={"levels": ["A"], "reason": SECRET, "due_on": date.today().isoformat()})
    plan_item = worker.get(f"{p}/communities/{ids['community']}/plans").get_json()["items"][0]["id"]
    brief = worker.post(f"{p}/communities/{ids['community']}/briefs", json={
        "period_start": date.today().replace(day=1).isoformat(), "period_end": date.today().isoformat()})
    assert brief.status_code == 202, brief.get_json()
    return {"person": person, "care_visits:visit": visit, "referral": referral["id"], "photo": photo["id"],
            "plan_item": plan_item, "brief": brief.get_json()["id"]}


def _care_visits_for_b(b, community_id, wuye_enable_plugin) -> None:
    """B's admin holds a tenant-wide care role in B: the 404s on A's care objects are isolation,
    not merely a missing role."""
    wuye_enable_plugin(b, "care_visits", community_id)
    users = {u["username"]: u["id"] for u in b.admin.get("/api/v1/users").get_json()["items"]}
    r = b.admin.patch(f"/api/v1/users/{users['admin']}", json={"roles": [
        {"role": "tenant_admin"}, {"role": "care_supervisor"}]})
    assert r.status_code == 200, r.get_json()


def _welfare_jobs_ids(tenant, ids, wuye_enable_plugin) -> dict:
    """One post, worker (linked to A's resident), placement and document of welfare_jobs for A."""
    from datetime import date

    p = "/api/v1/plugins/welfare_jobs"
    c = ids["community"]
    wuye_enable_plugin(tenant, "welfare_jobs", c, {"claim_office": SECRET})

    def made(response):
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    post = made(tenant.admin.post(f"{p}/communities/{c}/posts", json={
        "kind": "cleaning", "name": SECRET, "site_id": ids["site"], "headcount": 2, "approval_ref": SECRET,
        "approved_from": "2020-01-01", "note": SECRET}))
    worker = made(tenant.admin.post(f"{p}/communities/{c}/workers", json={
        "name": SECRET, "id_number": "420117198001010014", "group": "hard_to_employ", "evidence_ref": SECRET,
        "resident_id": ids["resident"]}))
    placement = made(tenant.admin.post(f"{p}/communities/{c}/placements", json={
        "worker_id": worker, "post_id": post, "starts_on": date.today().isoformat()}))
    document = made(tenant.admin.post(f"{p}/workers/{worker}/documents", json=None, data={
        "file": (io.BytesIO(b"%PDF-1.4 " + SECRET.encode()), f"{SECRET}.pdf")}))
    policy = made(tenant.admin.post(f"{p}/workers/{worker}/policies", json={
        "kind": "pension", "insurer": SECRET, "policy_no": SECRET, "starts_on": "2026-01-01",
        "ends_on": "2026-12-31"}))
    r = tenant.admin.post(f"{p}/communities/{c}/subsidies/2025-11/compute")  # its 花名册, headed by the secret office
    assert r.status_code == 200, r.get_json()
    from wuye_welfare_jobs import models as wj

    with tenant.app.app_context(), tenant_context(tenant.id):  # the health check and grade, straight in
        check = wj.HealthCheck(community_id=c, worker_id=worker, year=2026, due_on=date(2026, 6, 30), note=SECRET)
        assessment = wj.Assessment(community_id=c, worker_id=worker, year=2025, grade="competent",
                                   assessed_on=date(2025, 12, 31), assessed_by="admin", note=SECRET)
        day = wj.Attendance(community_id=c, worker_id=worker, placement_id=placement, post_id=post,
                            day=date.today(), status="present", note=SECRET, source="console", recorded_by="admin")
        db.session.add_all([check, assessment, day])
        db.session.commit()
        rows = {"welfare_jobs:check": check.id, "welfare_jobs:assessment": assessment.id,
                "welfare_jobs:attendance": day.id}
        db.session.remove()
    return {"welfare_jobs:post": post, "welfare_jobs:worker": worker, "welfare_jobs:placement": placement,
            "welfare_jobs:document": document, "welfare_jobs:policy": policy, **rows,
            "month": "2025-11", "year": 2025}


def _volunteers_ids(tenant, ids, wuye_enable_plugin) -> dict:
    """One of each volunteers object of A (a member linked to A's resident; every text carries the
    marker), written straight through the plugin's models: the matrix is about reading them."""
    from datetime import UTC, date, datetime, timedelta

    from wuye_volunteers import models as vl

    c = ids["community"]
    wuye_enable_plugin(tenant, "volunteers", c, {"alliance_name": SECRET, "time_bank": True})
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    with tenant.app.app_context(), tenant_context(tenant.id):
        member = vl.Member(community_id=c, name=SECRET, kind="party_member", phone="13912345678",
                           resident_id=ids["resident"], party_org=SECRET, joined_on=date(2026, 1, 1),
                           availability=["weekend"], consent_contact=True, note=SECRET, created_by="admin")
        db.session.add(member)
        db.session.flush()
        team = vl.Team(community_id=c, name=SECRET, kind="environment", leader_member_id=member.id,
                       description=SECRET, created_by="admin")
        series = vl.Series(community_id=c, title=SECRET, place=SECRET, weekday=5, start_time="08:30",
                           duration_minutes=120, first_date=date(2026, 1, 3), created_by="admin")
        training = vl.Training(community_id=c, title=SECRET, skill="legal", held_on=date(2026, 3, 1), minutes=90,
                               note=SECRET, created_by="admin")
        db.session.add_all([team, series, training])
        db.session.flush()
        activity = vl.Activity(community_id=c, series_id=series.id, team_id=team.id, title=SECRET,
                               description=SECRET, place=SECRET, starts_at=start, ends_at=start + timedelta(hours=2),
                               capacity=5, skills_wanted=[], checkin_token=f"a-token-{SECRET}", organiser="admin",
                               created_by="admin")
        task = vl.Task(community_id=c, source="request", title=SECRET, description=SECRET, requester_name=SECRET,
                       requester_phone="13912345678", created_by="admin")
        db.session.add_all([activity, task, vl.TeamMember(community_id=c, team_id=team.id, member_id=member.id,
                                                          joined_on=date(2026, 1, 1)),
                            vl.MemberSkill(community_id=c, member_id=member.id, skill="legal", level="expert"),
                            vl.TrainingAttendance(community_id=c, training_id=training.id, member_id=member.id,
                                                  passed=True, recorded_by="admin")])
        db.session.flush()
        signup = vl.Signup(community_id=c, activity_id=activity.id, member_id=member.id, status="confirmed",
                           signed_up_at=start - timedelta(days=1))
        record = vl.ServiceRecord(community_id=c, member_id=member.id, source="activity", source_id=activity.id,
                                  content=SECRET, place=SECRET, started_at=start, ended_at=start + timedelta(hours=2),
                                  minutes=120, organiser=SECRET, confirmed_by="admin", confirmed_at=start)
        db.session.add_all([signup, record])
        db.session.flush()
        certificate = vl.Certificate(community_id=c, member_id=member.id, number=f"{SECRET}1",
                                     period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), minutes=120,
                                     records=1, purpose=SECRET, issued_by="admin")
        entry = vl.LedgerEntry(community_id=c, member_id=member.id, kind="earn", points=20, balance=20,
                               record_id=record.id, description=SECRET, by="admin")
        db.session.add_all([certificate, entry, vl.RecordCorrection(community_id=c, record_id=record.id,
                                                                     changes={"place": [SECRET, SECRET]},
                                                                     reason=SECRET, by="admin")])
        db.session.commit()
        found = {"volunteers:member": member.id, "volunteers:team": team.id, "volunteers:series": series.id,
                 "volunteers:activity": activity.id, "volunteers:signup": signup.id, "volunteers:record": record.id,
                 "volunteers:certificate": certificate.id, "volunteers:task": task.id,
                 "volunteers:training": training.id, "volunteers:entry": entry.id}
        db.session.remove()
    return found


def _fees_ids(tenant, ids, wuye_enable_plugin) -> dict:
    """One of each fees object of A (a home of A's unit billed to A's household, paid, refunded; a
    shop let to a payer; every text carries the marker), written straight through the plugin's
    models: the matrix is about reading them."""
    from datetime import UTC, date, datetime, timedelta
    from decimal import Decimal

    from wuye_fees import models as fe

    c, site = ids["community"], ids["site"]
    wuye_enable_plugin(tenant, "fees", c, {"payee_name": SECRET})
    now = datetime.now(UTC).replace(microsecond=0)
    with tenant.app.app_context(), tenant_context(tenant.id):
        home = fe.FeeUnit(community_id=c, site_id=site, kind="residential", unit_id=ids["unit"], label=SECRET,
                          area_m2=Decimal("87.35"), billing_from=date(2026, 1, 1), note=SECRET, created_by="admin")
        shop = fe.FeeUnit(community_id=c, site_id=site, kind="shop", label=f"{SECRET}铺", area_m2=Decimal("40"),
                          payer_name=SECRET, payer_phone="13912345678", billing_from=date(2026, 1, 1),
                          created_by="admin")
        rate = fe.FeeRate(community_id=c, site_id=site, unit_kind="residential", name=SECRET, basis="per_m2",
                          price=Decimal("0.45"), valid_from=date(2026, 1, 1), note=SECRET, created_by="admin")
        run = fe.BillingRun(community_id=c, cycle="monthly", period_start=date(2026, 11, 1),
                            period_end=date(2026, 11, 30), bills_made=1, skipped={}, started_by="admin")
        db.session.add_all([home, shop, rate, run])
        db.session.flush()
        bill = fe.Bill(community_id=c, site_id=site, fee_unit_id=home.id, household_id=ids["household"],
                       rate_id=rate.id, run_id=run.id, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
                       period_label="2026-11", months=1, area_m2=Decimal("87.35"), price=Decimal("0.45"),
                       amount_fen=3931, discount_fen=500, paid_fen=3431, status="paid", due_on=date(2026, 12, 1),
                       note=SECRET)
        db.session.add(bill)
        db.session.flush()
        discount = fe.Discount(community_id=c, bill_id=bill.id, kind="discount", amount_fen=500, reason="hardship",
                               explanation=SECRET, status="approved", requested_by="admin", decided_by="admin")
        payment = fe.Payment(community_id=c, site_id=site, fee_unit_id=home.id, household_id=ids["household"],
                             kind="payment", amount_fen=3431, method="cash", receipt_no=f"SF2026-{SECRET}",
                             payer_name=SECRET, paid_at=now, note=SECRET, recorded_by="admin")
        entry = fe.Entry(community_id=c, site_id=site, direction="income", category="subsidy", amount_fen=100000,
                         occurred_on=date(2026, 10, 15), description=SECRET, counterparty=SECRET, recorded_by="admin")
        ledger_import = fe.LedgerImport(community_id=c, filename=f"{SECRET}.xlsx", rows=1, made={},
                                        imported_by="admin")
        db.session.add_all([discount, payment, entry, ledger_import,
                            fe.Reminder(community_id=c, fee_unit_id=home.id, household_id=ids["household"],
                                        channel="visit", owed_fen=3931, bills=1, result="noted", note=SECRET,
                                        sent_by="admin")])
        db.session.flush()
        db.session.add(fe.Allocation(community_id=c, payment_id=payment.id, bill_id=bill.id, amount_fen=3431,
                                     by="admin"))
        db.session.commit()
        found = {f"fees:{key}": value for key, value in {
            "fee_unit": home.id, "rate": rate.id, "run": run.id, "bill": bill.id, "discount": discount.id,
            "payment": payment.id, "entry": entry.id, "import": ledger_import.id,
            "year": 2026, "quarter": 3, "period": "2026-11"}.items()}
        db.session.remove()
    # last quarter's statement of A's site, drafted as the fee manager would (its figures are the books')
    from wuye_fees.periods import quarter_of

    year, quarter = quarter_of(date.today().replace(day=1) - timedelta(days=92))
    r = tenant.admin.post(f"/api/v1/plugins/fees/communities/{c}/statements",
                          json={"year": year, "quarter": quarter, "site_id": site})
    assert r.status_code == 201, r.get_json()
    found["fees:statement"] = r.get_json()["id"]
    return found


def _b_setup(b, wuye_register, wuye_enable_plugin) -> None:
    community = wuye_register(b, prefix="乙")["community"]
    wuye_enable_plugin(b, PLUGIN, community)
    _care_visits_for_b(b, community, wuye_enable_plugin)
    _enable_red_property_for_b(b, community, wuye_enable_plugin)
    wuye_enable_plugin(b, "welfare_jobs", community)
    wuye_enable_plugin(b, "volunteers", community)
    wuye_enable_plugin(b, "fees", community)


def _an_import(tenant, community_id) -> int:
    """A household ledger import (its errors name A's secret site)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["小区", "楼栋", "房号", "类型", "户主姓名"])
    wb.active.append([f"{SECRET}小区", "2栋", "201", "自住", SECRET])
    wb.active.append([f"{SECRET}不存在", "2栋", "202", "自住", SECRET])
    out = io.BytesIO()
    wb.save(out)
    r = tenant.admin.post(f"/api/v1/communities/{community_id}/imports/households", json=None,
                          data={"file": (io.BytesIO(out.getvalue()), f"{SECRET}.xlsx", "application/octet-stream")})
    assert r.status_code == 202, r.get_json()
    return r.get_json()["id"]


def _routes(wuye_app):
    """Every API route a token opens; not the plugins' inbound webhooks (no token: the tenant is the
    slug in the path; a handler's isolation is tests/test_webhooks.py's)."""
    for rule in wuye_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        if rule.rule.startswith(WEBHOOKS):
            continue
        yield rule


def _fill(rule, ids):
    """Put A's ids into the rule's path. Plugins may use the same parameter name for different
    things (`visit_id`): `ids["<plugin>:visit"]` is used for that plugin's routes first."""
    path = rule.rule
    plugin = re.match(r"/api/v1/plugins/(\w+)/", rule.rule)
    for name in rule.arguments:
        kind = name if name == "plugin_name" else name.removesuffix("_id")
        key = f"{plugin.group(1)}:{kind}" if plugin and f"{plugin.group(1)}:{kind}" in ids else kind
        if key not in ids:
            pytest.fail(f"isolation matrix does not know path parameter {name!r} of {rule.rule}; teach it")
        path = re.sub(rf"<(?:\w+:)?{name}>", str(ids[key]), path)
    return path


def _sample_value(prop):
    if "enum" in prop:
        return prop["enum"][0]
    return {"integer": prop.get("minimum", 1), "number": prop.get("minimum", 1), "boolean": True,
            "object": {}, "array": []}.get(prop.get("type"), "x")


def _request_body(spec, rule, method, sample):
    """A valid-looking body for PUT/PATCH/POST: A's own representation of the object where it has one,
    else sample values for the required fields."""
    openapi_path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
    operation = spec["paths"].get(openapi_path, {}).get(method.lower(), {})
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if not schema:
        return None
    ref = schema.get("$ref", "").split("/")[-1]
    component = spec["components"]["schemas"].get(ref, {})
    props = component.get("properties", {})
    if sample is None:
        body = {name: _sample_value(props[name]) for name in component.get("required", [])}
        if not body and method == "PATCH":  # an empty PATCH is refused (minProperties 1) before any lookup
            name = next(n for n, p in props.items() if not p.get("readOnly"))
            body = {name: _sample_value(props[name])}
        return body
    return {k: v for k, v in sample.items() if k in props and not props[k].get("readOnly")}


def _required_query(spec, rule, method):
    """Valid values for required query parameters, so validation cannot answer before the lookup."""
    openapi_path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
    operation = spec["paths"].get(openapi_path, {}).get(method.lower(), {})
    samples = {"date": "2026-01-01", "integer": "1", "string": "x"}
    query = {}
    for param in operation.get("parameters", []):
        if param.get("in") == "query" and param.get("required"):
            schema = param.get("schema", {})
            query[param["name"]] = samples.get(schema.get("format"), samples.get(schema.get("type"), "x"))
    return query


def test_no_endpoint_reaches_another_tenants_objects(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                    wuye_service_link):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    ids = _a_ids(a, wuye_register, wuye_enable_plugin)
    _linked_ids(a, ids, wuye_make_tenant, wuye_register, wuye_service_link)
    ids["provider"] = a.id  # /api/v1/supervision/providers/<provider_id>/…: A serves C, never B
    _b_setup(b, wuye_register, wuye_enable_plugin)
    b_resident = resident_login(wuye_app, b.slug, "13800000000")  # wuye_register's resident, in B's register too
    ids["tenant"] = a.id
    spec = a.admin.get("/api/v1/openapi.json").get_json()
    checked = secrets_seen = 0
    for rule in _routes(wuye_app):
        if not rule.arguments or rule.arguments == {"plugin_name"}:
            continue  # a plugin name is no tenant's object: /plugins/<name> is each tenant's own setting
        path = _fill(rule, ids)
        query = _required_query(spec, rule, "GET")
        before = a.admin.get(path, query_string=query)
        secrets_seen += SECRET in before.get_data().decode("utf-8", "replace")
        for method in sorted(rule.methods & {"GET", "PUT", "PATCH", "DELETE"}):
            body = _request_body(spec, rule, method, before.get_json() if before.status_code == 200 else None)
            # a resident's routes refuse staff whatever the id: B's resident (the same phone) tries them
            caller = b_resident if rule.rule.startswith(RESIDENTS) else b.admin
            response = caller.request(method, path, json=body, query_string=_required_query(spec, rule, method))
            # platform routes refuse every tenant user alike, whatever the id
            expected = 403 if rule.rule.startswith(PLATFORM_ONLY) else 404
            assert response.status_code == expected, (method, path, response.status_code, response.get_json())
            assert SECRET not in response.get_data().decode("utf-8", "replace")
            checked += 1
        after = a.admin.get(path, query_string=query)
        assert after.status_code == before.status_code and after.get_json() == before.get_json(), path
    assert checked >= 20  # every register level, users, community config
    assert secrets_seen >= 5  # the marker is visible to A, so its absence for B means something


def test_lists_never_contain_another_tenants_rows(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                 wuye_service_link):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    _linked_ids(a, _a_ids(a, wuye_register, wuye_enable_plugin), wuye_make_tenant, wuye_register, wuye_service_link)
    _b_setup(b, wuye_register, wuye_enable_plugin)
    listed = 0
    for rule in _routes(wuye_app):
        if rule.arguments or "GET" not in rule.methods:
            continue
        response = b.admin.get(rule.rule)
        if response.status_code == 200:
            listed += 1
            assert SECRET not in response.get_data().decode("utf-8", "replace"), rule.rule
    assert listed >= 7
    # the audit trail: A's rows (plugins enabled, config…) are A's alone
    a_rows = {row["id"] for row in a.admin.get("/api/v1/audit", query_string={"per_page": 100}).get_json()["items"]}
    b_rows = {row["id"] for row in b.admin.get("/api/v1/audit", query_string={"per_page": 100}).get_json()["items"]}
    assert a_rows and b_rows and not a_rows & b_rows
    # and tenant A's own lists do show its rows: the marker is findable
    assert SECRET in a.admin.get("/api/v1/residents").get_data().decode("utf-8", "replace")


def test_parent_ids_of_another_tenant_are_refused(wuye_make_tenant, wuye_register):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    ids = wuye_register(a)
    attempts = [
        ("/api/v1/sites", {"community_id": ids["community"], "name": "x", "kind": "old"}, "community_id"),
        ("/api/v1/buildings", {"site_id": ids["site"], "name": "x"}, "site_id"),
        ("/api/v1/units", {"building_id": ids["building"], "number": "1"}, "building_id"),
        ("/api/v1/households", {"unit_id": ids["unit"], "kind": "owner"}, "unit_id"),
        ("/api/v1/residents", {"household_id": ids["household"], "name": "x"}, "household_id"),
        ("/api/v1/users", {"username": "x", "password": "password-123",
                           "roles": [{"role": "readonly", "community_id": ids["community"]}]}, "roles.0.community_id"),
    ]
    own = wuye_register(b, prefix="乙")
    place = {"community_id": own["community"], "site_id": own["site"], "channel": "phone", "kind": "repair",
             "category": "电梯", "title": "x"}
    attempts += [  # a ticket's place: B's own community and site, with one of A's rows slipped in
        ("/api/v1/tickets", {**place, "site_id": ids["site"]}, "site_id"),
        ("/api/v1/tickets", {**place, "building_id": ids["building"]}, "building_id"),
        ("/api/v1/tickets", {**place, "unit_id": ids["unit"]}, "unit_id"),
        ("/api/v1/tickets", {**place, "household_id": ids["household"]}, "household_id"),
        ("/api/v1/tickets", {**place, "reporter_resident_id": ids["resident"]}, "reporter_resident_id"),
    ]
    for path, body, field in attempts:
        response = b.admin.post(path, json=body)
        assert response.status_code == 422, (path, response.get_json())
        assert field in response.get_json()["errors"]["json"], response.get_json()
    assert a.admin.get("/api/v1/sites").get_json()["total"] == 1


def test_orm_query_without_a_tenant_fails_closed(wuye_app, wuye_make_tenant, wuye_register):
    wuye_register(wuye_make_tenant("tenant-a"))
    with wuye_app.app_context():
        with pytest.raises(TenantContextError):
            db.session.scalars(select(Resident)).all()


def test_orm_query_sees_only_the_current_tenant(wuye_app, wuye_make_tenant, wuye_register):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    wuye_register(a, prefix="A")
    wuye_register(b, prefix="B")
    with wuye_app.app_context():
        with tenant_context(a.id):
            names = db.session.scalars(select(Resident.name)).all()
            # a join and a subquery get the criteria too
            joined = db.session.execute(
                select(Resident.name).where(Resident.id.in_(select(Resident.id)))).scalars().all()
    assert names == ["A张三"] and joined == ["A张三"]


def test_every_tenant_table_has_an_index_led_by_tenant_id(wuye_app, wuye_owner_engine):
    inspector = inspect(wuye_owner_engine)
    tenant_tables = [t for t in inspector.get_table_names()
                     if any(c["name"] == "tenant_id" for c in inspector.get_columns(t))]
    assert len(tenant_tables) >= 10
    for table in tenant_tables:
        leading = [ix["column_names"][0] for ix in inspector.get_indexes(table)]
        leading += [uq["column_names"][0] for uq in inspector.get_unique_constraints(table)]
        assert "tenant_id" in leading, table


@pytest.fixture
def pg_only(wuye_backend):
    if not wuye_backend.is_postgresql:
        pytest.skip("row-level security is a PostgreSQL feature")


def test_every_tenant_table_forces_row_level_security(wuye_app, wuye_owner_engine, pg_only):
    with wuye_owner_engine.connect() as conn:
        tables = conn.execute(text(
            "select table_name from information_schema.columns "
            "where table_schema = 'public' and column_name = 'tenant_id'")).scalars().all()
        assert len(tables) >= 10
        for table in tables:
            enabled, forced = conn.execute(text(
                "select relrowsecurity, relforcerowsecurity from pg_class where relname = :t"), {"t": table}).one()
            policies = conn.execute(text(
                "select count(*) from pg_policies where tablename = :t"), {"t": table}).scalar()
            assert enabled and forced and policies >= 1, table


def test_app_role_owns_nothing_and_cannot_bypass_rls(wuye_app, pg_only):
    with wuye_app.app_context():
        row = db.session.execute(text(
            "select rolsuper, rolbypassrls from pg_roles where rolname = current_user")).one()
        owned = db.session.execute(text(
            "select count(*) from pg_tables where schemaname = 'public' and tableowner = current_user")).scalar()
        db.session.rollback()
    assert tuple(row) == (False, False)
    assert owned == 0


def test_raw_sql_without_a_tenant_sees_no_rows(wuye_app, wuye_backend, wuye_make_tenant, wuye_register, pg_only):
    wuye_register(wuye_make_tenant("tenant-a"))
    engine = create_engine(wuye_app.config["WUYE"].sqlalchemy_url(wuye_backend.app_url))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from residents")).scalar() == 0
            assert conn.execute(text("select count(*) from staff_users")).scalar() == 0
            # with the tenant set for the transaction, the same query sees the tenant's rows
            conn.execute(text("select set_config('app.tenant_id', (select id::text from tenants "
                              "where slug = 'tenant-a'), true)"))
            assert conn.execute(text("select count(*) from residents")).scalar() == 1
    finally:
        engine.dispose()


def test_rls_refuses_writing_a_row_for_another_tenant(wuye_app, wuye_backend, wuye_make_tenant, wuye_register, pg_only):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    ids = wuye_register(a)
    engine = create_engine(wuye_app.config["WUYE"].sqlalchemy_url(wuye_backend.app_url))
    try:
        with engine.connect() as conn:
            conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(b.id)})
            with pytest.raises(Exception, match="row-level security"):
                conn.execute(text("insert into sites (tenant_id, community_id, name, kind) "
                                  "values (:a, :c, 'x', 'old')"), {"a": a.id, "c": ids["community"]})
    finally:
        engine.dispose()


def test_a_ticket_cannot_name_another_tenants_places(wuye_make_tenant, wuye_register):
    """Ticket creation reads its community and places with a direct statement (tenancy/direct.py):
    each of A's ids, in B's request, is refused as not existing, and nothing is written for A."""
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    a_ids, b_ids = wuye_register(a, prefix=SECRET), wuye_register(b)
    own = {"community_id": b_ids["community"], "site_id": b_ids["site"], "building_id": b_ids["building"],
           "unit_id": b_ids["unit"], "household_id": b_ids["household"], "reporter_resident_id": b_ids["resident"]}
    theirs = {"community_id": a_ids["community"], "site_id": a_ids["site"], "building_id": a_ids["building"],
              "unit_id": a_ids["unit"], "household_id": a_ids["household"],
              "reporter_resident_id": a_ids["resident"]}
    for field in own:
        body = {**own, field: theirs[field], "channel": "phone", "kind": "repair", "category": "水电维修",
                "title": "越界"}
        r = b.admin.post("/api/v1/tickets", json=body)
        assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == [field], (field, r.get_json())
        assert SECRET not in r.get_data(as_text=True)
    assert a.admin.get("/api/v1/tickets").get_json()["total"] == 0
    assert b.admin.get("/api/v1/tickets").get_json()["total"] == 0


def test_every_plugin_route_answers_404_in_a_community_where_its_plugin_is_off(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """The same matrix within one tenant: every plugin route with a path parameter — by community
    or by an object's id — answers 404 for every method once the plugin is off in the community
    of A's objects (still on for the tenant and for another community), and answers again when
    it is back on. Care routes are asked by A's care supervisor, who sees them while it is on."""
    a = wuye_make_tenant("tenant-a")
    ids = _a_ids(a, wuye_register, wuye_enable_plugin)
    other = a.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    callers = {"care_visits": login(wuye_app, a.slug, "a-care", "password-123")}
    routes = []
    for rule in _routes(wuye_app):
        plugin = re.match(r"/api/v1/plugins/(\w+)/", rule.rule)
        if plugin and rule.arguments:
            routes.append((rule, plugin.group(1), _fill(rule, ids)))
    plugins = {plugin for _, plugin, _ in routes}
    assert plugins == {PLUGIN, "red_property", "care_visits", "welfare_jobs", "volunteers", "fees"}
    before = {path: callers.get(plugin, a.admin).get(path).status_code
              for rule, plugin, path in routes if "GET" in rule.methods}
    assert sum(status == 200 for status in before.values()) >= 25, before
    configs = {}  # each plugin's config in A's community, given back with it (PUT replaces the config)
    for plugin in plugins:
        wuye_enable_plugin(a, plugin, other)
        configs[plugin] = a.admin.get(f"/api/v1/communities/{ids['community']}/plugins/{plugin}").get_json()["config"]
        r = a.admin.put(f"/api/v1/communities/{ids['community']}/plugins/{plugin}", json={"enabled": False})
        assert r.status_code == 200, r.get_json()
    checked = 0
    for rule, plugin, path in routes:
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"}):
            response = callers.get(plugin, a.admin).request(method, path, json={})
            assert response.status_code == 404, (method, path, response.status_code, response.get_json())
            checked += 1
    assert checked >= 60
    for plugin in plugins:
        r = a.admin.put(f"/api/v1/communities/{ids['community']}/plugins/{plugin}",
                        json={"enabled": True, "config": configs[plugin]})
        assert r.status_code == 200, r.get_json()
    after = {path: callers.get(plugin, a.admin).get(path).status_code
             for rule, plugin, path in routes if "GET" in rule.methods}
    assert after == before
