"""The console's door: sign-in, the session cookie, CSRF, sign-out, throttling, error pages."""

from __future__ import annotations

import re

import pytest

from wuye_core.testing import ConsoleClient, accept_password, console_login

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


def test_the_sites_address_leads_to_the_sign_in_page_with_its_three_inputs(wuye_app):
    client = wuye_app.test_client()
    assert client.get("/").headers["Location"] == "/console/"
    response = client.get("/console/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/sign-in")
    page = client.get("/console/sign-in").get_data(as_text=True)
    for name in ("tenant", "username", "password"):
        assert f'name="{name}"' in page
    assert "登录" in page and 'name="csrf_token"' in page


def test_signing_in_sets_a_safe_cookie_and_opens_the_home_page(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    console = ConsoleClient(wuye_app.test_client())
    response = console.post("/console/sign-in", data={"tenant": "acme", "username": "admin",
                                                      "password": "admin-pass-123"})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain HTTP here
    home = console.get("/console/")
    assert home.status_code == 200 and "admin" in home.text
    assert home.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in home.headers["Content-Security-Policy"]


def test_behind_tls_the_cookie_is_secure(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    accept_password(wuye_app, "acme", "admin")
    console = ConsoleClient(wuye_app.test_client())
    response = console.post("/console/sign-in", data={"tenant": "acme", "username": "admin",
                                                      "password": "admin-pass-123"},
                            base_url="https://localhost", headers={"Referer": "https://localhost/console/sign-in"})
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]
    # over HTTPS a form must come from the site itself (the Referer, which console pages send to it)
    other = ConsoleClient(wuye_app.test_client())
    assert other.post("/console/sign-in", data={"tenant": "acme", "username": "admin", "password": "x"},
                      base_url="https://localhost", headers={"Referer": "https://evil.example/"}).status_code == 400


def test_wrong_credentials_say_so_in_chinese_and_keep_the_username(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    console = ConsoleClient(wuye_app.test_client())
    response = console.post("/console/sign-in", data={"tenant": "acme", "username": "admin", "password": "nope"})
    assert response.status_code == 401
    assert "租户、用户名或密码错误" in response.text
    assert 'value="admin"' in response.text and "nope" not in response.text


def test_an_empty_username_is_named_next_to_its_field(wuye_app):
    console = ConsoleClient(wuye_app.test_client())
    response = console.post("/console/sign-in", data={"tenant": "acme", "username": "", "password": "x"})
    assert response.status_code == 422
    assert re.search(r'id="e-username"', response.text)


def test_a_form_without_its_csrf_token_is_refused(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    client = wuye_app.test_client()
    response = client.post("/console/sign-in", data={"tenant": "acme", "username": "admin",
                                                     "password": "admin-pass-123"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_failed_sign_ins_share_the_apis_budget(wuye_app, wuye_make_tenant):
    """The same limits whichever door: failures at the API count at the console and back."""
    wuye_make_tenant("acme")
    api = wuye_app.test_client()
    for _ in range(4):
        assert api.post("/api/v1/auth/token", json={"tenant": "acme", "username": "admin",
                                                    "password": "wrong"}).status_code == 401
    console = ConsoleClient(wuye_app.test_client())
    assert console.post("/console/sign-in", data={"tenant": "acme", "username": "admin",
                                                  "password": "wrong"}).status_code == 401
    refused = console.post("/console/sign-in", data={"tenant": "acme", "username": "admin",
                                                     "password": "admin-pass-123"})
    assert refused.status_code == 429
    assert "尝试次数过多" in refused.get_data(as_text=True)
    assert api.post("/api/v1/auth/token", json={"tenant": "acme", "username": "admin",
                                                "password": "admin-pass-123"}).status_code == 429


def test_signing_out_ends_the_session_and_the_accounts_tokens(wuye_app, wuye_make_tenant):
    tenant = wuye_make_tenant("acme")
    console = console_login(wuye_app, "acme", "admin", "admin-pass-123")
    assert console.get("/console/").status_code == 200
    assert console.post("/console/sign-out").status_code == 302
    assert console.get("/console/").status_code == 302
    assert tenant.admin.get("/api/v1/auth/me").status_code == 401  # every device, as the API's logout


def test_a_password_set_by_an_admin_must_be_changed_first(wuye_app, wuye_make_tenant):
    tenant = wuye_make_tenant("acme")
    r = tenant.admin.post("/api/v1/users", json={"username": "li", "password": "temp-pass-123",
                                                 "roles": [{"role": "readonly"}]})
    assert r.status_code == 201
    console = ConsoleClient(wuye_app.test_client())
    response = console.post("/console/sign-in", data={"tenant": "acme", "username": "li", "password": "temp-pass-123"})
    assert response.headers["Location"] == "/console/password"
    console._csrf = None
    assert console.get("/console/").headers["Location"] == "/console/password"
    weak = console.post("/console/password", data={"current_password": "temp-pass-123", "new_password": "short"})
    assert weak.status_code == 422 and 'id="e-new_password"' in weak.text
    ok = console.post("/console/password", data={"current_password": "temp-pass-123",
                                                 "new_password": "my-own-passphrase-9"})
    assert ok.status_code == 302
    console._csrf = None
    assert console.get("/console/").status_code == 200


def test_english_is_one_click_away_and_stays(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    console = console_login(wuye_app, "acme", "admin", "admin-pass-123")
    assert "首页" in console.get("/console/").text
    assert "Home" in console.get("/console/?lang=en").text
    assert "Home" in console.get("/console/").text
    assert "首页" in console.get("/console/?lang=zh_CN").text


def test_an_error_is_a_page_in_chinese_not_json(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    console = console_login(wuye_app, "acme", "admin", "admin-pass-123")
    response = console.get("/console/plugins/care_visits/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "请求的内容不存在" in response.text
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_next_only_returns_inside_the_console(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    accept_password(wuye_app, "acme", "admin")
    for target, expected in (("/console/?x=1", "/console/?x=1"), ("https://evil.example/", "/console/"),
                             ("//evil.example/console/", "/console/"), ("/api/v1/tickets", "/console/")):
        console = ConsoleClient(wuye_app.test_client())
        response = console.post("/console/sign-in", data={"tenant": "acme", "username": "admin",
                                                          "password": "admin-pass-123", "next": target})
        assert response.headers["Location"] == expected, target


def test_guesses_at_the_current_password_share_the_apis_budget(wuye_app, wuye_make_tenant):
    tenant = wuye_make_tenant("acme")
    console = console_login(wuye_app, "acme", "admin", "admin-pass-123")
    for _ in range(3):
        assert tenant.admin.post("/api/v1/auth/password", json={"current_password": "guess-1",
                                                                 "new_password": "whatever-pass-99"}).status_code == 422
    for _ in range(2):
        wrong = console.post("/console/password", data={"current_password": "guess-2",
                                                         "new_password": "whatever-pass-99"})
        assert wrong.status_code == 422 and 'id="e-current_password"' in wrong.text
    # five guesses through both doors: the budget is spent, even the right password waits
    refused = console.post("/console/password", data={"current_password": "admin-pass-123",
                                                       "new_password": "whatever-pass-99"})
    assert refused.status_code == 429
