"""The residents' pages (/h5, #19 item 2) without a browser: the community's link shows its name
and service phone and nothing to a wrong link; signing in by phone and code, the privacy notice
first; home, report with a photo, a ticket's steps and promise, rating; only the resident's own
households' tickets; CSRF and the console's page headers; signing out."""

from __future__ import annotations

import io
import re

from wuye_core.resident_access.community_links import community_key
from wuye_core.testing import resident_code

from ..test_resident_tickets import NEIGHBOUR, PHONE
from ..test_resident_tickets import world as world  # a fixture: acme, its service phone, a neighbour

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def link(app, tenant, community_id) -> str:
    with app.app_context():
        return f"/h5/c/{tenant.slug}/{community_key(tenant.id, community_id)}"


def csrf(page: str) -> str:
    return _CSRF.search(page).group(1)


def signed_in(app, tenant, entry, phone=PHONE, agree=True):
    """A browser-like client signed in at the residents' pages (and agreed to the notice)."""
    client = app.test_client()
    page = client.get(entry).get_data(as_text=True)
    r = client.post(entry + "/sign-in", data={"csrf_token": csrf(page), "phone": phone,
                                             "code": resident_code(app, tenant.slug, phone)})
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    if agree:
        assert r.headers["Location"].endswith("/h5/privacy")
        page = client.get("/h5/privacy").get_data(as_text=True)
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        r = client.post("/h5/privacy", data={"csrf_token": csrf(page), "version": version})
        assert r.status_code == 302 and r.headers["Location"].endswith("/h5/")
    return client


def test_the_community_link_shows_its_name_and_phone_and_a_wrong_one_nothing(wuye_app, world, wuye_make_tenant,
                                                                              wuye_register):
    tenant, ids = world
    entry = link(wuye_app, tenant, ids["community"])
    client = wuye_app.test_client()
    r = client.get(entry)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "社区" in page and 'href="tel:0571-12345"' in page and "获取验证码" in page
    assert "Content-Security-Policy" in r.headers and "form-action 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"
    assert "1栋" not in page and "张三" not in page
    other = wuye_make_tenant("other")
    other_ids = wuye_register(other)
    community, signature = entry.rsplit("/", 1)[1].split("-")
    for wrong in (f"/h5/c/acme/{community}-{'0' * len(signature)}", f"/h5/c/acme/{community}",
                  f"/h5/c/other/{community}-{signature}", f"/h5/c/nobody/{community}-{signature}",
                  link(wuye_app, tenant, other_ids["community"])):  # acme's signature of other's community id
        r = client.get(wrong)
        assert r.status_code == 404 and "社区" not in r.get_data(as_text=True), wrong
        assert "text/html" in r.headers["Content-Type"]  # a page, not JSON
    assert client.get(link(wuye_app, other, other_ids["community"])).status_code == 200


def test_a_resident_signs_in_agrees_reports_with_a_photo_and_rates(wuye_app, world, caplog):
    tenant, ids = world
    entry = link(wuye_app, tenant, ids["community"])
    client = wuye_app.test_client()
    assert client.get("/h5/").headers["Location"].endswith("/h5/start")  # nobody signed in, no link yet

    page = client.get(entry).get_data(as_text=True)
    r = client.post(entry + "/code", data={"csrf_token": csrf(page), "phone": "abc"})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.get_data(as_text=True)
    r = client.post(entry + "/code", data={"csrf_token": csrf(page), "phone": PHONE})
    assert r.status_code == 200 and 'name="code"' in r.get_data(as_text=True)
    r = client.post(entry + "/sign-in", data={"csrf_token": csrf(page), "phone": PHONE, "code": "000000"})
    assert r.status_code == 401 and "验证码错误或已失效" in r.get_data(as_text=True)
    assert client.post(entry + "/sign-in", data={"phone": PHONE, "code": "000000"}).status_code == 400  # no CSRF

    client = signed_in(wuye_app, tenant, entry, agree=False)
    assert client.get("/h5/").headers["Location"].endswith("/h5/privacy")  # the notice first
    assert "个人信息" in client.get("/h5/privacy").get_data(as_text=True)
    client = signed_in(wuye_app, tenant, entry)
    home = client.get("/h5/").get_data(as_text=True)
    assert "社区 小区 1栋 1单元 101" in home and 'href="tel:0571-12345"' in home and "还没有报过事" in home

    form = client.get("/h5/report").get_data(as_text=True)
    assert 'capture="environment"' in form and 'accept="image/*"' in form and "水电维修" in form
    r = client.post("/h5/report", data={"csrf_token": csrf(form), "household_id": str(ids["household"]),
                                        "kind": "repair", "category": "水电维修", "description": "卫生间漏水",
                                        "photos": [(io.BytesIO(PNG), "漏水.png", "image/png")]},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    ticket_id = int(r.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/h5/tickets/{ticket_id}").get_data(as_text=True)
    assert "已提交，等待受理" in page and "承诺 5 分钟内到场、30 分钟内办结。" in page and "已收到您的报事" in page
    photo = re.search(r'<img src="([^"]+)"', page).group(1)
    assert client.get(photo).data == PNG
    staff = tenant.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert (staff["channel"], staff["household_id"], staff["reporter_name"]) == ("app", ids["household"], "张三")

    # a bad photo: the form again, nothing made
    r = client.post("/h5/report", data={"csrf_token": csrf(form), "household_id": str(ids["household"]),
                                        "kind": "repair", "category": "水电维修", "description": "又漏了",
                                        "photos": [(io.BytesIO(b"GIF89a" + b"0" * 10), "a.gif", "image/gif")]},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "又漏了" in r.get_data(as_text=True)
    assert tenant.admin.get("/api/v1/tickets").get_json()["total"] == 1

    r = client.post(f"/h5/tickets/{ticket_id}/rating", data={"csrf_token": csrf(page), "rating": "5"})
    assert r.status_code == 409 and "只有已办结的工单才能评价" in r.get_data(as_text=True)
    for action in ("dispatch", "resolve"):
        assert tenant.admin.post(f"/api/v1/tickets/{ticket_id}/transitions",
                                 json={"action": action, "team": "水电班"}).status_code == 200
    page = client.get(f"/h5/tickets/{ticket_id}").get_data(as_text=True)
    assert "已办结" in page and 'name="rating"' in page and "水电班" not in page
    r = client.post(f"/h5/tickets/{ticket_id}/rating", data={"csrf_token": csrf(page), "rating": "4",
                                                            "comment": "还行"})
    assert r.status_code == 302
    page = client.get(f"/h5/tickets/{ticket_id}").get_data(as_text=True)
    assert "已关闭" in page and "★★★★☆" in page and 'name="rating"' not in page and "感谢您的评价" in page
    assert tenant.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()["rating"] == 4

    page = client.get("/h5/me").get_data(as_text=True)  # signing out: on 我的信息 (the bar has the pages)
    r = client.post("/h5/sign-out", data={"csrf_token": csrf(page)})
    assert r.status_code == 302 and r.headers["Location"].endswith(entry)
    assert client.get("/h5/").status_code == 302


def test_a_resident_opens_only_their_households_tickets(wuye_app, world):
    tenant, ids = world
    neighbours = tenant.admin.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": ids["site"], "household_id": ids["neighbour_household"],
        "channel": "phone", "kind": "repair", "category": "电梯", "title": "邻居的工单"}).get_json()["id"]
    client = signed_in(wuye_app, tenant, link(wuye_app, tenant, ids["community"]))
    assert "邻居的工单" not in client.get("/h5/").get_data(as_text=True)
    r = client.get(f"/h5/tickets/{neighbours}")
    assert r.status_code == 404 and "邻居的工单" not in r.get_data(as_text=True)
    # a report for the neighbour's household: back to choosing, nothing made
    r = client.get(f"/h5/report?household_id={ids['neighbour_household']}")
    assert r.status_code == 302
    neighbour = signed_in(wuye_app, tenant, link(wuye_app, tenant, ids["community"]), phone=NEIGHBOUR)
    assert "邻居的工单" in neighbour.get("/h5/").get_data(as_text=True)


def test_a_resident_of_one_tenant_may_open_another_tenants_link(wuye_app, world, wuye_make_tenant, wuye_register):
    tenant, ids = world
    client = signed_in(wuye_app, tenant, link(wuye_app, tenant, ids["community"]))
    assert client.get(link(wuye_app, tenant, ids["community"])).status_code == 302  # signed in here: home
    other = wuye_make_tenant("other")
    other_ids = wuye_register(other, prefix="乙")
    r = client.get(link(wuye_app, other, other_ids["community"]))
    assert r.status_code == 200 and "乙社区" in r.get_data(as_text=True)  # its sign-in page, not an error
