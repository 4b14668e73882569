"""What every response says to the browser (api/security_headers.py), and the settings that refuse
to run (config.py): unknown WUYE_ENV values, HSTS behind TLS."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from wuye_core.app import create_app
from wuye_core.config import ConfigError, Settings
from wuye_core.testing import settings_for

PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}


@pytest.mark.parametrize("value", ["prod", "Production", "PRODUCTION", " production", "staging", "dev"])
def test_an_unknown_environment_is_refused_with_the_allowed_values(value):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"WUYE_ENV": value})
    message = str(refused.value)
    assert "无效" in message and "is not valid" in message and repr(value) in message
    assert "development, production, test" in message
    assert message.index("无效") < message.index("is not valid")  # Chinese first


def test_the_three_environments_are_accepted():
    for value in ("development", "test"):
        assert Settings.from_env({"WUYE_ENV": value}).env == value
    strong = {"WUYE_SECRET_KEY": "s" * 40, "WUYE_ENCRYPTION_KEYS": "k"}
    assert Settings.from_env({"WUYE_ENV": "production", **strong}).env == "production"


@pytest.mark.parametrize("name, value", [("WUYE_HSTS_SECONDS", "-1"), ("WUYE_IMPORT_MAX_ROWS", "0"),
                                         ("WUYE_IMPORT_MAX_UNPACKED_BYTES", "0"),
                                         ("WUYE_JOB_LIMIT_PER_USER", "lots")])
def test_out_of_range_limits_are_refused(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_every_response_says_nosniff(wuye_app, wuye_make_tenant):
    tenant = wuye_make_tenant("acme")
    anonymous = wuye_app.test_client()
    responses = [anonymous.get("/healthz"), anonymous.get("/api/v1/openapi.json"), anonymous.get("/api/v1/docs"),
                 anonymous.get("/api/v1/docs/assets/swagger-ui.css"), anonymous.get("/api/v1/auth/me"),
                 anonymous.get("/no/such/page"), tenant.admin.get("/api/v1/auth/me"),
                 tenant.admin.get("/api/v1/tickets/export.xlsx", query_string=PERIOD), tenant.admin.post("/api/v1/communities", json={})]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 401, 404, 200, 200, 422]
    for r in responses:
        assert r.headers.getlist("X-Content-Type-Options") == ["nosniff"], r.request.path


def test_authenticated_answers_are_not_stored(wuye_app, wuye_make_tenant, wuye_register):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    for path in ("/api/v1/auth/me", f"/api/v1/residents/{ids['resident']}", "/api/v1/residents",
                 "/api/v1/residents/999999"):
        r = tenant.admin.get(path)
        assert r.headers["Cache-Control"] == "no-store", (path, r.status_code)
    assert tenant.admin.get(f"/api/v1/residents/{ids['resident']}").get_json()["phone"] == "13800000000"
    # the token itself
    login = wuye_app.test_client().post("/api/v1/auth/token", json={"tenant": "acme", "username": "admin",
                                                                     "password": "admin-pass-123"})
    assert login.status_code == 200 and login.headers["Cache-Control"] == "no-store"
    # a view's own caching stands: exports say private, no-store; Swagger UI's files are cached
    export = tenant.admin.get("/api/v1/tickets/export.xlsx", query_string=PERIOD)
    assert export.headers.getlist("Cache-Control") == ["private, no-store"]
    asset = wuye_app.test_client().get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.headers.getlist("Cache-Control") == ["public, max-age=604800"]


def _csp(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


def test_the_docs_page_may_not_be_framed_and_runs_only_its_own_scripts(wuye_app):
    r = wuye_app.test_client().get("/api/v1/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Referrer-Policy"] == "no-referrer"
    policy = _csp(r.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"] and policy["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    page = r.data.decode()
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources and all(s.startswith("/api/v1/docs/assets/") for s in sources)  # 'self'
    assert "'self'" in policy["script-src"]
    inline = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert len(inline) == 1 and "SwaggerUIBundle" in inline[0]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy["script-src"]  # the page's own inline script may run
    stylesheets = re.findall(r'<link href="([^"]+)" rel="stylesheet"', page)
    assert stylesheets and all(s.startswith("/api/v1/docs/assets/") for s in stylesheets)
    assert policy["style-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]  # the spec, "Try it out"
    # JSON answers carry no page policy
    assert "Content-Security-Policy" not in wuye_app.test_client().get("/healthz").headers


def test_the_docs_page_renders_in_a_browser_under_its_policy(wuye_live_server, wuye_page):
    """Swagger UI, served with its policy, builds the page in a real browser and the browser
    reports no violation of the policy (nor any script error)."""
    problems = []

    def console(message):
        if message.location.get("url", "").endswith("/favicon.ico"):
            return  # the browser asks for the site's icon; there is none yet (the console's, #17)
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{message.text} ({message.location.get('url')})")

    wuye_page.on("console", console)
    wuye_page.on("pageerror", lambda error: problems.append(str(error)))
    wuye_page.goto(f"{wuye_live_server}/api/v1/docs")
    wuye_page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)  # the operations are listed
    assert wuye_page.get_by_text("/api/v1/auth/token", exact=True).count() >= 1
    assert problems == []


def _hsts_app(wuye_backend, **overrides):
    return create_app(settings_for(wuye_backend, **overrides), plugin_entry_points=[])


def test_hsts_only_when_configured_and_over_https(wuye_app, wuye_backend):
    assert "Strict-Transport-Security" not in wuye_app.test_client().get("/healthz", base_url="https://x").headers
    app = _hsts_app(wuye_backend, hsts_seconds=31536000)
    secure = app.test_client().get("/healthz", base_url="https://wuye.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in app.test_client().get("/healthz").headers  # plain http
    # behind a TLS-terminating proxy: its X-Forwarded-Proto counts when the proxy is trusted
    proxied = _hsts_app(wuye_backend, hsts_seconds=600, proxy_hops=1).test_client()
    r = proxied.get("/healthz", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.1"})
    assert r.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
    untrusted = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in untrusted.headers
