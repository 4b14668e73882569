"""服务关系 at the console (console/links.py): the company proposes, the street sees the proposal
awaiting its answer and accepts it naming its own site, both see it in force, either ends it with a
reason; refusals shown next to their fields; read-only for other readers, 403 for field workers,
and the menu entry only for those who may read the page."""

from __future__ import annotations

import re

import pytest

from tests.console import pages

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html: str, key: str) -> str:
    """The text of one group of the page (awaiting_us, awaiting_them, in_force, ended)."""
    found = re.search(rf'<section aria-labelledby="h-{key}">(.*?)</section>', html, re.S)
    return text_of(found.group(1)) if found else ""


@pytest.fixture
def street_and_company(wuye_make_tenant, wuye_register):
    street = wuye_make_tenant("street", kind="subdistrict", name="径河街道")
    company = wuye_make_tenant("company", name="幸福物业")
    return street, wuye_register(street, prefix="街"), company, wuye_register(company, prefix="企")


def _link_id(tenant, state="proposed") -> int:
    items = tenant.admin.get("/api/v1/service-links", query_string={"state": state}).get_json()["items"]
    assert len(items) == 1, items
    return items[0]["id"]


def test_the_company_proposes_the_street_accepts_and_ends_it(street_and_company):
    street, s_ids, company, c_ids = street_and_company
    c_console, s_console = company.console(), street.console()

    page = c_console.get("/console/links")
    assert page.status_code == 200 and pages.problems(page) == []
    assert '<option value="provider" selected>' in page.text  # a company serves, by default
    assert '<optgroup label="企社区">' in page.text and f'<option value="{c_ids["site"]}">企小区</option>' in page.text

    sent = c_console.post("/console/links", data={"partner": "street", "site_id": c_ids["site"], "note": "共建协议"})
    assert sent.status_code == 302, sent.text[:3000]
    page = c_console.get("/console/links")
    assert "径河街道" in section(page.text, "awaiting_them") and "共建协议" in section(page.text, "awaiting_them")
    link = _link_id(company)

    # the street: awaiting its answer, its site select grouped by community, the default side client
    page = s_console.get("/console/links")
    assert page.status_code == 200 and pages.problems(page) == []
    waiting = section(page.text, "awaiting_us")
    assert "幸福物业" in waiting and "企小区" in waiting and "属地方" in waiting
    assert '<option value="client" selected>' in page.text
    assert f'action="/console/links/{link}/accept"' in page.text
    # the menu counts the proposals awaiting our answer (the street's), not those awaiting theirs
    assert re.search(r'href="/console/links"[^>]*>服务关系 <span class="badge" data-awaiting>1</span>', page.text)
    assert "data-awaiting" not in c_console.get("/console/links").text

    # another's site id: "does not exist", next to the site select of that link's form
    wrong = s_console.post(f"/console/links/{link}/accept", data={"site_id": c_ids["site"]})
    assert wrong.status_code == 422 and pages.problems(_ok(wrong)) == []
    assert f'id="e-site_id-a{link}"' in wrong.text and "不存在" in text_of(wrong.text)
    empty = s_console.post(f"/console/links/{link}/accept", data={})
    assert empty.status_code == 422 and f'id="e-site_id-a{link}"' in empty.text

    accepted = s_console.post(f"/console/links/{link}/accept", data={"site_id": s_ids["site"]})
    assert accepted.status_code == 302, accepted.text[:3000]
    assert "data-awaiting" not in s_console.get("/console/").text
    for console, mine, theirs in ((s_console, "街小区", "企小区"), (c_console, "企小区", "街小区")):
        in_force = section(console.get("/console/links").text, "in_force")
        assert mine in in_force and theirs in in_force and ("幸福物业" in in_force or "径河街道" in in_force)

    # the side where the site lies decides what hand-offs carry; the company has no such form
    assert f"/console/links/{link}/share" in s_console.get("/console/links").text
    assert f"/console/links/{link}/share" not in c_console.get("/console/links").text
    shared = s_console.post(f"/console/links/{link}/share", data={"share_contact": "on"})
    assert shared.status_code == 302
    assert street.admin.get(f"/api/v1/service-links/{link}").get_json()["share_contact"] is True
    refused = c_console.post(f"/console/links/{link}/share", data={})  # a hand-made form: the rule says no
    assert refused.status_code == 403 and "form-error" in refused.text

    # ended by the company with a reason: both see it ended, both trails hold every change
    page = c_console.get("/console/links")
    assert re.search(rf'action="/console/links/{link}/revoke"[^>]*data-confirm=', page.text)
    ended = c_console.post(f"/console/links/{link}/revoke", data={"reason": "合同到期"})
    assert ended.status_code == 302
    for console in (s_console, c_console):
        page = console.get("/console/links").text
        assert "合同到期" in section(page, "ended") and "幸福" not in section(page, "in_force")
    again = c_console.post(f"/console/links/{link}/revoke", data={"reason": "再来"})
    assert again.status_code == 409 and "form-error" in again.text  # shown on the ended link's card
    for tenant in (street, company):
        actions = [i["action"] for i in tenant.admin.get("/api/v1/audit", query_string={"action": "link."})
                   .get_json()["items"]]
        assert actions == ["link.revoked", "link.changed", "link.accepted", "link.proposed"]


def _ok(response):
    response.status_code = 200  # the page that shows the refusal follows the same rules
    return response


def test_refusals_are_shown_next_to_their_fields(street_and_company):
    street, s_ids, company, c_ids = street_and_company
    console = company.console()
    for data, name in (({"partner": "nobody", "site_id": c_ids["site"]}, "partner"),
                       ({"partner": "company", "site_id": c_ids["site"]}, "partner"),  # ourselves
                       ({"partner": "street", "site_id": s_ids["site"]}, "site_id"),  # another's site
                       ({"site_id": c_ids["site"]}, "partner")):  # no partner
        r = console.post("/console/links", data=data)
        assert r.status_code == 422, (data, r.status_code)
        error = "e-site_id-p" if name == "site_id" else f"e-{name}"
        assert f'id="{error}"' in r.text and 'aria-invalid="true"' in r.text, data
        assert pages.problems(_ok(r)) == [], data
    # what was typed comes back
    r = console.post("/console/links", data={"partner": "nobody", "site_id": c_ids["site"], "note": "共建"})
    assert 'value="nobody"' in r.text and 'value="共建"' in r.text
    # a site with a live link: 409, named on the site select
    assert console.post("/console/links", data={"partner": "street", "site_id": c_ids["site"]}).status_code == 302
    taken = console.post("/console/links", data={"partner": "street", "site_id": c_ids["site"]})
    assert taken.status_code == 409 and 'id="e-site_id-p"' in taken.text
    # a link that is not ours: 404
    assert street.console().post("/console/links/999999/decline", data={}).status_code == 404


def test_the_street_declines_with_a_reason(street_and_company):
    street, s_ids, company, c_ids = street_and_company
    assert company.console().post("/console/links", data={
        "partner": "street", "site_id": c_ids["site"], "share_contact": "on"}).status_code == 302
    link = _link_id(street)
    declined = street.console().post(f"/console/links/{link}/decline", data={"reason": "不在辖区"})
    assert declined.status_code == 302
    page = company.console().get("/console/links").text
    assert "不在辖区" in section(page, "ended") and "已拒绝" in section(page, "ended")


def test_readers_see_the_page_without_forms_and_workers_get_403(street_and_company):
    street, s_ids, company, c_ids = street_and_company
    assert company.console().post("/console/links", data={"partner": "street", "site_id": c_ids["site"]}).status_code == 302
    link = _link_id(street)
    street.user("clerk", "community_staff", [s_ids["community"]])
    street.user("viewer", "readonly")
    street.user("fixer", "worker", [s_ids["community"]])
    admin = street.console()
    assert 'href="/console/links"' in admin.get("/console/").text  # the menu entry
    for username in ("clerk", "viewer"):
        console = street.console(username, "password-123")
        page = console.get("/console/links")
        assert page.status_code == 200 and pages.problems(page) == [], username
        assert "幸福物业" in section(page.text, "awaiting_us") and "<form method=\"post\" action=\"/console/links" \
            not in page.text
        assert "data-awaiting" not in page.text  # only those who may answer are counted
        assert 'href="/console/links"' in console.get("/console/").text
        assert console.post(f"/console/links/{link}/accept", data={"site_id": s_ids["site"]}).status_code == 403
        assert console.post("/console/links", data={"partner": "company", "site_id": s_ids["site"]}).status_code == 403
    worker = street.console("fixer", "password-123")
    refused = worker.get("/console/links")
    assert refused.status_code == 403 and "幸福物业" not in refused.text
    assert 'href="/console/links"' not in worker.get("/console/").text
    assert street.admin.get(f"/api/v1/service-links/{link}").get_json()["state"] == "proposed"
