"""Account security (#15 items 1, 3, 4): login throttling on the normalized identity, temporary
admin-set passwords, token revocation, logout, the password policy, and the audit of it all."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from wuye_core.app import create_app
from wuye_core.audit import AuditEvent, PlatformAuditEvent
from wuye_core.auth.policy import common_passwords, password_problem
from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.testing import ApiClient, login, settings_for

TOKEN = "/api/v1/auth/token"
VARIANTS = [" viewer", "viewer\n", "\u3000viewer", "ｖｉｅｗｅｒ", "\tviewer\u3000"]


def _post_token(app, **body):
    return app.test_client().post(TOKEN, json=body)


def _users(tenant) -> dict[str, int]:
    return {u["username"]: u["id"] for u in tenant.admin.get("/api/v1/users").get_json()["items"]}


def _trail(app, tenant_id: int | None) -> list[tuple]:
    """(action, actor_kind, actor_name, target_id, details) of a tenant's trail, or the platform's."""
    with app.app_context():
        if tenant_id is None:
            rows = db.session.scalars(select(PlatformAuditEvent).order_by(PlatformAuditEvent.id)).all()
            out = [(r.action, r.actor_kind, r.actor_name, r.target_id, r.details) for r in rows]
        else:
            with tenant_context(tenant_id):
                rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
                out = [(r.action, r.actor_kind, r.actor_name, r.target_id, r.details) for r in rows]
        db.session.remove()
    return out


def _actions(app, tenant_id: int | None) -> list[str]:
    return [row[0] for row in _trail(app, tenant_id)]


# --- 1. throttling keyed on what the lookup uses --------------------------------------------------

def test_username_variants_log_in_as_the_same_account(wuye_app, wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    acme.user("viewer", "readonly", password="viewer-pass-2026")
    for variant in VARIANTS:
        r = _post_token(wuye_app, tenant=" acme\u3000", username=variant, password="viewer-pass-2026")
        assert r.status_code == 200, (variant, r.get_json())
        me = ApiClient(wuye_app.test_client(), r.get_json()["access_token"]).get("/api/v1/auth/me").get_json()
        assert me["username"] == "viewer"
    # the lookup is exact about case (usernames may differ only by case): no login, no shared budget
    assert _post_token(wuye_app, tenant="acme", username="VIEWER", password="viewer-pass-2026").status_code == 401


def test_username_variants_share_the_accounts_failure_budget(wuye_app, wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    acme.user("viewer", "readonly", password="viewer-pass-2026")
    codes = [_post_token(wuye_app, tenant="acme", username=v, password=f"wrong-{i}").status_code
             for i, v in enumerate(VARIANTS)]
    assert codes == [401] * 5
    for variant in ["viewer", *VARIANTS]:  # the right password waits too, under every spelling
        r = _post_token(wuye_app, tenant="acme", username=variant, password="viewer-pass-2026")
        assert r.status_code == 429, variant
    # the tenant slug is normalized the same way
    assert _post_token(wuye_app, tenant="\u3000acme ", username="viewer", password="viewer-pass-2026").status_code == 429
    # another account of the tenant keeps its own budget
    assert _post_token(wuye_app, tenant="acme", username="admin", password="admin-pass-123").status_code == 200


def test_operator_variants_share_the_operators_failure_budget(wuye_app, wuye_operator):
    variants = [" op", "op\n", "\u3000op", "ｏｐ", "op\u3000"]
    codes = [_post_token(wuye_app, username=v, password=f"wrong-{i}").status_code for i, v in enumerate(variants)]
    assert codes == [401] * 5
    assert _post_token(wuye_app, username="op", password="op-pass-123").status_code == 429
    assert _post_token(wuye_app, username="ｏｐ", password="op-pass-123").status_code == 429


def test_operator_variants_log_in_as_the_operator(wuye_app, wuye_operator):
    r = _post_token(wuye_app, tenant=None, username="\u3000ｏｐ\n", password="op-pass-123")
    assert r.status_code == 200
    assert ApiClient(wuye_app.test_client(), r.get_json()["access_token"]).get("/api/v1/tenants").status_code == 200


def test_the_per_address_limit_counts_every_account(wuye_app, wuye_make_tenant):
    wuye_make_tenant("acme")
    codes = [_post_token(wuye_app, tenant="acme", username=f"u{i}", password="x").status_code for i in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429


# --- 3. an admin-set password is temporary, the user is told, tokens end -----------------------

def test_admin_reset_is_temporary_notified_audited_and_ends_old_tokens(wuye_app, wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    clerk = acme.user("clerk", "readonly", password="clerk-pass-2026")
    clerk_id = _users(acme)["clerk"]
    assert clerk.get("/api/v1/communities").status_code == 200

    r = acme.admin.patch(f"/api/v1/users/{clerk_id}", json={"password": "temporary-2026-x"})
    assert r.status_code == 200, r.get_json()
    assert clerk.get("/api/v1/communities").status_code == 401  # the clerk's old token ended

    # the admin logs in with the password they set: the token can only change the password
    r = _post_token(wuye_app, tenant="acme", username="clerk", password="temporary-2026-x")
    body = r.get_json()
    assert r.status_code == 200 and body["password_change_required"] is True
    assert body["password_reset"]["by"] == "admin" and body["password_reset"]["at"]
    limited = ApiClient(wuye_app.test_client(), body["access_token"])
    for method, path in (("GET", "/api/v1/communities"), ("GET", "/api/v1/residents"),
                         ("GET", "/api/v1/notifications"), ("GET", "/api/v1/users")):
        r = limited.request(method, path)
        assert r.status_code == 403, path
        assert r.get_json()["reason"] == "password_change_required"
        assert r.get_json()["message"] == "您的密码由管理员设置，请先设置自己的新密码（POST /api/v1/auth/password）。"
    r = limited.get("/api/v1/communities", headers={"Accept-Language": "en"})
    assert r.get_json()["message"].startswith("Your password was set by an administrator")
    me = limited.get("/api/v1/auth/me").get_json()
    assert me["username"] == "clerk" and me["password_change_required"] is True
    assert me["password_reset"]["by"] == "admin"

    # the clerk chooses their own: a fresh token, full access; the limited one ends
    r = limited.post("/api/v1/auth/password", json={"current_password": "temporary-2026-x",
                                                     "new_password": "my-own-secret-77"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["password_change_required"] is False
    clerk = ApiClient(wuye_app.test_client(), r.get_json()["access_token"])
    assert clerk.get("/api/v1/communities").status_code == 200
    assert limited.get("/api/v1/auth/me").status_code == 401
    assert clerk.get("/api/v1/auth/me").get_json()["password_change_required"] is False
    assert _post_token(wuye_app, tenant="acme", username="clerk", password="temporary-2026-x").status_code == 401
    assert _post_token(wuye_app, tenant="acme", username="clerk",
                       password="my-own-secret-77").get_json()["password_change_required"] is False

    notes = clerk.get("/api/v1/notifications").get_json()["items"]
    assert [n["kind"] for n in notes] == ["account.password_reset"]
    # stored once, read in the reader's language (not both languages in one text)
    assert notes[0]["text"].startswith("管理员 admin 于 ") and "reset" not in notes[0]["text"]
    english = clerk.get("/api/v1/notifications", query_string={"lang": "en"}).get_json()["items"][0]["text"]
    assert english.startswith("Your password was reset by the administrator admin at ") and "管理员" not in english
    assert notes[0]["ticket_id"] is None

    trail = _trail(wuye_app, acme.id)
    reset = next(row for row in trail if row[0] == "user.password_reset")
    assert reset[1:4] == ("staff", "admin", str(clerk_id))
    changed = next(row for row in trail if row[0] == "user.password_changed")
    assert changed[1:4] == ("staff", "clerk", str(clerk_id)) and changed[4] == {"after_reset": True}
    assert "temporary-2026-x" not in repr(trail) and "my-own-secret-77" not in repr(trail)


def test_a_user_created_by_an_admin_must_change_the_password_first(wuye_app, wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    r = acme.admin.post("/api/v1/users", json={"username": "li", "password": "li-first-pass-1",
                                                "roles": [{"role": "readonly"}]})
    assert r.status_code == 201
    body = _post_token(wuye_app, tenant="acme", username="li", password="li-first-pass-1").get_json()
    assert body["password_change_required"] is True and body["password_reset"]["by"] == "admin"
    li = ApiClient(wuye_app.test_client(), body["access_token"])
    assert li.get("/api/v1/households").status_code == 403
    created = next(row for row in _trail(wuye_app, acme.id) if row[0] == "user.created" and row[4]["username"] == "li")
    assert created[1:3] == ("staff", "admin")
    assert created[4]["roles"] == [{"role": "readonly", "community_id": None}]
    assert created[4]["temporary_password"] is True


def test_a_password_change_ends_the_other_tokens(wuye_app, wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    acme.user("clerk", "readonly", password="clerk-pass-2026")
    phone, desk = (login(wuye_app, "acme", "clerk", "clerk-pass-2026") for _ in range(2))
    r = desk.post("/api/v1/auth/password", json={"current_password": "clerk-pass-2026",
                                                  "new_password": "another-secret-9"})
    assert r.status_code == 200
    assert phone.get("/api/v1/communities").status_code == 401
    assert desk.get("/api/v1/communities").status_code == 401  # the token that asked, too: use the new one
    assert ApiClient(wuye_app.test_client(), r.get_json()["access_token"]).get("/api/v1/communities").status_code == 200


def test_deactivation_ends_tokens_for_good_and_is_audited(wuye_app, wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    clerk = acme.user("clerk", "readonly", password="clerk-pass-2026")
    clerk_id = _users(acme)["clerk"]
    assert acme.admin.delete(f"/api/v1/users/{clerk_id}").status_code == 204
    assert clerk.get("/api/v1/communities").status_code == 401
    assert acme.admin.patch(f"/api/v1/users/{clerk_id}", json={"active": True}).status_code == 200
    assert clerk.get("/api/v1/communities").status_code == 401  # not revived by the reactivation
    assert login(wuye_app, "acme", "clerk", "clerk-pass-2026").get("/api/v1/communities").status_code == 200
    assert acme.admin.patch(f"/api/v1/users/{clerk_id}", json={"active": False}).status_code == 200
    actions = _actions(wuye_app, acme.id)
    assert [a for a in actions if a.startswith("user.") and a != "user.created"] == [
        "user.deactivated", "user.activated", "user.deactivated"]


def test_revoking_a_role_ends_tokens_adding_one_does_not(wuye_app, wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    c1 = acme.admin.post("/api/v1/communities", json={"name": "一社区", "code": "c1"}).get_json()["id"]
    clerk = acme.user("clerk", "readonly", password="clerk-pass-2026")
    clerk_id = _users(acme)["clerk"]
    more = [{"role": "readonly"}, {"role": "community_staff", "community_id": c1}]
    assert acme.admin.patch(f"/api/v1/users/{clerk_id}", json={"roles": more}).status_code == 200
    assert clerk.get("/api/v1/communities").status_code == 200
    assert acme.admin.patch(f"/api/v1/users/{clerk_id}", json={"roles": [{"role": "readonly"}]}).status_code == 200
    assert clerk.get("/api/v1/communities").status_code == 401
    changes = [row[4] for row in _trail(wuye_app, acme.id) if row[0] == "user.roles_changed"]
    assert changes == [
        {"username": "clerk", "before": [{"role": "readonly", "community_id": None}],
         "after": [{"role": "readonly", "community_id": None}, {"role": "community_staff", "community_id": c1}]},
        {"username": "clerk", "before": [{"role": "readonly", "community_id": None},
                                         {"role": "community_staff", "community_id": c1}],
         "after": [{"role": "readonly", "community_id": None}]},
    ]


def test_logout_ends_the_token_and_is_audited(wuye_app, wuye_make_tenant, wuye_operator):
    acme = wuye_make_tenant("acme")
    assert acme.admin.post("/api/v1/auth/logout").status_code == 204
    assert acme.admin.get("/api/v1/auth/me").status_code == 401
    assert "auth.logout" in _actions(wuye_app, acme.id)
    assert wuye_operator.post("/api/v1/auth/logout").status_code == 204
    assert wuye_operator.get("/api/v1/tenants").status_code == 401
    assert login(wuye_app, None, "op", "op-pass-123").get("/api/v1/tenants").status_code == 200
    assert {"auth.login", "auth.logout"} <= set(_actions(wuye_app, None))


def test_operator_changes_own_password(wuye_app, wuye_operator):
    r = wuye_operator.post("/api/v1/auth/password", json={"current_password": "op-pass-123",
                                                          "new_password": "op-new-secret-42"})
    assert r.status_code == 200, r.get_json()
    assert wuye_operator.get("/api/v1/tenants").status_code == 401
    assert login(wuye_app, None, "op", "op-new-secret-42").get("/api/v1/tenants").status_code == 200
    assert "user.password_changed" in _actions(wuye_app, None)


def test_another_worker_sees_a_password_change_within_its_cache_time(wuye_backend, wuye_app, wuye_make_tenant,
                                                                      wuye_plugin_entry_points):
    """The version travels with the cached identity: another process refuses an old token once
    its cache entry expires (the version is checked on the cache miss), this one at once."""
    other_worker = create_app(settings_for(wuye_backend, auth_cache_seconds=1),
                              plugin_entry_points=wuye_plugin_entry_points)
    acme = wuye_make_tenant("acme")
    acme.user("clerk", "readonly", password="clerk-pass-2026")
    there = login(other_worker, "acme", "clerk", "clerk-pass-2026")
    here = login(wuye_app, "acme", "clerk", "clerk-pass-2026")
    assert there.get("/api/v1/communities").status_code == 200
    assert here.get("/api/v1/communities").status_code == 200  # now in this process' cache too
    r = here.post("/api/v1/auth/password", json={"current_password": "clerk-pass-2026",
                                                  "new_password": "another-secret-9"})
    assert r.status_code == 200
    assert here.get("/api/v1/communities").status_code == 401  # this process forgot at once
    assert there.get("/api/v1/communities").status_code == 200  # still in that worker's cache
    time.sleep(1.1)
    assert there.get("/api/v1/communities").status_code == 401


# --- audit of logins ----------------------------------------------------------------------------

def test_logins_and_failed_logins_are_audited_without_the_password(wuye_app, wuye_make_tenant, wuye_operator):
    acme = wuye_make_tenant("acme")
    assert _post_token(wuye_app, tenant="acme", username="\u3000admin", password="guess-one-1").status_code == 401
    assert _post_token(wuye_app, tenant="nowhere", username="admin", password="guess-two-2").status_code == 401
    assert _post_token(wuye_app, username="ｏｐ", password="guess-three-3").status_code == 401
    tenant_trail, platform_trail = _trail(wuye_app, acme.id), _trail(wuye_app, None)
    failed = [row for row in tenant_trail if row[0] == "auth.login_failed"]
    assert failed == [("auth.login_failed", "anonymous", None, None, {"tenant": "acme", "username": "admin"})]
    assert ("auth.login", "staff", "admin") in [row[:3] for row in tenant_trail]
    assert [row[4] for row in platform_trail if row[0] == "auth.login_failed"] == [
        {"tenant": "nowhere", "username": "admin"}, {"tenant": None, "username": "op"}]
    assert ("auth.login", "operator", "op") in [row[:3] for row in platform_trail]
    assert "guess" not in repr(tenant_trail) + repr(platform_trail)


# --- 4. the password policy --------------------------------------------------------------------

@pytest.mark.parametrize(("password", "zh", "en"), [
    ("short-1", "密码至少需要 10 个字符。", "The password must have at least 10 characters."),
    ("12345678", "密码至少需要 10 个字符。", "The password must have at least 10 characters."),
    ("1234567890", "该密码过于常见，请换一个不易被猜到的密码。", "This password is too common; choose one that is hard to guess."),
    ("qq123456789", "该密码过于常见，请换一个不易被猜到的密码。", "This password is too common; choose one that is hard to guess."),
    ("WoAiNi1314520", "该密码过于常见，请换一个不易被猜到的密码。", "This password is too common; choose one that is hard to guess."),
    ("1qaz2wsx3edc", "该密码过于常见，请换一个不易被猜到的密码。", "This password is too common; choose one that is hard to guess."),
    ("Password123", "该密码过于常见，请换一个不易被猜到的密码。", "This password is too common; choose one that is hard to guess."),
    ("zhangsan01", "密码不能与用户名相同。", "The password must not be the username."),
    ("ZhangSan2026!", "密码不能与用户名相同。", "The password must not be the username."),
    ("x" * 257, "长度必须在 1 到 256 之间。", "Length must be between 1 and 256."),  # the schema's own limit
])
def test_the_policy_refuses_with_a_message_in_both_languages(wuye_make_tenant, password, zh, en):
    acme = wuye_make_tenant("acme")
    body = {"username": "zhangsan", "password": password, "roles": [{"role": "readonly"}]}
    r = acme.admin.post("/api/v1/users", json=body)
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["password"] == [zh]
    r = acme.admin.post("/api/v1/users", json=body, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["password"] == [en]


def test_the_policy_applies_to_resets_self_service_and_new_tenants(wuye_app, wuye_make_tenant, wuye_operator):
    acme = wuye_make_tenant("acme")
    admin_id = _users(acme)["admin"]
    r = acme.admin.patch(f"/api/v1/users/{admin_id}", json={"password": "88888888"})
    assert r.status_code == 422 and "password" in r.get_json()["errors"]["json"]
    change = acme.admin.post("/api/v1/auth/password", json={"current_password": "admin-pass-123",
                                                            "new_password": "abc123456789"},
                             headers={"Accept-Language": "en"})
    assert change.status_code == 422
    assert change.get_json()["errors"]["json"] == {"new_password": ["This password is too common; choose one "
                                                                    "that is hard to guess."]}
    same = acme.admin.post("/api/v1/auth/password", json={"current_password": "admin-pass-123",
                                                          "new_password": "admin-pass-123"})
    assert same.get_json()["errors"]["json"] == {"new_password": ["新密码不能与当前密码相同。"]}
    wrong = acme.admin.post("/api/v1/auth/password", json={"current_password": "not-my-password",
                                                           "new_password": "a-good-one-2026"})
    assert wrong.status_code == 422 and wrong.get_json()["errors"]["json"] == {"current_password": ["当前密码不正确。"]}
    assert acme.admin.get("/api/v1/communities").status_code == 200  # nothing changed
    r = wuye_operator.post("/api/v1/tenants", json={"slug": "hk", "name": "红科", "kind": "company",
                                                    "admin": {"username": "boss", "password": "boss1234"}})
    assert r.status_code == 422 and r.get_json()["errors"]["json"] == {"admin.password": ["密码至少需要 10 个字符。"]}


def test_the_shipped_list_and_the_rules():
    common = common_passwords()
    assert len(common) > 15_000
    for word in ("12345678", "123456789", "a123456", "qq123456", "5201314", "woaini1314", "password",
                 "88888888", "11111111", "abc123456", "zxcvbnm", "1qaz2wsx"):
        assert word in common, word
    assert password_problem("correct horse battery", "li") is None
    assert password_problem("ＱＱ123456789") is not None  # fullwidth folds to a common one
    assert password_problem("admin-pass-123", "admin") is None  # contains the name, with another word
    assert password_problem("admin!2026", "admin") is not None


def test_the_commands_apply_the_policy_and_are_audited_as_the_system(wuye_app, wuye_make_tenant, wuye_operator):
    acme = wuye_make_tenant("acme")
    runner = wuye_app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "--tenant", "acme", "--username", "li", "--password", "12345678",
                               "--role", "readonly"])
    assert weak.exit_code != 0 and "密码至少需要 10 个字符。" in weak.output
    made = runner.invoke(args=["users", "create", "--tenant", "acme", "--username", "li", "--password",
                               "li-chosen-pass-1", "--role", "readonly"])
    assert made.exit_code == 0, made.output
    assert _post_token(wuye_app, tenant="acme", username="li",
                       password="li-chosen-pass-1").get_json()["password_change_required"] is False
    reset = runner.invoke(args=["users", "reset-password", "--tenant", "acme", "--username", "li", "--password",
                                "li-temporary-2026"])
    assert reset.exit_code == 0, reset.output
    body = _post_token(wuye_app, tenant="acme", username="li", password="li-temporary-2026").get_json()
    assert body["password_change_required"] is True and body["password_reset"]["by"] == "system"
    trail = [row for row in _trail(wuye_app, acme.id) if row[4] and row[4].get("username") == "li"]
    assert [(row[0], row[1]) for row in trail] == [("user.created", "system"), ("user.password_reset", "system")]

    assert runner.invoke(args=["operators", "set-password", "--username", "op", "--password",
                               "password"]).exit_code != 0
    done = runner.invoke(args=["operators", "set-password", "--username", "op", "--password", "op-reset-2026-x"])
    assert done.exit_code == 0, done.output
    assert wuye_operator.get("/api/v1/tenants").status_code == 401
    assert login(wuye_app, None, "op", "op-reset-2026-x").get("/api/v1/tenants").status_code == 200
    assert ("user.password_reset", "system") in [row[:2] for row in _trail(wuye_app, None)]


def test_the_demo_passwords_satisfy_the_policy():
    from wuye_core.demo import OPERATOR, USERS

    accounts = [(u, p) for users in USERS.values() for u, p, *_ in users] + [OPERATOR]
    assert [(u, password_problem(p, u)) for u, p in accounts] == [(u, None) for u, _ in accounts]


def test_guessing_the_current_password_is_throttled_policy_refusals_are_not(wuye_make_tenant):
    acme = wuye_make_tenant("acme")
    for _ in range(6):  # refused by the policy: not a guess
        r = acme.admin.post("/api/v1/auth/password", json={"current_password": "admin-pass-123",
                                                           "new_password": "12345678"})
        assert r.status_code == 422
    codes = [acme.admin.post("/api/v1/auth/password", json={"current_password": f"guess-{i}",
                                                            "new_password": "a-good-one-2026"}).status_code
             for i in range(6)]
    assert codes == [422] * 5 + [429]


def test_a_per_community_grant_kept_while_another_is_added_is_not_a_conflict(wuye_make_tenant):
    """The grant kept is the same row (replaced by a new one, its insert hit the unique index: 409)."""
    acme = wuye_make_tenant("acme")
    c1 = acme.admin.post("/api/v1/communities", json={"name": "一社区", "code": "c1"}).get_json()["id"]
    c2 = acme.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    acme.user("clerk", "community_staff", [c1], password="clerk-pass-2026")
    clerk_id = _users(acme)["clerk"]
    both = [{"role": "community_staff", "community_id": c1}, {"role": "readonly", "community_id": c2}]
    r = acme.admin.patch(f"/api/v1/users/{clerk_id}", json={"roles": both})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["roles"] == both
    assert acme.admin.get(f"/api/v1/users/{clerk_id}").get_json()["roles"] == both


def test_a_password_change_sent_with_an_idempotency_key_keeps_no_token(wuye_app, wuye_make_tenant):
    """Its answer is a fresh token: not stored with the key (where it would outlive the password
    change it came from for the key's 24 hours), and a retry is not answered from the first."""
    from wuye_core.idempotency import IdempotencyKey

    acme = wuye_make_tenant("acme")
    clerk = acme.user("clerk", "readonly", password="clerk-pass-2026")
    headers = {"Idempotency-Key": "pw-change-1"}
    body = {"current_password": "clerk-pass-2026", "new_password": "clerk-next-pass-2027"}
    first = clerk.post("/api/v1/auth/password", json=body, headers=headers)
    assert first.status_code == 200, first.get_json()
    with wuye_app.app_context(), tenant_context(acme.id):
        assert db.session.scalars(select(IdempotencyKey)).all() == []
        db.session.remove()
    retry = clerk.post("/api/v1/auth/password", json=body, headers=headers)
    assert retry.status_code == 401  # the first change ended the token the retry carries
    assert "Idempotent-Replayed" not in retry.headers
    spec = wuye_app.test_client().get("/api/v1/openapi.json").get_json()
    params = spec["paths"]["/api/v1/auth/password"]["post"].get("parameters", [])
    assert not any("IdempotencyKey" in str(p) for p in params)
