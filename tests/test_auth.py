"""Login, tokens, throttling, deactivation, and the platform operator's limits."""

from __future__ import annotations

import time

import jwt
from sqlalchemy import text

from wuye_core.app import create_app
from wuye_core.auth.tokens import issue_token
from wuye_core.testing import ApiClient, login, settings_for


def _token(wuye_app, **body):
    return wuye_app.test_client().post("/api/v1/auth/token", json=body)


def test_login_returns_a_bearer_token(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    r = _token(wuye_app, tenant="acme", username="admin", password="admin-pass-123")
    assert r.status_code == 200
    body = r.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and body["access_token"]
    me = ApiClient(wuye_app.test_client(), body["access_token"]).get("/api/v1/auth/me").get_json()
    assert me["username"] == "admin" and me["roles"] == [{"role": "tenant_admin", "community_id": None}]


def test_wrong_credentials_are_401_alike(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    for body in ({"tenant": "acme", "username": "admin", "password": "nope"},
                 {"tenant": "acme", "username": "ghost", "password": "admin-pass-123"},
                 {"tenant": "no-such", "username": "admin", "password": "admin-pass-123"}):
        r = _token(wuye_app, **body)
        assert r.status_code == 401
        assert r.get_json()["code"] == 401


def test_same_username_in_two_tenants_are_different_people(wuye_app, wuye_make_tenant):
    wuye_make_tenant("one")
    wuye_make_tenant("two")
    assert _token(wuye_app, tenant="one", username="admin", password="admin-pass-123").status_code == 200
    assert _token(wuye_app, tenant="two", username="admin", password="admin-pass-123").status_code == 200


def test_repeated_failures_are_throttled_per_user(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    codes = [_token(wuye_app, tenant="acme", username="admin", password=f"bad-{i}").status_code for i in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # even the right password waits now; another user of the same tenant is not affected
    assert _token(wuye_app, tenant="acme", username="admin", password="admin-pass-123").status_code == 429
    body = _token(wuye_app, tenant="acme", username="other", password="x").get_json()
    assert body["code"] == 401


def test_repeated_failures_are_throttled_per_address(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    codes = [_token(wuye_app, tenant="acme", username=f"user{i}", password="bad").status_code for i in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429
    r = wuye_app.test_client().post("/api/v1/auth/token", json={"tenant": "acme", "username": "admin",
                                                            "password": "admin-pass-123"},
                               environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert r.status_code == 200  # another address is not affected


def test_successful_logins_are_not_throttled(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    for _ in range(8):
        assert _token(wuye_app, tenant="acme", username="admin", password="admin-pass-123").status_code == 200


def test_requests_without_a_valid_token_are_401(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    secret = wuye_app.config["SECRET_KEY"]
    forged = jwt.encode({"iss": "wuye", "sub": "1", "kind": "staff", "tid": 1, "exp": int(time.time()) + 60},
                        "another-secret-another-secret-0000", algorithm="HS256")
    expired = jwt.encode({"iss": "wuye", "sub": "1", "kind": "staff", "tid": 1, "exp": int(time.time()) - 1},
                         secret, algorithm="HS256")
    for headers in ({}, {"Authorization": "Bearer garbage"}, {"Authorization": f"Bearer {forged}"},
                    {"Authorization": f"Bearer {expired}"}, {"Authorization": "Basic YTpi"}):
        r = wuye_app.test_client().get("/api/v1/communities", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers.get("WWW-Authenticate") == "Bearer"


def test_deactivated_user_and_tenant_lose_access_at_once(wuye_app, wuye_make_tenant, wuye_operator):
    acme = wuye_make_tenant("acme")
    staff = acme.user("clerk", "readonly")
    assert staff.get("/api/v1/communities").status_code == 200
    user_id = staff.get("/api/v1/auth/me").get_json()
    users = acme.admin.get("/api/v1/users").get_json()["items"]
    clerk = next(u for u in users if u["username"] == "clerk")
    assert acme.admin.delete(f"/api/v1/users/{clerk['id']}").status_code == 204
    assert staff.get("/api/v1/communities").status_code == 401
    assert user_id["username"] == "clerk"
    assert wuye_operator.patch(f"/api/v1/tenants/{acme.id}", json={"active": False}).status_code == 200
    assert acme.admin.get("/api/v1/communities").status_code == 401
    assert _token(wuye_app, tenant="acme", username="admin", password="admin-pass-123").status_code == 401


def test_passwords_are_stored_as_argon2id(wuye_app, wuye_make_tenant, wuye_owner_engine, wuye_backend):
    wuye_make_tenant("acme")
    with wuye_owner_engine.connect() as conn:
        if wuye_backend.is_postgresql:  # FORCE RLS applies to the owner too: name the tenant
            conn.execute(text("select set_config('app.tenant_id', "
                              "(select id::text from tenants where slug='acme'), false)"))
        hashes = conn.execute(text("select password_hash from staff_users")).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any("admin-pass-123" in h for h in hashes)


def test_operator_manages_tenants_but_reads_no_tenant_data(wuye_app, wuye_operator, wuye_make_tenant, wuye_register):
    r = wuye_operator.post("/api/v1/tenants", json={"slug": "jinghe", "name": "径河街道", "kind": "subdistrict",
                                                "admin": {"username": "boss", "password": "boss-pass-123"}})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["kind"] == "subdistrict"
    boss = login(wuye_app, "jinghe", "boss", "boss-pass-123")
    wuye_register(type("T", (), {"admin": boss})())
    assert boss.get("/api/v1/residents").get_json()["total"] == 1
    for path in ("/api/v1/residents", "/api/v1/communities", "/api/v1/users", "/api/v1/households"):
        assert wuye_operator.get(path).status_code == 403, path
    assert wuye_operator.post("/api/v1/tenants", json={"slug": "jinghe", "name": "x", "kind": "company"}).status_code == 409
    assert [t["slug"] for t in wuye_operator.get("/api/v1/tenants").get_json()["items"]] == ["jinghe"]


def test_tenant_users_cannot_manage_tenants(wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    assert acme.admin.get("/api/v1/tenants").status_code == 403
    assert acme.admin.post("/api/v1/tenants", json={"slug": "x1", "name": "x", "kind": "company"}).status_code == 403


def test_the_tenant_comes_from_the_token_not_the_request(wuye_app, wuye_make_tenant, wuye_register):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    wuye_register(a, prefix="甲")
    for headers in ({"X-Tenant": "tenant-a"}, {"X-Tenant-Id": str(a.id)}):
        body = b.admin.get(f"/api/v1/residents?tenant_id={a.id}", headers=headers).get_json()
        assert body["total"] == 0
    r = b.admin.post("/api/v1/communities", json={"name": "x", "code": "x1", "tenant_id": a.id})
    assert r.status_code == 422 and "tenant_id" in r.get_json()["errors"]["json"]


def test_other_workers_see_a_deactivation_within_the_identity_cache_time(wuye_backend, wuye_app, wuye_make_tenant,
                                                                        wuye_plugin_entry_points):
    """Each worker process remembers a token's user for `auth_cache_seconds`; the worker that
    made the change forgets at once (the test above), another one within those seconds."""
    other_worker = create_app(settings_for(wuye_backend, auth_cache_seconds=1), plugin_entry_points=wuye_plugin_entry_points)
    acme = wuye_make_tenant("acme")
    acme.user("clerk", "readonly")
    there = login(other_worker, "acme", "clerk", "password-123")
    assert there.get("/api/v1/communities").status_code == 200
    clerk = next(u for u in acme.admin.get("/api/v1/users").get_json()["items"] if u["username"] == "clerk")
    assert acme.admin.delete(f"/api/v1/users/{clerk['id']}").status_code == 204
    assert there.get("/api/v1/communities").status_code == 200  # still in that worker's cache
    time.sleep(1.1)
    assert there.get("/api/v1/communities").status_code == 401


def test_an_expired_token_is_refused_although_it_was_verified_before(wuye_app, wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    admin = next(u for u in acme.admin.get("/api/v1/users").get_json()["items"] if u["username"] == "admin")
    token = issue_token(wuye_app.config["SECRET_KEY"], 2, kind="staff", user_id=admin["id"], tenant_id=acme.id)
    client = ApiClient(wuye_app.test_client(), token)
    assert client.get("/api/v1/auth/me").status_code == 200
    time.sleep(2.1)
    assert client.get("/api/v1/auth/me").status_code == 401
