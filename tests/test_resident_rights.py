"""A resident's rights over their personal information (#19 item 6, PIPL arts. 44–47): the copy
of what the tenant holds about them (theirs only, this tenant's only, the plugins' parts too), and
deletion on request, decided by a tenant admin: approved, the register forgets the number, no
sign-in code goes to it, the tickets keep a masked reporter, the plugins erase theirs; refused,
nothing changes and the resident reads why. Decided once, audited without the erased values."""

from __future__ import annotations

import io
import json
import logging

import pytest

from wuye_core.testing import ApiClient

from .test_resident_sign_in import PHONE, agree, ask_code, signed_in

NEIGHBOUR = "13900000000"
ID_CARD = "11010519491231002X"
CARE = "/api/v1/plugins/care_visits"


@pytest.fixture
def world(wuye_make_tenant, wuye_register):
    """acme: me (张三, 13800000000, household 101) and a neighbour (李四, household 102); my ticket
    (by register row, with a photo), one of my household reported by number, the neighbour's."""
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    api = tenant.admin
    assert api.patch(f"/api/v1/residents/{ids['resident']}", json={"id_card": ID_CARD}).status_code == 200
    unit = api.post("/api/v1/units", json={"building_id": ids["building"], "number": "102", "entrance": "1"})
    household = api.post("/api/v1/households", json={"unit_id": unit.get_json()["id"], "kind": "owner"})
    ids["neighbour_household"] = household.get_json()["id"]
    neighbour = api.post("/api/v1/residents", json={"household_id": ids["neighbour_household"], "name": "李四",
                                                    "phone": NEIGHBOUR})
    ids["neighbour"] = neighbour.get_json()["id"]
    place = {"community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
             "category": "水电维修"}
    ids["mine"] = _ticket(api, place, title="我家水管漏水", household_id=ids["household"],
                          reporter_resident_id=ids["resident"], reporter_name="张三", reporter_phone=PHONE)
    photo = api.post(f"/api/v1/tickets/{ids['mine']}/attachments", json=None, data={
        "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n0000"), "漏水.png", "image/png")})
    assert photo.status_code == 201, photo.get_json()
    ids["by_number"] = _ticket(api, place, title="楼道灯坏了", reporter_name="张三", reporter_phone="138 0000 0000")
    ids["neighbours"] = _ticket(api, place, title="邻居家的门锁", household_id=ids["neighbour_household"],
                                reporter_resident_id=ids["neighbour"], reporter_name="李四", reporter_phone=NEIGHBOUR)
    return tenant, ids


def _ticket(api, place, **fields) -> int:
    r = api.post("/api/v1/tickets", json={**place, **fields})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _copy(resident: ApiClient) -> dict:
    r = resident.get("/api/v1/resident/my-data")
    assert r.status_code == 200, r.get_json()
    assert r.headers["Content-Disposition"].startswith("attachment") and r.mimetype == "application/json"
    return json.loads(r.get_data())


def _section(copy: dict, key: str) -> dict:
    found = [s for s in copy["sections"] if s["key"] == key]
    assert len(found) == 1, [s["key"] for s in copy["sections"]]
    return found[0]


def _file(resident: ApiClient, reason: str | None = "搬走了，请删除我的信息") -> dict:
    r = resident.post("/api/v1/resident/deletion-requests", json={"reason": reason})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


# --- the copy ------------------------------------------------------------------------------------


def test_the_copy_holds_my_data_and_tickets_not_a_neighbours_nor_another_tenants(
        wuye_app, world, wuye_make_tenant, wuye_register, caplog):
    tenant, ids = world
    other = wuye_make_tenant("other")
    other_ids = wuye_register(other, prefix="别家")  # the same number lives there too
    _ticket(other.admin, {"community_id": other_ids["community"], "site_id": other_ids["site"], "channel": "phone",
                          "kind": "repair", "category": "水电维修"}, title="别家租户的工单",
            reporter_resident_id=other_ids["resident"])

    resident = signed_in(wuye_app, caplog)  # no consent given: the rights do not wait for it
    copy = _copy(resident)
    text = json.dumps(copy, ensure_ascii=False)
    assert copy["format"] == "wuye.personal-data/1" and copy["phone"] == PHONE and copy["incomplete"] == []
    assert _section(copy, "account")["items"][0]["phone"] == PHONE

    register = _section(copy, "register")
    assert [(r["name"], r["room"], r["tags"]) for r in register["items"]] == [("张三", "101", ["党员"])]
    assert register["items"][0]["id_card_masked"] == "110***********002X" and ID_CARD not in text
    assert register["fields"]["name"] == {"zh": "姓名", "en": "Name"}

    tickets = {t["title"]: t for t in _section(copy, "tickets")["items"]}
    assert set(tickets) == {"我家水管漏水", "楼道灯坏了"}  # not the neighbour's, not the other tenant's
    assert "李四" not in text and NEIGHBOUR not in text and "别家" not in text
    mine = tickets["我家水管漏水"]
    assert mine["reported_by_you"] is True and mine["reporter_name"] == "张三"
    assert [a["filename"] for a in mine["attachments"]] == ["漏水.png"]
    assert mine["household"]["room"] == "101" and mine["steps"][0]["to_status"] == "submitted"

    # the download is in the tenant's audit trail, by account, without the number
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "resident.data_exported"}).get_json()
    assert trail["total"] == 1 and PHONE not in json.dumps(trail)
    # and the audit section of the next copy lists it, with the sign-in
    actions = [e["action"] for e in _section(_copy(resident), "audit")["items"]]
    assert "resident.signed_in" in actions and "resident.data_exported" in actions


def test_a_household_ticket_someone_else_reported_shows_that_reporter_masked(wuye_app, world, caplog):
    tenant, ids = world
    spouse = tenant.admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "王芳",
                                                          "phone": "13700000000"}).get_json()["id"]
    _ticket(tenant.admin, {"community_id": ids["community"], "site_id": ids["site"], "channel": "phone",
                           "kind": "complaint", "category": "噪音"}, title="楼上噪音", household_id=ids["household"],
            reporter_resident_id=spouse, reporter_name="王芳", reporter_phone="13700000000")
    copy = _copy(signed_in(wuye_app, caplog))
    tickets = {t["title"]: t for t in _section(copy, "tickets")["items"]}
    theirs = tickets["楼上噪音"]
    assert theirs["reported_by_you"] is False and theirs["reporter_name"] == "王*"
    assert theirs["reporter_phone"] == "137****0000" and "13700000000" not in json.dumps(copy)


def test_the_copy_has_the_care_record_when_the_plugin_is_on(wuye_app, world, wuye_enable_plugin, caplog):
    tenant, ids = world
    resident = signed_in(wuye_app, caplog)
    assert not [s for s in _copy(resident)["sections"] if s["source"] == "care_visits"]
    person = _care_person(tenant, ids, wuye_enable_plugin)
    copy = _copy(resident)
    care = _section(copy, "care_visits.people")
    assert care["source"] == "care_visits" and care["items"][0]["health_details"] == "高血压，独居"
    visits = _section(copy, "care_visits.visits")["items"]
    assert visits[0]["hazards"] == "燃气灶老化" and "visitors" not in visits[0]
    assert "走访员甲" not in json.dumps(copy, ensure_ascii=False)  # staff's names are theirs
    assert person


def _care_person(tenant, ids, wuye_enable_plugin) -> int:
    from datetime import date

    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0})
    worker = tenant.user("care-worker", "care_supervisor", [ids["community"]])
    person = worker.post(f"{CARE}/communities/{ids['community']}/people", json={
        "resident_id": ids["resident"], "level": "A", "health_details": "高血压，独居"})
    assert person.status_code == 201, person.get_json()
    visit = worker.post(f"{CARE}/communities/{ids['community']}/visits", json={
        "person_id": person.get_json()["id"], "visited_on": date.today().isoformat(), "visitors": "走访员甲",
        "hazards": "燃气灶老化"})
    assert visit.status_code == 201, visit.get_json()
    tenant.care_worker = worker
    return person.get_json()["id"]


def test_downloads_are_throttled_per_account(wuye_app, world, caplog):
    resident = signed_in(wuye_app, caplog)
    codes = [resident.get("/api/v1/resident/my-data").status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429


# --- deletion ------------------------------------------------------------------------------------


def test_an_approved_deletion_erases_the_person_and_masks_their_tickets(
        wuye_app, world, wuye_enable_plugin, caplog):
    tenant, ids = world
    person = _care_person(tenant, ids, wuye_enable_plugin)
    resident = signed_in(wuye_app, caplog)
    agree(resident)
    request = _file(resident)
    assert request["status"] == "pending" and request["reason"] == "搬走了，请删除我的信息"
    mine = resident.get("/api/v1/resident/deletion-requests").get_json()
    assert mine["total"] == 1 and mine["items"][0]["status"] == "pending"

    queue = tenant.admin.get("/api/v1/deletion-requests", query_string={"status": "pending"}).get_json()
    assert [(r["id"], r["phone"]) for r in queue["items"]] == [(request["id"], PHONE)]
    detail = tenant.admin.get(f"/api/v1/deletion-requests/{request['id']}").get_json()
    assert [(r["name"], r["room"]) for r in detail["register"]] == [("张三", "101")]
    assert detail["tickets_to_mask"] == 2

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="wuye_core.resident_access.sms"):
        r = tenant.admin.post(f"/api/v1/deletion-requests/{request['id']}/approve")
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["status"] == "approved" and done["phone"] == "138****0000" and done["reason"] is None
    assert done["outcome"] == {"tickets_masked": 2, "register_rows_removed": 1,
                               "plugins": {"care_visits": {"people": 1}}}
    assert "138****0000" in caplog.text and "deletion_request" in caplog.text  # told by text message

    # the account is ended: its token opens nothing, no code goes to the number any more
    assert resident.get("/api/v1/resident/privacy").status_code == 401
    assert ask_code(wuye_app, caplog) is None
    # the register no longer yields the number; the household stays
    residents = tenant.admin.get("/api/v1/residents", query_string={"per_page": 100}).get_json()
    assert PHONE not in json.dumps(residents) and "张三" not in json.dumps(residents, ensure_ascii=False)
    assert tenant.admin.get(f"/api/v1/households/{ids['household']}").status_code == 200
    # the tickets stay, with a masked reporter and their history
    for ticket_id in (ids["mine"], ids["by_number"]):
        ticket = tenant.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()
        assert ticket["reporter_name"] == "张*" and ticket["reporter_phone"] == "138****0000"
        assert ticket["reporter_resident_id"] is None
    assert tenant.admin.get(f"/api/v1/tickets/{ids['mine']}/transitions").get_json()["total"] >= 1
    neighbours = tenant.admin.get(f"/api/v1/tickets/{ids['neighbours']}").get_json()
    assert neighbours["reporter_name"] == "李四" and neighbours["reporter_phone"] == NEIGHBOUR
    # the care record is erased
    care = tenant.care_worker.get(f"{CARE}/people/{person}").get_json()
    assert care["erased"] is True and care.get("health_details") in (None, "")

    # every step is audited, none with the erased values
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "resident.deletion", "per_page": 100})
    trail = json.dumps(trail.get_json(), ensure_ascii=False)
    assert "resident.deletion_requested" in trail and "resident.deletion_approved" in trail
    assert PHONE not in trail and "张三" not in trail and "搬走了" not in trail

    # decided once
    again = tenant.admin.post(f"/api/v1/deletion-requests/{request['id']}/approve")
    assert again.status_code == 409 and again.get_json()["errors"]["status"] == "approved"

    # the number, given to someone new, finds none of the old person's data
    unit = tenant.admin.post("/api/v1/units", json={"building_id": ids["building"], "number": "103"}).get_json()
    household = tenant.admin.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "renter"}).get_json()
    newcomer = tenant.admin.post("/api/v1/residents", json={"household_id": household["id"], "name": "赵六",
                                                            "phone": PHONE})
    assert newcomer.status_code == 201
    copy = _copy(signed_in(wuye_app, caplog))
    assert [r["name"] for r in _section(copy, "register")["items"]] == ["赵六"]
    assert _section(copy, "tickets")["items"] == [] and _section(copy, "deletion_requests")["items"] == []
    assert not [s for s in copy["sections"] if s["source"] == "care_visits"]


def test_a_refused_request_changes_nothing_and_says_why(wuye_app, world, caplog):
    tenant, ids = world
    resident = signed_in(wuye_app, caplog)
    request = _file(resident, None)
    before = _copy(resident)
    r = tenant.admin.post(f"/api/v1/deletion-requests/{request['id']}/refuse",
                          json={"reason": "您是业主，业主名册依法须保留"})
    assert r.status_code == 200 and r.get_json()["status"] == "refused"
    mine = resident.get("/api/v1/resident/deletion-requests").get_json()["items"][0]
    assert mine["status"] == "refused" and mine["refusal_reason"] == "您是业主，业主名册依法须保留"
    after = _copy(resident)
    for key in ("register", "tickets", "account"):
        assert _section(after, key) == _section(before, key)
    ticket = tenant.admin.get(f"/api/v1/tickets/{ids['mine']}").get_json()
    assert ticket["reporter_name"] == "张三" and ticket["reporter_phone"] == PHONE
    assert ask_code(wuye_app, caplog) is not None
    assert tenant.admin.post(f"/api/v1/deletion-requests/{request['id']}/approve").status_code == 409
    _file(resident)  # decided: a new request may be filed


def test_one_request_waits_at_a_time_and_bad_input_names_the_field(wuye_app, world, caplog):
    tenant, _ = world
    resident = signed_in(wuye_app, caplog)
    r = resident.post("/api/v1/resident/deletion-requests", json={"reason": "x" * 501})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"]
    r = resident.post("/api/v1/resident/deletion-requests", json={"why": "x"})
    assert r.status_code == 422 and "why" in r.get_json()["errors"]["json"]
    request = _file(resident)
    r = resident.post("/api/v1/resident/deletion-requests", json={})
    assert r.status_code == 409 and "reason" in r.get_json()["errors"]["json"]
    assert r.get_json()["message"] == "您的删除申请正在等待处理。"
    for body in ({}, {"reason": "   "}, {"reason": "y" * 501}):
        r = tenant.admin.post(f"/api/v1/deletion-requests/{request['id']}/refuse", json=body)
        assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"], body
    r = tenant.admin.get("/api/v1/deletion-requests", query_string={"status": "gone"})
    assert r.status_code == 422 and "status" in r.get_json()["errors"]["query"]
    assert tenant.admin.post("/api/v1/deletion-requests/999999/approve").status_code == 404


def test_only_tenant_admins_decide_and_residents_reach_no_queue(wuye_app, world, caplog):
    tenant, ids = world
    resident = signed_in(wuye_app, caplog)
    request = _file(resident)
    staff = tenant.user("window", "community_staff", [ids["community"]])
    assert staff.get("/api/v1/deletion-requests").status_code == 403
    assert staff.post(f"/api/v1/deletion-requests/{request['id']}/approve").status_code == 403
    assert resident.get("/api/v1/deletion-requests").status_code == 403
    assert resident.post(f"/api/v1/deletion-requests/{request['id']}/approve").status_code == 403
    assert tenant.admin.get("/api/v1/resident/my-data").status_code == 403


def test_a_plugin_that_cannot_erase_refuses_the_approval_and_nothing_is_erased(
        wuye_app, world, wuye_enable_plugin, caplog, monkeypatch):
    import wuye_care_visits.rights

    tenant, ids = world
    _care_person(tenant, ids, wuye_enable_plugin)
    request = _file(signed_in(wuye_app, caplog))

    def broken(resident_ids):
        raise RuntimeError("disk full")

    monkeypatch.setattr(wuye_care_visits.rights, "erase", broken)
    r = tenant.admin.post(f"/api/v1/deletion-requests/{request['id']}/approve")
    assert r.status_code == 409 and r.get_json()["errors"]["plugin"] == "care_visits"
    assert tenant.admin.get(f"/api/v1/deletion-requests/{request['id']}").get_json()["status"] == "pending"
    assert tenant.admin.get(f"/api/v1/tickets/{ids['mine']}").get_json()["reporter_name"] == "张三"
    assert tenant.admin.get(f"/api/v1/residents/{ids['resident']}").status_code == 200
    monkeypatch.undo()
    assert tenant.admin.post(f"/api/v1/deletion-requests/{request['id']}/approve").status_code == 200


def test_sixteen_approvals_at_once_erase_once(wuye_app, world, wuye_race, caplog):
    tenant, _ = world
    request = _file(signed_in(wuye_app, caplog))
    responses = wuye_race(tenant.admin, "POST", f"/api/v1/deletion-requests/{request['id']}/approve")
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 15, codes
    assert all(r.get_json()["errors"]["status"] == "approved" for r in responses if r.status_code == 409)
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "resident.deletion_approved"}).get_json()
    assert trail["total"] == 1


# --- the console ---------------------------------------------------------------------------------


def test_the_console_queue_shows_a_request_and_decides_it(wuye_app, world, caplog):
    tenant, ids = world
    request = _file(signed_in(wuye_app, caplog), "不再住这里")
    console = tenant.console()
    queue = console.get("/console/deletion-requests")
    assert queue.status_code == 200 and PHONE in queue.text and f"#{request['id']}" in queue.text
    assert "删除申请" in queue.text  # the menu and the title, in Chinese
    page = console.get(f"/console/deletion-requests/{request['id']}")
    assert page.status_code == 200 and "不再住这里" in page.text and "张三" in page.text
    assert "批准并删除" in page.text and "不予删除" in page.text

    refused = console.post(f"/console/deletion-requests/{request['id']}/refuse", {"reason": ""})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    done = console.post(f"/console/deletion-requests/{request['id']}/approve", follow_redirects=True)
    assert done.status_code == 200 and "已删除" in done.text and "138****0000" in done.text
    assert "不再住这里" not in done.text and "张三" not in done.text
    again = console.post(f"/console/deletion-requests/{request['id']}/approve")
    assert again.status_code == 409 and "已经处理" in again.text
    assert PHONE not in console.get("/console/deletion-requests", query_string={"status": "approved"}).text

    tenant.user("window", "community_staff", [ids["community"]])
    staff = tenant.console("window", "password-123")
    assert staff.get("/console/deletion-requests").status_code == 403
    assert "删除申请" not in staff.get("/console/").text


def test_the_notices_i_opened_are_in_the_copy_and_an_erased_number_leaves_their_texts(wuye_app, world, caplog):
    """Read receipts are the resident's data (in the copy); an urgent notice's text to the number is
    kept as a counted send once the number is erased, without the number."""
    tenant, ids = world
    with caplog.at_level(logging.WARNING, logger="wuye_core.resident_access.sms"):
        notice = tenant.admin.post("/api/v1/notices", json={
            "community_id": ids["community"], "audience": "community", "kind": "urgent", "category": "water",
            "title": "紧急停水", "body": "今天下午停水。"}).get_json()
    resident = signed_in(wuye_app, caplog)
    agree(resident)
    assert resident.get(f"/api/v1/resident/notices/{notice['id']}").status_code == 200
    read = _section(_copy(resident), "notices_read")["items"]
    assert [(r["title"], r["household_id"]) for r in read] == [("紧急停水", ids["household"])]

    request = _file(resident)
    assert tenant.admin.post(f"/api/v1/deletion-requests/{request['id']}/approve").status_code == 200
    texts = tenant.admin.get(f"/api/v1/notices/{notice['id']}").get_json()["texts"]
    assert texts["phones"] == 2  # me and the neighbour, still counted
    from sqlalchemy import select

    from wuye_core.extensions import db
    from wuye_core.notices.models import NoticeText
    from wuye_core.tenancy import tenant_context

    with wuye_app.app_context(), tenant_context(tenant.id):
        phones = db.session.scalars(select(NoticeText.phone).order_by(NoticeText.id)).all()
    assert PHONE not in phones and NEIGHBOUR in phones and len(phones) == 2
    assert tenant.admin.get(f"/api/v1/notices/{notice['id']}").get_json()["read_households"] == 1
