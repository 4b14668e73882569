"""Every console page (found in the app's url_map, the core's and the plugins'; filled with tenant
A's ids as in test_console_isolation.py) renders for the tenant's admin as the console's rules
ask (tests/console/pages.py `problems`): 200, `<html lang="zh-CN">`, one <h1>, a <title>, a label
for every field, nothing the Content-Security-Policy forbids (inline <script>, style=, on…=),
Cache-Control no-store, and none of the layout's English words left untranslated."""

from __future__ import annotations

import pytest
from werkzeug.test import TestResponse

from tests.console import pages
from tests.console.test_console_isolation import a_ids, operator_console

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
           .replace("</body>", '<script>alert(1)</script><p style="color:red">Sign out</p></body>'))
    found = pages.problems(_response(bad, {"Cache-Control": "private"}))
    for expected in ("not no-store", "lang='en'", "2 <h1>", "no <title>", "no label: <input name='q'",
                     "inline <script>", "inline style", "inline handler", "untranslated: Save",
                     "untranslated: Sign out"):
        assert any(expected in problem for problem in found), (expected, found)
    assert len(found) == 10, found


def test_every_console_page_renders_for_the_tenant_admin_by_the_consoles_rules(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_operator):
    a = wuye_make_tenant("tenant-a")
    ids = a_ids(a, wuye_register, wuye_enable_plugin)
    admin, operator = a.console(), None
    failures, checked = [], []
    for page in pages.get_pages(wuye_app):
        try:
            path = pages.fill(page, ids)
        except pages.UnknownParameter as exc:
            pytest.fail(str(exc))
        response = admin.get(path, query_string=pages.query_for(page), follow_redirects=True)
        if response.status_code == 403:  # a platform page: its reader is the operator
            operator = operator or operator_console(wuye_app)
            response = operator.get(path, query_string=pages.query_for(page), follow_redirects=True)
        found = pages.problems(response)
        failures += [f"{path}: {problem}" for problem in found]
        checked.append(path)
    assert not failures, "\n".join(failures)
    assert {"/console/", "/console/password", "/console/sign-in"} <= set(checked)
    print(f"{len(checked)} console pages checked: {checked}")


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
    assert pages.facts(response.get_data(as_text=True)).lang == "en"

