"""Every console page (found in the app's url_map, the core's and the plugins'; filled with tenant
A's ids as in test_console_isolation.py) renders for the tenant's admin as the console's rules
ask (tests/console/pages.py `problems`): 200, `<html lang="zh-CN">`, one <h1>, a <title>, a label
for every field, nothing the Content-Security-Policy forbids (inline <script>, style=, on…=),
Cache-Control no-store, and none of the layout's English words left untranslated."""

from __future__ import annotations

import gzip
import re
from html import unescape
from pathlib import Path

import pytest
from werkzeug.test import TestResponse

from tests.console import pages
from tests.console.test_console_isolation import AsA, a_ids

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def _response(html: str, headers=None) -> TestResponse:
    from werkzeug.wrappers import Response

    return Response(html, mimetype="text/html", headers=headers or {"Cache-Control": "no-store"})


GOOD = """<!doctype html><html lang="zh-CN"><head><title>工单 · 物业</title></head><body>
<h1>工单</h1><form><label for="q">搜索</label><input id="q" name="q">
<label>状态 <select name="state"><option>全部</option></select></label>
<textarea name="note" aria-label="备注"></textarea><input type="hidden" name="csrf_token" value="x">
<button type="submit">查询</button></form><a href="?lang=en" lang="en">English</a>
<script src="/console/static/console.js" defer></script></body></html>"""


def test_the_checks_pass_a_good_page_and_name_each_fault_of_a_bad_one():
    assert pages.problems(_response(GOOD)) == []
    bad = (GOOD.replace('lang="zh-CN"', 'lang="en"').replace("<title>工单 · 物业</title>", "")
           .replace('<label for="q">搜索</label>', "").replace("<h1>工单</h1>", "<h1>工单</h1><h1>又一个</h1>")
           .replace('<button type="submit">查询</button>', '<button type="submit" onclick="go()">Save</button>')
           .replace("</body>", '<script>alert(1)</script><p style="color:red">Sign out</p></body>')
           .replace("</head>", "<style>h1 { color: red }</style></head>"))
    found = pages.problems(_response(bad, {"Cache-Control": "private"}))
    for expected in ("not no-store", "lang='en'", "2 <h1>", "no <title>", "no label: <input name='q'",
                     "inline <script>", "inline style", "inline handler", "untranslated: Save",
                     "untranslated: Sign out"):
        assert any(expected in problem for problem in found), (expected, found)
    assert any("<style> element" in problem for problem in found), found
    assert len(found) == 11, found


def test_every_console_page_renders_for_the_tenant_admin_by_the_consoles_rules(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_operator, wuye_service_link):
    a = wuye_make_tenant("tenant-a")
    ids = a_ids(a, wuye_register, wuye_enable_plugin, wuye_make_tenant, wuye_service_link)
    as_a = AsA(wuye_app, a)
    failures, checked = [], []
    for page in pages.get_pages(wuye_app):
        try:
            path = pages.fill(page, ids)
        except pages.UnknownParameter as exc:
            pytest.fail(str(exc), pytrace=False)
        response = as_a.get(path, pages.query_for(page, ids))  # the admin's, else A's staff, care worker, operator
        found = pages.problems(response)
        failures += [f"{path}: {problem}" for problem in found]
        checked.append(path)
    assert not failures, "\n".join(failures)
    assert {"/console/", "/console/password", "/console/sign-in"} <= set(checked)
    print(f"{len(checked)} console pages checked: {checked}")


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_INPUT = re.compile(r"<input\b([^>]*)>", re.I)
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
SENT_LAST = ("/console/settings", "/console/users", "/console/tenants")  # forms that change who sees what


def _forms(path: str, html: str):
    """(action, its hidden fields) of each POST form of a page; not those that ask first
    (data-confirm: a deletion, a cancellation) nor signing out."""
    for head, body in _FORM.findall(html):
        a = dict(_ATTR.findall(head))
        action = unescape(a.get("action") or path)
        if a.get("method", "get").lower() != "post" or "data-confirm" in head or action.endswith("/sign-out"):
            continue
        hidden = tuple(sorted((f["name"], unescape(f.get("value", ""))) for f in map(lambda m: dict(_ATTR.findall(m)),
                              _INPUT.findall(body)) if f.get("type") == "hidden" and f.get("name")))
        yield action, hidden


def test_every_form_sent_empty_shows_its_errors_to_a_screen_reader(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_operator, wuye_service_link):
    """Every POST form of every page, sent with its hidden fields only (an empty form): the page
    that comes back with the errors (422, or 400/409) follows the same rules, and more: each
    invalid field is described by its error (aria-describedby to an element that exists), each
    error is named by a field, the error summary is role=alert, messages role=status."""
    a = wuye_make_tenant("tenant-a")
    ids = a_ids(a, wuye_register, wuye_enable_plugin, wuye_make_tenant, wuye_service_link)
    as_a = AsA(wuye_app, a)
    forms: dict = {}
    for page in pages.get_pages(wuye_app):
        path = pages.fill(page, ids)
        for who in AsA.PEOPLE:
            response = as_a.console(who).get(path, query_string=pages.query_for(page, ids))
            if response.status_code == 200 and response.mimetype == "text/html":
                for form in _forms(path, response.get_data(as_text=True)):
                    forms.setdefault(form, who)
                break
    failures, checked = [], []
    for (action, hidden), who in sorted(forms.items(), key=lambda f: (f[0][0].startswith(SENT_LAST), f[0])):
        response = as_a.console(who).client.post(action, data=dict(hidden))
        if response.status_code not in (400, 409, 422) or response.mimetype != "text/html":
            continue
        status, response.status_code = response.status_code, 200
        failures += [f"POST {action} {dict(hidden)} ({status}): {p}" for p in pages.problems(response)
                     if "Cache-Control" not in p]
        checked.append(f"{action} {status}")
    assert not failures, "\n".join(failures)
    assert len(checked) >= 10, checked
    assert any("/transition 422" in c for c in checked), checked  # the dispatch dialog with its errors
    print(f"{len(checked)} forms sent empty: {checked}")


def test_the_screen_reader_checks_name_each_fault():
    good = GOOD.replace('<input id="q" name="q">', '<input id="q" name="q" aria-invalid="true" aria-describedby="e-q">'
                        '<p class="error" id="e-q">必填</p>').replace(
        "<h1>工单</h1>", '<h1>工单</h1><p class="flash" role="status">已保存</p><div class="form-error" role="alert">有误</div>')
    assert pages.problems(_response(good)) == []
    bad = (good.replace('aria-describedby="e-q"', "").replace('role="status"', "").replace('role="alert"', "")
           .replace("</form>", '<p class="error" id="e-x">又错</p></form><span id="q"></span>'
                    '<label for="nowhere">无</label><div aria-labelledby="h-gone"></div>'))
    found = pages.problems(_response(bad))
    for expected in ("id 'q' used twice", "<input aria-invalid> without aria-describedby",
                     "<p class=error id='e-q'>: no field", "<p class=error id='e-x'>: no field",
                     "class=flash> without role=status", "class=form-error> without role=alert",
                     "<label for='nowhere'>: no element", "<div aria-labelledby='h-gone'>: no element"):
        assert any(expected in problem for problem in found), (expected, found)


def test_the_sign_in_and_error_pages_follow_the_same_rules(wuye_app, wuye_make_tenant):
    client = wuye_app.test_client()
    assert pages.problems(client.get("/console/sign-in")) == []
    anonymous = client.get("/console/no-such-page")
    assert anonymous.status_code == 404
    anonymous.status_code = 200  # the error page itself: same rules
    assert pages.problems(anonymous) == []
    missing = wuye_make_tenant("tenant-a").console().get("/console/no-such-page")
    assert missing.status_code == 404
    missing.status_code = 200  # with the user's menu around it: never kept by a cache either
    assert pages.problems(missing) == []


def test_a_page_in_english_says_so(wuye_app, wuye_make_tenant):
    a = wuye_make_tenant("tenant-a")
    response = a.console().get("/console/?lang=en")
    assert pages.problems(response, zh=False) == []
    assert pages.facts(pages.text_of(response)).lang == "en"


# --- the volunteers plugin's trainings and time bank (until tests/test_isolation.py gives A such objects) --

VOLUNTEERS_PAGES = {  # the endpoints of console_training.py and console_time_bank.py
    "console_volunteers.trainings_list", "console_volunteers.training_new", "console_volunteers.training_page",
    "console_volunteers.training_edit", "console_volunteers.member_trainings",
    "console_volunteers.time_bank_balances", "console_volunteers.time_bank_member",
}


def _volunteers_world(a, wuye_register, wuye_enable_plugin, time_bank: bool) -> dict:
    from datetime import date

    from wuye_volunteers.models import Member

    from wuye_core.extensions import db
    from wuye_core.tenancy import tenant_context

    ids = wuye_register(a)
    wuye_enable_plugin(a, "volunteers", ids["community"], {"time_bank": time_bank})
    with a.app.app_context(), tenant_context(a.id):
        members = [Member(community_id=ids["community"], name=name, kind="volunteer", joined_on=date(2024, 1, 1),
                          availability=[], consent_contact=False, created_by="test", status=status)
                   for name, status in (("王秀英", "active"), ("李建国", "active"), ("赵大山", "left"))]
        db.session.add_all(members)
        db.session.commit()
        member_ids = [m.id for m in members]
        db.session.remove()
    vl = "/api/v1/plugins/volunteers"
    r = a.admin.post(f"{vl}/communities/{ids['community']}/trainings", json={
        "title": "法律咨询志愿者培训", "skill": "legal", "held_on": "2026-03-01", "minutes": 90})
    assert r.status_code == 201, r.get_json()
    training = r.get_json()["id"]
    r = a.admin.put(f"{vl}/trainings/{training}/attendance",
                    json={"rows": [{"member_id": member_ids[0], "attended": True, "passed": True}]})
    assert r.status_code == 200, r.get_json()
    if time_bank:
        r = a.admin.post(f"{vl}/members/{member_ids[0]}/time-bank/adjust", json={"points": 8, "reason": "补录"})
        assert r.status_code == 201, r.get_json()
    return {"community": ids["community"], "volunteers:training": training, "volunteers:member": member_ids[0]}


@pytest.mark.parametrize("time_bank", [True, False], ids=["time-bank-on", "time-bank-off"])
def test_volunteers_training_and_time_bank_pages_follow_the_consoles_rules(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank):
    """Each page of trainings and of the time bank renders for the tenant's admin by the console's
    rules, and each of its forms sent empty comes back with its errors for a screen reader."""
    a = wuye_make_tenant("tenant-a")
    ids = _volunteers_world(a, wuye_register, wuye_enable_plugin, time_bank)
    console = a.console()
    found = [p for p in pages.get_pages(wuye_app) if p.endpoint in VOLUNTEERS_PAGES]
    assert {p.endpoint for p in found} == VOLUNTEERS_PAGES
    failures, forms = [], {}
    for page in found:
        path = pages.fill(page, ids)
        response = console.get(path)
        failures += [f"{path}: {problem}" for problem in pages.problems(response)]
        for form in _forms(path, response.get_data(as_text=True)):
            forms.setdefault(form, path)
    sent = []
    for action, hidden in sorted(forms):
        response = console.client.post(action, data=dict(hidden))
        if response.status_code not in (400, 409, 422) or response.mimetype != "text/html":
            continue
        status, response.status_code = response.status_code, 200
        failures += [f"POST {action} ({status}): {p}" for p in pages.problems(response) if "Cache-Control" not in p]
        sent.append(f"{action} {status}")
    assert not failures, "\n".join(failures)
    # the new training, its correction and the sheet; the spend and the adjustment where the bank is on
    assert len(sent) == (5 if time_bank else 3), sent


# --- the vendored libraries, gzipped once (wuye_core/console/blueprint.py) ----------------------

VENDOR = Path(__file__).resolve().parents[2] / "wuye_core" / "console" / "static" / "vendor"


def test_every_vendored_script_has_its_gzipped_copy_and_the_copy_is_the_same_file():
    """An upgrade that forgets the .gz (or leaves an old one) fails here: `gzip -9 -n -k FILE`."""
    scripts = sorted(VENDOR.rglob("*.js"))
    assert scripts
    for script in scripts:
        copy = script.with_name(script.name + ".gz")
        assert copy.is_file(), f"no {copy.name}: run `gzip -9 -n -k {script.relative_to(VENDOR.parent)}`"
        assert gzip.decompress(copy.read_bytes()) == script.read_bytes(), f"{copy.name} is not {script.name}"


def test_a_browser_that_accepts_gzip_gets_the_gzipped_copy_and_others_the_file(wuye_app):
    from wuye_core.console.layout import asset

    client = wuye_app.test_client()
    with wuye_app.test_request_context():
        url = asset("vendor/echarts/echarts.common.min.js")
        css = asset("console.css")
    plain = (VENDOR / "echarts" / "echarts.common.min.js").read_bytes()
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert zipped.status_code == 200 and zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.mimetype == "text/javascript" and "Accept-Encoding" in zipped.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) < len(plain) / 2
    assert gzip.decompress(zipped.get_data()) == plain
    assert "max-age=604800" in zipped.headers["Cache-Control"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    for refused in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0, br"}):
        response = client.get(url, headers=refused)
        assert "Content-Encoding" not in response.headers and response.get_data() == plain, refused
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.headers["ETag"] != zipped.headers["ETag"]  # a cache never mixes the two
    own = client.get(css, headers={"Accept-Encoding": "gzip"})  # the console's own files: as they are
    assert own.status_code == 200 and "Content-Encoding" not in own.headers
    assert client.get("/console/static/../blueprint.py", headers={"Accept-Encoding": "gzip"}).status_code == 404
