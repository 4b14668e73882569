"""转办 at the console (console/handoffs.py): a street clerk hands a window ticket to the company
from the ticket's page; the company's console shows it received with its own ticket, dispatches and
resolves it; the street's ticket page shows the progress; the company hands another back with a
reason (required, shown next to the field) and the street reads the reason; the list /console/handoffs
by direction and state; no action for those who may not write; the menu entry only for readers of a
tenant with a link in force."""

from __future__ import annotations

import re

import pytest

from tests.console import pages
from tests.test_handoffs import make_linked, ticket

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def panel(html: str) -> str:
    found = re.search(r'<section class="card handoffs" id="handoffs".*?</section>', html, re.S)
    return text_of(found.group(0)) if found else ""


def _ok(response):
    response.status_code = 200  # the page that shows a refusal follows the same rules
    return response


@pytest.fixture
def linked(wuye_make_tenant, wuye_register, wuye_service_link):
    return make_linked(wuye_make_tenant, wuye_register, wuye_service_link)


def _received(company) -> list[dict]:
    return company.admin.get("/api/v1/handoffs", query_string={"direction": "received"}).get_json()["items"]


def test_street_hands_off_company_works_it_and_the_street_follows(linked):
    street, s_ids, company, c_ids, link = linked
    mine = ticket(street, s_ids)
    street.user("clerk", "community_staff", [s_ids["community"]])
    clerk = street.console("clerk", "password-123")
    path = f"/console/tickets/{mine['id']}"

    # no link yet: no action, no panel, no menu entry
    page = clerk.get(path)
    assert page.status_code == 200 and "data-open-dialog=\"handoff-dialog\"" not in page.text
    assert 'href="/console/handoffs"' not in page.text

    link(share_contact=False)
    page = clerk.get(path)
    assert page.status_code == 200 and pages.problems(page) == []
    assert "转办给幸福物业" in page.text and 'id="handoff-dialog"' in page.text
    assert "报事人姓名和电话不随转办提供" in text_of(page.text)
    assert 'href="/console/handoffs"' in page.text  # the menu: a link in force

    sent = clerk.post(f"{path}/handoff", data={"note": "请尽快处理"})
    assert sent.status_code == 302, sent.text[:3000]
    page = clerk.get(path)
    assert pages.problems(page) == []
    shown = panel(page.text)
    assert "转出" in shown and "幸福物业" in shown and "已送达" in shown and "请尽快处理" in shown
    assert "handoff-dialog" not in page.text  # one hand-off in progress per ticket
    their_id = _received(company)[0]["my_ticket_id"]
    assert f"#{their_id}" in shown
    # a second hand-off of the same ticket (a stale page): refused, said in the page
    again = clerk.post(f"{path}/handoff", data={})
    assert again.status_code == 409 and "已在转办中" in again.text and pages.problems(_ok(again)) == []

    # the company's console: received, with its own ticket
    c_console = company.console()
    listed = c_console.get("/console/handoffs", query_string={"direction": "received"})
    assert listed.status_code == 200 and pages.problems(listed) == []
    assert f'href="/console/tickets/{their_id}#handoffs"' in listed.text and "径河街道" in listed.text
    assert f"#{mine['id']}" in text_of(listed.text)
    assert "径河街道" not in c_console.get("/console/handoffs").text  # the sent tab: nothing sent
    theirs = c_console.get(f"/console/tickets/{their_id}")
    assert theirs.status_code == 200 and pages.problems(theirs) == []
    shown = panel(theirs.text)
    assert "转入" in shown and "径河街道" in shown and "转办" in text_of(theirs.text)
    assert 'name="reason"' in theirs.text  # the receiving side may hand it back
    assert "handoff-dialog" not in theirs.text

    # the company works it: the street's page follows
    company.user("c-fixer", "worker", [c_ids["community"]])
    users = {u["username"]: u["id"] for u in company.admin.get("/api/v1/users").get_json()["items"]}
    for action in ("accept", "dispatch", "arrive", "resolve"):
        data = {"action": action, "note": "已协调施工方" if action == "resolve" else ""}
        if action == "dispatch":
            data["assignee_id"] = users["c-fixer"]
        r = c_console.post(f"/console/tickets/{their_id}/transition", data=data)
        assert r.status_code == 302, (action, r.text[:2000])
    page = clerk.get(path)
    assert pages.problems(page) == []
    shown = panel(page.text)
    assert "已办结" in shown
    for step in ("已转出", "已送达", "已受理", "已派单", "已到场", "已办结"):
        assert step in shown, step
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", shown)  # Beijing time, as the console writes it
    assert 'name="reason"' not in page.text.split('id="handoffs"')[1].split("</section>")[0]

    # the street's list: sent, with the partner's ticket
    listed = clerk.get("/console/handoffs")
    assert listed.status_code == 200 and pages.problems(listed) == []
    assert f'href="/console/tickets/{mine["id"]}#handoffs"' in listed.text and "已办结" in text_of(listed.text)
    filtered = clerk.get("/console/handoffs", query_string={"state": "returned"})
    assert f'/console/tickets/{mine["id"]}#' not in filtered.text


def test_the_company_hands_back_with_a_reason(linked):
    street, s_ids, company, c_ids, link = linked
    link()
    mine = ticket(street, s_ids)
    s_console = street.console()
    assert s_console.post(f"/console/tickets/{mine['id']}/handoff", data={}).status_code == 302
    handoff = _received(company)[0]
    their_id, handoff_id = handoff["my_ticket_id"], handoff["id"]
    c_console = company.console()

    empty = c_console.post(f"/console/handoffs/{handoff_id}/return", data={"reason": "  "})
    assert empty.status_code == 422 and pages.problems(_ok(empty)) == []
    assert f'id="e-return_reason-{handoff_id}"' in empty.text and 'aria-invalid="true"' in empty.text
    # the sender may not hand it back: refused on its ticket's page
    refused = s_console.post(f"/console/handoffs/{handoff_id}/return", data={"reason": "x"})
    assert refused.status_code == 403 and pages.problems(_ok(refused)) == []
    assert "只有接收转办的一方可以退回" in text_of(refused.text)

    back = c_console.post(f"/console/handoffs/{handoff_id}/return", data={"reason": "不属于本公司服务范围"})
    assert back.status_code == 302, back.text[:2000]
    theirs = c_console.get(f"/console/tickets/{their_id}")
    assert "已取消" in text_of(theirs.text) and "已退回" in panel(theirs.text)
    page = s_console.get(f"/console/tickets/{mine['id']}")
    assert pages.problems(page) == []
    shown = panel(page.text)
    assert "已退回" in shown and "不属于本公司服务范围" in shown
    # the ticket is the street's again: it may be handed off once more
    assert 'data-open-dialog="handoff-dialog"' in page.text
    listed = s_console.get("/console/handoffs", query_string={"state": "returned"})
    assert "不属于本公司服务范围" in listed.text


def test_the_company_hands_a_public_area_problem_to_the_street(linked):
    street, s_ids, company, c_ids, link = linked
    link(share_contact=True)
    own = ticket(company, c_ids, category="公共设施", title="小区外道路破损")
    page = company.console().get(f"/console/tickets/{own['id']}")
    assert "转办给径河街道" in page.text
    assert "报事人姓名和电话不随转办提供" in text_of(page.text)  # the provider never sends the contact
    assert company.console().post(f"/console/tickets/{own['id']}/handoff", data={}).status_code == 302
    received = street.console().get("/console/handoffs", query_string={"direction": "received"})
    assert "幸福物业" in received.text and "小区外道路破损" in received.text


def test_no_action_for_those_who_may_not_write(linked):
    street, s_ids, company, c_ids, link = linked
    link()
    mine = ticket(street, s_ids)
    street.user("viewer", "readonly", [s_ids["community"]])
    street.user("fixer", "worker", [s_ids["community"]])
    viewer = street.console("viewer", "password-123")
    page = viewer.get(f"/console/tickets/{mine['id']}")
    assert page.status_code == 200 and "handoff-dialog" not in page.text
    assert viewer.post(f"/console/tickets/{mine['id']}/handoff", data={}).status_code == 403
    assert 'href="/console/handoffs"' in page.text and viewer.get("/console/handoffs").status_code == 200
    worker = street.console("fixer", "password-123")
    assert worker.get("/console/handoffs").status_code == 403
    assert 'href="/console/handoffs"' not in worker.get("/console/").text
    assert street.admin.get("/api/v1/handoffs").get_json()["items"] == []
    # the hand-off made by the admin: the viewer reads it, without the return form (it is the sender)
    assert street.console().post(f"/console/tickets/{mine['id']}/handoff", data={}).status_code == 302
    page = viewer.get(f"/console/tickets/{mine['id']}")
    assert "幸福物业" in panel(page.text) and 'name="reason"' not in page.text
    # the company's reader: no return form
    company.user("c-viewer", "readonly", [c_ids["community"]])
    their_id = _received(company)[0]["my_ticket_id"]
    page = company.console("c-viewer", "password-123").get(f"/console/tickets/{their_id}")
    assert "径河街道" in panel(page.text) and 'name="reason"' not in page.text


def test_the_partners_missed_deadlines_are_marked(linked, wuye_app):
    from datetime import UTC, datetime, timedelta

    from wuye_core.events.edge import unit_of_work
    from wuye_core.tenancy import tenant_context
    from wuye_core.tickets import service as ticket_service

    street, s_ids, company, c_ids, link = linked
    link()
    mine = ticket(street, s_ids)
    console = street.console()
    assert console.post(f"/console/tickets/{mine['id']}/handoff", data={}).status_code == 302
    with wuye_app.test_request_context(), tenant_context(company.id), unit_of_work():
        ticket_service.mark_sla_breaches(datetime.now(UTC) + timedelta(days=2))
    page = console.get(f"/console/tickets/{mine['id']}")
    assert pages.problems(page) == []
    shown = panel(page.text)
    assert "到场超时" in shown and "办结超时" in shown
    listed = console.get("/console/handoffs")
    assert 'class="overdue"' in listed.text and "办结超时" in text_of(listed.text)
