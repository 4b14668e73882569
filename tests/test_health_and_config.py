"""Probes, the OpenAPI document, and configuration rules."""

from __future__ import annotations

import pytest

from wuye_core.config import ConfigError, Settings


def test_healthz_and_readyz(wuye_app, wuye_backend):
    client = wuye_app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    checks = ready.get_json()["checks"]
    assert checks["database"] == "ok"
    if wuye_backend.redis_url:
        assert checks["redis"] == "ok"


def test_readyz_reports_an_unreachable_redis(wuye_app):
    settings = wuye_app.config["WUYE"]
    saved = settings.redis_url
    settings.redis_url = "redis://127.0.0.1:1/0"
    try:
        r = wuye_app.test_client().get("/readyz")
    finally:
        settings.redis_url = saved
    assert r.status_code == 503 and r.get_json()["checks"]["redis"].startswith("error")


def test_openapi_documents_every_endpoint(wuye_app):
    spec = wuye_app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    docs = wuye_app.test_client().get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.data.lower()
    # the page's scripts come from the app itself, without a token (no CDN: works offline)
    assert b"/api/v1/docs/assets/swagger-ui-bundle.js" in docs.data and b"cdn." not in docs.data
    script = wuye_app.test_client().get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.data) > 100_000
    assert wuye_app.test_client().get("/api/v1/docs/assets/../../../etc/passwd").status_code == 404
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method == "parameters":
                continue
            assert op.get("summary") or op.get("description"), (method, path)
            codes = set(op["responses"])
            assert any(c.startswith("2") for c in codes), (method, path)
            if path != "/auth/token" and not path.startswith("/api/v1/auth/token"):
                assert codes & {"401", "403", "404", "422", "default"}, (method, path, codes)
            if "requestBody" in op:  # whoever takes a body documents how it can be refused
                assert "422" in codes, (method, path)
    assert {"/api/v1/households", "/api/v1/residents/{resident_id}", "/api/v1/auth/token"} <= set(spec["paths"])


def test_production_refuses_the_development_secret():
    with pytest.raises(ConfigError):
        Settings.from_env({"WUYE_ENV": "production", "WUYE_ENCRYPTION_KEYS": "x"})
    with pytest.raises(ConfigError):
        Settings.from_env({"WUYE_ENV": "production", "WUYE_SECRET_KEY": "s" * 40})
    ok = Settings.from_env({"WUYE_ENV": "production", "WUYE_SECRET_KEY": "s" * 40,
                            "WUYE_ENCRYPTION_KEYS": "k", "WUYE_TOKEN_TTL_SECONDS": "60"})
    assert ok.token_ttl_seconds == 60


def test_default_database_is_embedded_sqlite(tmp_path):
    settings = Settings.from_env({"WUYE_INSTANCE_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'wuye.sqlite3'}" and settings.redis_url is None
