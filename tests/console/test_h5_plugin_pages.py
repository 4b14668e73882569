"""Plugins' pages for residents (API 1.12, hook `wuye_resident_pages`), with the scaffold's page the
session's `sample` plugin carries (/h5/plugins/sample/: the notes of my communities, a note of my
own): behind the residents' door like the core's pages (sign-in, CSRF, the privacy notice first),
then a 404 unless the plugin is on for one of the resident's communities; its navigation entry
only where it is on; `current_resident()` only their rows where it is on; `resident_link` opens
the page after signing in, and a `next` that is not a residents' page of this site is ignored."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask

from wuye_core.h5 import door, plugin_pages
from wuye_core.plugins import (
    PluginInfo,
    ResidentInfo,
    current_resident,
    hookimpl,
    resident_link,
    tenant_context,
)
from wuye_core.testing import resident_code

from ..test_resident_tickets import NEIGHBOUR, PHONE
from ..test_resident_tickets import world as world  # a fixture: acme, its service phone, a neighbour

PAGE = "/h5/plugins/sample/"
ENTRY = f'href="{PAGE}"'
ELSEWHERE = "13700000000"  # a resident of the second community only
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(page: str) -> str:
    return _CSRF.search(page).group(1)


@pytest.fixture
def two(world, wuye_enable_plugin):
    """acme's community (the plugin on) and a second one (off) where 张三 (PHONE) has a household
    too and 王五 (ELSEWHERE) lives."""
    tenant, ids = world
    api = tenant.admin
    other = api.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    site = api.post("/api/v1/sites", json={"community_id": other, "name": "二小区", "kind": "compound"}).get_json()
    building = api.post("/api/v1/buildings", json={"site_id": site["id"], "name": "9栋"}).get_json()
    unit = api.post("/api/v1/units", json={"building_id": building["id"], "number": "901", "entrance": "1"}).get_json()
    household = api.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "owner"}).get_json()["id"]
    ids["other"], ids["other_household"] = other, household
    for name, phone in (("张三", PHONE), ("王五", ELSEWHERE)):
        r = api.post("/api/v1/residents", json={"household_id": household, "name": name, "phone": phone})
        assert r.status_code == 201, r.get_json()
        ids[f"other_{phone}"] = r.get_json()["id"]
    wuye_enable_plugin(tenant, "sample", ids["community"])
    return tenant, ids


@pytest.fixture
def seen(monkeypatch):
    """What `current_resident()` gave the sample's page, request by request."""
    import wuye_sample.residents as sample_pages

    found: list[ResidentInfo | None] = []
    monkeypatch.setattr(sample_pages, "current_resident", lambda: found.append(current_resident()) or found[-1])
    return found


def _nav(page: str) -> list[str]:
    return re.findall(r'<nav class="nav".*?</nav>', page, re.S)[0].split("<a ")[1:]


def test_where_the_plugin_is_on_the_resident_has_its_entry_and_page(two, seen):
    tenant, ids = two
    resident = tenant.resident(ids["community"])
    home = resident.get("/h5/").get_data(as_text=True)
    labels = [re.sub(r"<[^>]+>|\s+", "", a.split(">", 1)[1]) for a in _nav(home)]
    assert labels == ["首页", "报事", "公告", "公示", "便签", "我的信息"]  # the plugin's before "My data"
    assert ENTRY in home

    r = resident.get(PAGE)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "社区便签" in page and "还没有便签" in page and "给服务台留言" in page
    assert f'{ENTRY} aria-current="page"' in page  # its entry is the current one
    # the resident as the plugin sees them: their phone, their rows where the plugin is on (not community 2's)
    assert seen[-1] == ResidentInfo(account_id=seen[-1].account_id, phone=PHONE, resident_ids=(ids["resident"],),
                                    household_ids=(ids["household"],), community_ids=(ids["community"],))
    assert f'name="community_id" value="{ids["community"]}"' in page  # one community: no choice

    r = resident.post(PAGE, data={"community_id": str(ids["community"]), "text": "  楼道灯坏了 "})
    assert r.status_code == 302 and r.headers["Location"].endswith(PAGE)
    page = resident.get(PAGE).get_data(as_text=True)
    assert "楼道灯坏了" in page and "谢谢，您的留言已送到服务台" in page
    notes = tenant.admin.get(f"/api/v1/plugins/sample/communities/{ids['community']}/notes").get_json()["items"]
    assert [n["text"] for n in notes] == ["楼道灯坏了"]
    r = resident.post(PAGE, data={"community_id": str(ids["community"]), "text": "   "})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.get_data(as_text=True)
    r = resident.post(PAGE, data={"community_id": str(ids["other"]), "text": "二社区的"})  # theirs, but off there
    assert r.status_code == 404 and "text/html" in r.headers["Content-Type"]
    assert resident.client.post(PAGE, data={"community_id": str(ids["community"]), "text": "x"}).status_code == 400

    page = resident.get(PAGE + "?lang=en").get_data(as_text=True)
    assert "Community notes" in page and '">Notes</a>' in page


def test_where_it_is_off_there_is_no_entry_and_no_page(two, wuye_app):
    tenant, ids = two
    elsewhere = tenant.resident(ids["other"], phone=ELSEWHERE)  # lives only where the plugin is off
    assert ENTRY not in elsewhere.get("/h5/").get_data(as_text=True)
    r = elsewhere.get(PAGE)
    assert r.status_code == 404 and "text/html" in r.headers["Content-Type"] and "社区便签" not in r.get_data(as_text=True)
    assert elsewhere.post(PAGE, data={"community_id": str(ids["other"]), "text": "x"}).status_code == 404

    resident = tenant.resident(ids["community"])
    assert resident.get(PAGE).status_code == 200
    assert tenant.admin.put("/api/v1/plugins/sample", json={"enabled": False}).status_code == 200  # the tenant's off
    assert resident.get(PAGE).status_code == 404
    assert ENTRY not in resident.get("/h5/").get_data(as_text=True)

    with wuye_app.test_request_context("/h5/"):
        assert current_resident() is None  # outside a resident's request


def test_signed_out_the_link_leads_to_the_page_after_signing_in(two, wuye_app):
    tenant, ids = two
    with wuye_app.test_request_context(), tenant_context(tenant.id):
        link = resident_link(ids["community"], PAGE)
        plain = resident_link(ids["community"], "https://evil.example/h5/")
    parts = urlsplit(link)
    assert parts.scheme == "http" and parts.path.startswith(f"/h5/c/{tenant.slug}/")
    assert parts.query == "next=%2Fh5%2Fplugins%2Fsample%2F" and plain == link.split("?")[0]
    entry = parts.path

    client = wuye_app.test_client()
    assert client.get(PAGE).headers["Location"].endswith("/h5/start")  # no session, no link: scan a code
    page = client.get(f"{parts.path}?{parts.query}").get_data(as_text=True)
    assert "获取验证码" in page
    r = client.post(entry + "/sign-in", data={"csrf_token": csrf(page), "phone": PHONE,
                                             "code": resident_code(wuye_app, tenant.slug, PHONE)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/h5/privacy")  # the notice first, then the page
    page = client.get("/h5/privacy").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    r = client.post("/h5/privacy", data={"csrf_token": csrf(page), "version": version})
    assert r.status_code == 302 and r.headers["Location"].endswith(PAGE)
    assert client.get(PAGE).status_code == 200

    # signed in to the tenant already: the link opens the page at once
    r = client.get(f"{parts.path}?{parts.query}")
    assert r.status_code == 302 and r.headers["Location"].endswith(PAGE)
    assert client.get(entry).headers["Location"].endswith("/h5/")  # the plain link: home

    # signed out: the page asked for comes back after signing in again
    page = client.get("/h5/me").get_data(as_text=True)
    assert client.post("/h5/sign-out", data={"csrf_token": csrf(page)}).status_code == 302
    r = client.get(PAGE)
    assert r.status_code == 302 and r.headers["Location"].endswith(entry)
    assert client.get("/h5/tickets/1/photos/1", headers={"Sec-Fetch-Dest": "image"}).status_code == 302  # not a page
    page = client.get(entry).get_data(as_text=True)
    r = client.post(entry + "/sign-in", data={"csrf_token": csrf(page), "phone": PHONE,
                                             "code": resident_code(wuye_app, tenant.slug, PHONE)})
    assert r.status_code == 302 and r.headers["Location"].endswith(PAGE)  # agreed before: straight there


def test_the_privacy_notice_comes_first(two):
    tenant, ids = two
    resident = tenant.resident(ids["community"], agree=False)
    r = resident.get(PAGE)
    assert r.status_code == 302 and r.headers["Location"].endswith("/h5/privacy")
    assert resident.post(PAGE, data={"community_id": str(ids["community"]), "text": "x"}).status_code == 302
    page = resident.get("/h5/privacy").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    r = resident.post("/h5/privacy", data={"version": version})
    assert r.status_code == 302 and r.headers["Location"].endswith(PAGE)  # then the page asked for
    assert resident.get(PAGE).status_code == 200


BAD = ("https://evil.example/h5/", "//evil.example/h5/", "http:/h5/", "/console/", "/api/v1/tickets", "h5/",
       "/h5/../console/", "/h5/%2e%2e/console/", "/h5/\\evil.example", "/\\evil.example/h5/", "/h5/\t/x",
       "javascript:alert(1)", "/h5")


@pytest.mark.parametrize("target", BAD)
def test_a_next_that_is_not_a_residents_page_here_is_ignored(target):
    assert door.local_page(target) is None
    assert door.local_page("/h5/plugins/sample/?x=1") == "/h5/plugins/sample/?x=1"


def test_an_external_next_is_ignored_at_the_entry(two, wuye_app):
    tenant, ids = two
    with wuye_app.test_request_context(), tenant_context(tenant.id):
        entry = urlsplit(resident_link(ids["community"], PAGE)).path
    client = wuye_app.test_client()
    page = client.get(entry, query_string={"next": "https://evil.example/h5/"}).get_data(as_text=True)
    r = client.post(entry + "/sign-in", data={"csrf_token": csrf(page), "phone": NEIGHBOUR,
                                             "code": resident_code(wuye_app, tenant.slug, NEIGHBOUR)})
    page = client.get("/h5/privacy").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    r = client.post("/h5/privacy", data={"csrf_token": csrf(page), "version": version})
    assert r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/h5/"
    for target in ("https://evil.example/h5/", "/console/", "/h5/../console/"):  # signed in: home, not there
        r = client.get(entry, query_string={"next": target})
        assert r.status_code == 302 and r.headers["Location"] in ("/h5/", "http://localhost/h5/"), target


def test_the_door_and_the_gate_are_the_pages_own(wuye_app):
    """An API request pays for neither (they run for the residents' blueprints only)."""
    everywhere = wuye_app.before_request_funcs.get(None, [])
    assert door.let_in not in everywhere and plugin_pages.gate not in everywhere
    assert wuye_app.before_request_funcs["h5_sample"] == [door.let_in, plugin_pages.gate]
    assert wuye_app.before_request_funcs["h5"] == [door.let_in]


def test_a_plugin_must_give_a_resident_part():
    from wuye_core.host.manager import PluginHost, PluginRefused

    class Wrong:
        @hookimpl
        def wuye_plugin_info(self):
            return PluginInfo("wrongpages", "1.0", "错", "Wrong", api_version="1.12")

        @hookimpl
        def wuye_resident_pages(self):
            return {"blueprint": Flask(__name__)}

    with pytest.raises(PluginRefused, match="ResidentPart"):
        PluginHost().add(Wrong(), "wrongpages")


def test_outside_a_request_the_link_is_on_the_public_url(two, wuye_app, monkeypatch):
    """API 1.13: a job texting a reminder has no request's host: WUYE_PUBLIC_URL makes the link
    absolute, and without it the link is refused with a RuntimeError naming the setting."""
    tenant, ids = two
    settings = wuye_app.config["WUYE"]
    with wuye_app.test_request_context(), tenant_context(tenant.id):
        in_request = urlsplit(resident_link(ids["community"], PAGE))
    monkeypatch.setattr(settings, "public_url", None)
    with wuye_app.app_context(), tenant_context(tenant.id), pytest.raises(RuntimeError, match="WUYE_PUBLIC_URL"):
        resident_link(ids["community"], PAGE)
    for base, prefix in (("https://wuye.example.cn", ""), ("https://example.cn/wuye/", "/wuye")):
        monkeypatch.setattr(settings, "public_url", base)
        with wuye_app.app_context(), tenant_context(tenant.id):
            link = urlsplit(resident_link(ids["community"], PAGE))
        assert (link.scheme, link.netloc) == ("https", urlsplit(base).netloc)
        assert link.path == prefix + in_request.path and link.query == in_request.query == "next=%2Fh5%2Fplugins%2Fsample%2F"
    with wuye_app.test_request_context(), tenant_context(tenant.id):  # in a request: its own host, as before
        assert urlsplit(resident_link(ids["community"], PAGE)) == in_request


def test_a_public_url_must_be_an_address():
    from wuye_core.config import ConfigError, Settings

    assert Settings.from_env({}, public_url="https://wuye.example.cn").public_url == "https://wuye.example.cn"
    for wrong in ("wuye.example.cn", "ftp://x", "https://", "https://a b", "https://x/?q=1"):
        with pytest.raises(ConfigError, match="WUYE_PUBLIC_URL"):
            Settings.from_env({}, public_url=wrong)
