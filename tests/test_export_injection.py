"""Every .xlsx export, of the core and of the plugins, writes user text as text: names and titles
that start like a formula (`=1+1`, `@SUM(…)`, `+1`, `-1`, `=HYPERLINK(…)`) come back as string
cells holding exactly what was typed, characters an .xlsx cannot hold (a bell) are dropped
instead of failing the export, and no cell anywhere is a formula (issue #15, item 5).

The exports are found in the served OpenAPI document (every GET whose path ends in .xlsx or whose
200 answers the .xlsx type): one that this test does not download fails it, so a new export
cannot skip the check.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import update

from wuye_core.common.spreadsheets import XLSX
from wuye_core.extensions import db
from wuye_core.households.models import Site
from wuye_core.tenancy import tenant_context
from wuye_core.tickets.models import Ticket

CARE = "/api/v1/plugins/care_visits"
RED = "/api/v1/plugins/red_property"
WELFARE = "/api/v1/plugins/welfare_jobs"
VOLUNTEERS = "/api/v1/plugins/volunteers"
FEES = "/api/v1/plugins/fees"
BELL = "\x07"

# What people typed (through the API), and what the workbook must show: the same text.
COMMUNITY = '=HYPERLINK("http://x","y")'
BUILDING = "=1+1"
RESIDENT = "=1+1"  # the care ledger masks it to "=***", which must not become a formula either
TICKET = {"title": "=1+1", "description": "@SUM(A1:A2)", "location": "+1", "reporter_name": "-1"}
MEETING = {"title": "=1+1 联席会议", "location": "@SUM(A1:A2)"}
MINUTES = '=HYPERLINK("http://x","y") 议定事项'
PARTICIPANT = {"name": "-1", "post": "+1"}
AGENDA = {"title": "+1 楼道堆物", "description": "-1 清理"}
RESOLUTION = {"text": "=1+1 清理楼道", "owner_name": "@SUM(A1:A2)"}
WORKER, POST = "=1+1 王芳", "@SUM(A1:A2) 保洁岗"  # welfare_jobs: a worker on a post
VOLUNTEER = {"name": "=1+1 李志愿", "party_org": "@SUM(A1:A2) 党支部"}  # volunteers: a serving party member
TEAM = "-1 环保督导队"  # … in a team
BANK_MEMBER = "-1 张时间"  # volunteers: a member of the alliance with time-bank points
FEE_UNIT = {"label": "=1+1 商铺A", "payer_name": "@王老板"}  # fees: a shop front let to a payer
FEE_PAYER = "-王老板"  # fees: who paid, on the receipt
# Stored with a control character (as data imported or written before the API refused any would be)
SITE_STORED, SITE_SHOWN = f"=2+2{BELL}响铃小区", "=2+2响铃小区"
TITLE_STORED, TITLE_SHOWN = f"=3+3{BELL}", "=3+3"


def _beijing_today():
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _created(response) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _seed(wuye_app, wuye_make_tenant, wuye_enable_plugin) -> dict:
    """One community with formula-like text everywhere an export shows user text."""
    t = wuye_make_tenant("acme")
    api = t.admin
    c = _created(api.post("/api/v1/communities", json={"name": COMMUNITY, "code": "c1"}))
    site = _created(api.post("/api/v1/sites", json={"community_id": c, "name": "小区", "kind": "compound"}))
    building = _created(api.post("/api/v1/buildings", json={"site_id": site, "name": BUILDING}))
    unit = _created(api.post("/api/v1/units", json={"building_id": building, "number": "101", "entrance": "1"}))
    household = _created(api.post("/api/v1/households", json={"unit_id": unit, "kind": "owner"}))
    resident = _created(api.post("/api/v1/residents", json={"household_id": household, "name": RESIDENT}))
    _created(api.post("/api/v1/tickets", json={"community_id": c, "site_id": site, "channel": "phone",
                                                "kind": "repair", "category": "水电维修", **TICKET}))
    second = _created(api.post("/api/v1/tickets", json={"community_id": c, "site_id": site, "channel": "phone",
                                                         "kind": "repair", "category": "水电维修", "title": "x"}))
    with wuye_app.app_context(), tenant_context(t.id):
        db.session.execute(update(Site).where(Site.id == site).values(name=SITE_STORED))
        db.session.execute(update(Ticket).where(Ticket.id == second).values(title=TITLE_STORED))
        db.session.commit()

    wuye_enable_plugin(t, "red_property", c)
    meeting = _created(api.post(f"{RED}/communities/{c}/meetings",
                                json={**MEETING, "participants": [{"side": "residents", **PARTICIPANT}]}))
    item = _created(api.post(f"{RED}/communities/{c}/agenda-items", json={**AGENDA, "meeting_id": meeting}))
    assert api.post(f"{RED}/meetings/{meeting}/hold", json={"minutes": MINUTES}).status_code == 200
    _created(api.post(f"{RED}/meetings/{meeting}/resolutions",
                      json={**RESOLUTION, "owner_side": "property", "agenda_item_id": item}))

    wuye_enable_plugin(t, "care_visits", c, {"first_visit_days": 0})
    supervisor = t.user("boss", "care_supervisor", [c])
    _created(supervisor.post(f"{CARE}/communities/{c}/people", json={
        "resident_id": resident, "level": "A", "difficulties": ["elderly"]}))
    today = _beijing_today()
    r = supervisor.post(f"{CARE}/communities/{c}/briefs",
                        json={"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()})
    assert r.status_code == 202, r.get_json()
    brief = r.get_json()["id"]
    assert supervisor.get(f"{CARE}/briefs/{brief}").get_json()["status"] == "done"

    # welfare_jobs: a worker placed on a post since the 1st of this month, graded, this month's claim computed
    from wuye_welfare_jobs.demo import id_check_digit

    wuye_enable_plugin(t, "welfare_jobs", c)
    first = today.replace(day=1)
    post = _created(api.post(f"{WELFARE}/communities/{c}/posts", json={
        "kind": "cleaning", "name": POST, "site_id": site, "headcount": 2, "approval_ref": "东人社〔2025〕1号",
        "approved_from": "2020-01-01"}))
    number = "42011619750101001"
    worker = _created(api.post(f"{WELFARE}/communities/{c}/workers", json={
        "name": WORKER, "id_number": number + id_check_digit(number), "group": "hard_to_employ",
        "evidence_ref": "援助证 001"}))
    _created(api.post(f"{WELFARE}/communities/{c}/placements", json={
        "worker_id": worker, "post_id": post, "starts_on": first.isoformat()}))
    _created(api.post(f"{WELFARE}/communities/{c}/assessments/{today.year}", json={
        "worker_id": worker, "grade": "competent"}))
    assert api.post(f"{WELFARE}/communities/{c}/subsidies/{first:%Y-%m}/compute").status_code == 200

    # volunteers: a serving party member of the alliance, in a team; a member with points
    _seed_volunteers(wuye_app, t, c, wuye_enable_plugin)
    member = _created(api.post(f"{VOLUNTEERS}/communities/{c}/members", json={
        **VOLUNTEER, "kind": "party_member", "phone": "13900001111", "party_reported_on": first.isoformat()}))
    _created(api.post(f"{VOLUNTEERS}/communities/{c}/teams", json={"name": TEAM, "kind": "environment",
                                                                    "leader_member_id": member}))
    # … with a record today (its hours and the 在职党员 report name them)
    from datetime import UTC

    from wuye_volunteers.models import ServiceRecord

    with wuye_app.app_context(), tenant_context(t.id):
        started = datetime.combine(today, datetime.min.time(), tzinfo=ZoneInfo("Asia/Shanghai"))
        db.session.add(ServiceRecord(community_id=c, member_id=member, source="manual", content="巡逻", place="小区",
                                     started_at=started, ended_at=started + timedelta(minutes=30), minutes=30,
                                     organiser="联盟", confirmed_by="test", confirmed_at=datetime.now(UTC),
                                     corrections=0))
        db.session.commit()
        db.session.remove()
    fees = _seed_fees(wuye_app, t, c, site, wuye_enable_plugin)
    return {"tenant": t, "community": c, "meeting": meeting, "brief": brief, "supervisor": supervisor,
            "month": f"{first:%Y-%m}", "year": today.year, **fees}


def _seed_fees(wuye_app, t, c: int, site: int, wuye_enable_plugin) -> dict:
    """fees: a shop front let to a payer, billed this month and paid today (inserted: the bills'
    and payments' own services are other areas'), and last quarter's statement drafted."""
    from datetime import UTC
    from decimal import Decimal

    from wuye_fees.models import Allocation, Bill, FeeUnit, Payment
    from wuye_fees.periods import period_of, quarter_of

    wuye_enable_plugin(t, "fees", c)
    today = _beijing_today()
    month = period_of("monthly", today)
    with wuye_app.app_context(), tenant_context(t.id):
        unit = FeeUnit(community_id=c, site_id=site, kind="shop", area_m2=Decimal("40"), billing_from=month.start,
                       created_by="test", **FEE_UNIT)
        db.session.add(unit)
        db.session.flush()
        bill = Bill(community_id=c, site_id=site, fee_unit_id=unit.id, source="manual", period_start=month.start,
                    period_end=month.end, period_label=month.label, months=1, amount_fen=8000, paid_fen=8000,
                    status="paid", due_on=month.end, settled_on=today)
        payment = Payment(community_id=c, site_id=site, fee_unit_id=unit.id, kind="payment", amount_fen=8000,
                          method="cash", receipt_no="SF-0001", payer_name=FEE_PAYER, paid_at=datetime.now(UTC),
                          recorded_by="test")
        db.session.add_all([bill, payment])
        db.session.flush()
        db.session.add(Allocation(community_id=c, payment_id=payment.id, bill_id=bill.id, amount_fen=8000, by="test"))
        db.session.commit()
        db.session.remove()
    year, quarter = quarter_of(month.start - timedelta(days=92))
    statement = _created(t.admin.post(f"{FEES}/communities/{c}/statements", json={"year": year, "quarter": quarter}))
    return {"fees_period": month.label, "fees_statement": statement}


def _seed_volunteers(wuye_app, t, c: int, wuye_enable_plugin) -> None:
    """volunteers: the time bank on, a member (inserted: the members' own API is another area's)
    given points by the manager's adjustment."""
    from datetime import date

    from wuye_volunteers.models import Member

    wuye_enable_plugin(t, "volunteers", c, {"time_bank": True})
    with wuye_app.app_context(), tenant_context(t.id):
        member = Member(community_id=c, name=BANK_MEMBER, kind="volunteer", joined_on=date(2024, 1, 1),
                        availability=[], consent_contact=False, created_by="test")
        db.session.add(member)
        db.session.commit()
        member_id = member.id
        db.session.remove()
    r = t.admin.post(f"{VOLUNTEERS}/members/{member_id}/time-bank/adjust", json={"points": 12, "reason": "=1+1"})
    assert r.status_code == 201, r.get_json()


def _period():
    today = _beijing_today()
    return {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}


# OpenAPI path → (who downloads it, the URL and query, the user text the workbook must hold)
EXPORTS = {
    "/api/v1/tickets/export.xlsx": lambda w: (
        w["tenant"].admin, "/api/v1/tickets/export.xlsx", _period(),
        # 位置 is the full place: the site, then the free location
        {COMMUNITY, SITE_SHOWN, TITLE_SHOWN, f"{SITE_SHOWN} {TICKET['location']}",
         *(text for key, text in TICKET.items() if key != "location")}),
    "/api/v1/communities/{community_id}/kpis.xlsx": lambda w: (
        w["tenant"].admin, f"/api/v1/communities/{w['community']}/kpis.xlsx", _period(), {COMMUNITY}),
    "/api/v1/kpis.xlsx": lambda w: (  # the community's name in the by-community sheet
        w["tenant"].admin, "/api/v1/kpis.xlsx", _period(), {COMMUNITY}),
    "/api/v1/communities/{community_id}/imports/households/template.xlsx": lambda w: (
        w["tenant"].admin, f"/api/v1/communities/{w['community']}/imports/households/template.xlsx", None,
        {SITE_SHOWN}),
    f"{RED}/meetings/{{meeting_id}}/minutes.xlsx": lambda w: (
        w["tenant"].admin, f"{RED}/meetings/{w['meeting']}/minutes.xlsx", None,
        {*MEETING.values(), MINUTES, *PARTICIPANT.values(), *AGENDA.values(), *RESOLUTION.values()}),
    f"{RED}/communities/{{community_id}}/resolutions.xlsx": lambda w: (
        w["tenant"].admin, f"{RED}/communities/{w['community']}/resolutions.xlsx", None, set(RESOLUTION.values())),
    "/api/v1/supervision/street-figures.xlsx": lambda w: (  # our own row of each community (no link here)
        w["tenant"].admin, "/api/v1/supervision/street-figures.xlsx", _period(), {COMMUNITY}),
    f"{WELFARE}/communities/{{community_id}}/attendance.xlsx": lambda w: (
        w["tenant"].admin, f"{WELFARE}/communities/{w['community']}/attendance.xlsx", {"month": w["month"]},
        {WORKER, POST}),
    f"{WELFARE}/communities/{{community_id}}/attendance/template.xlsx": lambda w: (
        w["tenant"].admin, f"{WELFARE}/communities/{w['community']}/attendance/template.xlsx", {"month": w["month"]},
        {WORKER, POST}),
    f"{WELFARE}/communities/{{community_id}}/assessments/{{year}}.xlsx": lambda w: (
        w["tenant"].admin, f"{WELFARE}/communities/{w['community']}/assessments/{w['year']}.xlsx", None,
        {WORKER, POST}),
    f"{WELFARE}/communities/{{community_id}}/subsidies/{{month}}/roster.xlsx": lambda w: (  # the 花名册
        w["tenant"].admin, f"{WELFARE}/communities/{w['community']}/subsidies/{w['month']}/roster.xlsx", None,
        {WORKER, POST}),
    f"{VOLUNTEERS}/communities/{{community_id}}/members.xlsx": lambda w: (  # 成员名册
        w["tenant"].admin, f"{VOLUNTEERS}/communities/{w['community']}/members.xlsx", None, {*VOLUNTEER.values(), TEAM}),
    f"{VOLUNTEERS}/communities/{{community_id}}/members/template.xlsx": lambda w: (  # headings only: no user text
        w["tenant"].admin, f"{VOLUNTEERS}/communities/{w['community']}/members/template.xlsx", None, set()),
    f"{VOLUNTEERS}/communities/{{community_id}}/time-bank/balances.xlsx": lambda w: (
        w["tenant"].admin, f"{VOLUNTEERS}/communities/{w['community']}/time-bank/balances.xlsx", None, {BANK_MEMBER}),
    f"{VOLUNTEERS}/communities/{{community_id}}/hours/{{year}}.xlsx": lambda w: (
        w["tenant"].admin, f"{VOLUNTEERS}/communities/{w['community']}/hours/{w['year']}.xlsx", None,
        {VOLUNTEER["name"], VOLUNTEER["party_org"], TEAM}),
    f"{VOLUNTEERS}/communities/{{community_id}}/party-report.xlsx": lambda w: (  # grouped by PARTY_ORG
        w["tenant"].admin, f"{VOLUNTEERS}/communities/{w['community']}/party-report.xlsx", {"year": w["year"]},
        {VOLUNTEER["name"]}),
    f"{FEES}/communities/{{community_id}}/ledger-template.xlsx": lambda w: (  # the site's name in its drop-down
        w["tenant"].admin, f"{FEES}/communities/{w['community']}/ledger-template.xlsx", None, set()),
    f"{FEES}/communities/{{community_id}}/bills.xlsx": lambda w: (
        w["tenant"].admin, f"{FEES}/communities/{w['community']}/bills.xlsx", {"period": w["fees_period"]},
        {SITE_SHOWN, *FEE_UNIT.values()}),
    f"{FEES}/communities/{{community_id}}/payments.xlsx": lambda w: (
        w["tenant"].admin, f"{FEES}/communities/{w['community']}/payments.xlsx", _period(),
        {FEE_UNIT["label"], FEE_PAYER}),
    f"{FEES}/communities/{{community_id}}/collection.xlsx": lambda w: (  # by site: the site's name
        w["tenant"].admin, f"{FEES}/communities/{w['community']}/collection.xlsx", None, {SITE_SHOWN}),
    f"{FEES}/statements/{{statement_id}}/statement.xlsx": lambda w: (  # the community's name inside its title
        w["tenant"].admin, f"{FEES}/statements/{w['fees_statement']}/statement.xlsx", None, set()),
    f"{CARE}/briefs/{{brief_id}}/ledger.xlsx": lambda w: (
        w["supervisor"], f"{CARE}/briefs/{w['brief']}/ledger.xlsx", None, {COMMUNITY, "=" + "*" * (len(RESIDENT) - 1)}),
}


def _xlsx_operations(spec: dict) -> set[str]:
    """Every GET of the document that answers a workbook."""
    found = set()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method == "parameters":
                continue
            content = {ctype for response in op.get("responses", {}).values()
                       for ctype in (response.get("content") or {})}
            if path.endswith(".xlsx") or XLSX in content:
                assert method == "get", (method, path)
                found.add(path)
    return found


def test_every_export_is_exercised(wuye_app):
    """The list above is the list the app serves: an export missing from it fails here."""
    spec = wuye_app.test_client().get("/api/v1/openapi.json").get_json()
    served = _xlsx_operations(spec)
    assert served - EXPORTS.keys() == set(), "exports this test does not download (add them to EXPORTS)"
    assert EXPORTS.keys() - served == set(), "EXPORTS names paths the app does not serve"


def test_user_text_is_never_a_formula_in_any_export(wuye_app, wuye_make_tenant, wuye_enable_plugin):
    world = _seed(wuye_app, wuye_make_tenant, wuye_enable_plugin)
    for path, case in EXPORTS.items():
        client, url, query, expected = case(world)
        r = client.get(url, query_string=query)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:300])
        assert r.mimetype == XLSX and r.headers["Content-Disposition"].startswith("attachment"), path
        assert "no-store" in r.headers.get("Cache-Control", ""), path
        workbook = load_workbook(io.BytesIO(r.data))
        texts = {}
        for ws in workbook:
            for row in ws.iter_rows():
                for cell in row:
                    where = f"{path} {ws.title}!{cell.coordinate} = {cell.value!r}"
                    assert cell.data_type not in ("f", "e"), where  # no formula, no error value
                    if isinstance(cell.value, str):
                        assert BELL not in cell.value, where
                        texts.setdefault(cell.value, set()).add(cell.data_type)
        missing = expected - texts.keys()
        assert not missing, (path, missing)  # each text as typed (the bell dropped), whole
        for text in expected:
            assert texts[text] == {"s"}, (path, text, texts[text])  # a string cell
        leading = {text: kinds for text, kinds in texts.items() if text[:1] in "=@+-"}
        assert all(kinds == {"s"} for kinds in leading.values()), (path, leading)


def test_volunteers_exports_write_user_text_as_text(wuye_app, wuye_make_tenant, wuye_enable_plugin):
    """The volunteers plugin's exports alone (the test above checks them with every other)."""
    world = _seed(wuye_app, wuye_make_tenant, wuye_enable_plugin)
    for path, case in EXPORTS.items():
        if not path.startswith(VOLUNTEERS):
            continue
        client, url, query, expected = case(world)
        r = client.get(url, query_string=query)
        assert r.status_code == 200 and r.mimetype == XLSX, (path, r.status_code)
        cells = [cell for ws in load_workbook(io.BytesIO(r.data)) for row in ws.iter_rows() for cell in row]
        assert all(cell.data_type not in ("f", "e") for cell in cells), path
        assert expected <= {cell.value for cell in cells if cell.data_type == "s"}, path


def test_the_writer_types_values_and_keeps_text_text(tmp_path):
    """The writer itself: text stays text (formulas, error codes, a bell), everything else keeps its type."""
    from datetime import UTC, date
    from decimal import Decimal

    import pytest

    from wuye_core.common.spreadsheets import MAX_CELL_CHARS, XlsxWriter

    book = XlsxWriter()
    sheet = book.sheet("表", header=["a", "b"], widths=[10, None, 30], freeze="A2")
    sheet.append(["=1+1", "#N/A", f"-1{BELL}", "+1", "@SUM(A1:A2)", "x" * (MAX_CELL_CHARS + 5)])
    sheet.append([3, 2.5, Decimal("1.25"), True, date(2025, 1, 2), datetime(2025, 1, 2, 3, 4, 5), None, ""])
    sheet.append([sheet.cell(0.5, number_format="0.00%")])
    with pytest.raises(TypeError):
        sheet.cell(datetime(2025, 1, 2, tzinfo=UTC))  # Excel has no time zones
    with pytest.raises(TypeError):
        sheet.cell(object())
    path = tmp_path / "t.xlsx"
    with open(path, "wb") as out:
        book.save(out)
    ws = load_workbook(path)["表"]
    assert ws.freeze_panes == "A2" and ws.column_dimensions["A"].width == 10
    text = list(ws.iter_rows(min_row=2, max_row=2))[0]
    assert [c.value for c in text[:5]] == ["=1+1", "#N/A", "-1", "+1", "@SUM(A1:A2)"]
    assert len(text[5].value) == MAX_CELL_CHARS and {c.data_type for c in text[:6]} == {"s"}
    typed = list(ws.iter_rows(min_row=3, max_row=3, values_only=True))[0]
    assert typed[:6] == (3, 2.5, 1.25, True, datetime(2025, 1, 2), datetime(2025, 1, 2, 3, 4, 5))
    assert ws["A4"].value == 0.5 and ws["A4"].number_format == "0.00%"
