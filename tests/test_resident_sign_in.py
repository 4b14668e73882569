"""Residents sign in with their phone (#19 item 1): a one-time code for a phone the register
lists (sent by the SMS hook, else written to the log; or read out by the support desk), single
use, short-lived, burnt after wrong tries, throttled per phone and per address; the first sign-in
asks consent to the tenant's privacy notice; a resident's token opens the residents' endpoints
and nothing else (every other API route is tried)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from wuye_core.auth.models import ResidentAccount
from wuye_core.extensions import db
from wuye_core.idempotency.models import ResidentIdempotencyKey
from wuye_core.resident_access.models import SignInCode
from wuye_core.tenancy import tenant_context
from wuye_core.testing import ApiClient

PHONE = "13800000000"  # wuye_register's resident


@pytest.fixture
def acme(wuye_make_tenant, wuye_register):
    tenant = wuye_make_tenant("acme")
    return tenant, wuye_register(tenant)


def anonymous(app) -> ApiClient:
    return ApiClient(app.test_client())


def ask_code(app, caplog, tenant="acme", phone=PHONE):
    """Ask for a code; the code as the log got it (no SMS provider here), or None."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="wuye_core.resident_access.sms"):
        r = anonymous(app).post("/api/v1/resident/auth/code", json={"tenant": tenant, "phone": phone})
    assert r.status_code == 202, r.get_json()
    assert r.get_json() == {"expires_in_minutes": 5}
    found = re.findall(r"\b(\d{6})\b", caplog.text)
    return found[-1] if found else None


def sign_in(app, code, tenant="acme", phone=PHONE):
    return anonymous(app).post("/api/v1/resident/auth/token", json={"tenant": tenant, "phone": phone, "code": code})


def signed_in(app, caplog, **kw) -> ApiClient:
    r = sign_in(app, ask_code(app, caplog, **kw), **kw)
    assert r.status_code == 200, r.get_json()
    return ApiClient(app.test_client(), r.get_json()["access_token"])


def agree(resident: ApiClient) -> None:
    version = resident.get("/api/v1/resident/privacy").get_json()["version"]
    assert resident.post("/api/v1/resident/consent", json={"version": version}).status_code == 200


def test_a_registered_phone_signs_in_with_its_code_and_agrees_first(wuye_app, acme, caplog):
    tenant, ids = acme
    code = ask_code(wuye_app, caplog, phone="+86 138-0000-0000")  # typed otherwise: the same number
    assert code is not None and "138****0000" in caplog.text and PHONE not in caplog.text.replace(code, "")
    r = sign_in(wuye_app, code)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["consent_required"] is True and body["privacy_version"] == 1
    resident = ApiClient(wuye_app.test_client(), body["access_token"])

    # before consent: the notice and the consent only
    r = resident.get("/api/v1/resident/me")
    assert r.status_code == 403 and r.get_json()["reason"] == "consent_required"
    assert r.get_json()["message"].startswith("请先阅读并同意个人信息处理规则")
    notice = resident.get("/api/v1/resident/privacy").get_json()
    assert notice["version"] == 1 and "个人信息" in notice["text_zh"] and notice["agreed"] is False
    r = resident.post("/api/v1/resident/consent", json={"version": 2})
    assert r.status_code == 409 and "version" in r.get_json()["errors"]["json"]
    assert resident.post("/api/v1/resident/consent", json={"version": 1}).status_code == 200

    me = resident.get("/api/v1/resident/me").get_json()
    assert me["phone"] == "138****0000" and me["consented_version"] == 1
    assert [(h["id"], h["room"], h["resident_name"]) for h in me["households"]] == [(ids["household"], "101", "张三")]
    # the code was used up
    assert sign_in(wuye_app, code).status_code == 401
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "resident."}).get_json()["items"]
    assert [i["action"] for i in trail] == ["resident.consented", "resident.signed_in"]


def test_an_unknown_phone_gets_the_same_answer_and_no_code(wuye_app, acme, caplog):
    assert ask_code(wuye_app, caplog, phone="13999999999") is None
    assert ask_code(wuye_app, caplog, tenant="no-such-tenant") is None
    tenant, _ = acme
    with wuye_app.app_context(), tenant_context(tenant.id):
        assert db.session.query(SignInCode).count() == 0


def test_wrong_tries_burn_the_code_and_an_old_code_ends(wuye_app, acme, caplog):
    tenant, _ = acme
    first = ask_code(wuye_app, caplog)
    second = ask_code(wuye_app, caplog)
    if first == second:  # one chance in a million
        pytest.skip("the two codes happen to be equal")
    assert sign_in(wuye_app, first).status_code == 401  # the newer code ended the older (a wrong try on it)
    wrong = f"{(int(second) + 1) % 1_000_000:06d}"
    for _ in range(3):
        r = sign_in(wuye_app, wrong)
        assert r.status_code == 401 and r.get_json()["message"] == "验证码错误或已失效，请重新获取。"
    assert sign_in(wuye_app, second).status_code == 200  # four wrong tries: still alive
    third = ask_code(wuye_app, caplog)
    for _ in range(5):
        assert sign_in(wuye_app, f"{(int(third) + 1) % 1_000_000:06d}").status_code == 401
    assert sign_in(wuye_app, third).status_code == 401  # burnt after five


def test_an_expired_code_is_refused(wuye_app, acme, caplog):
    tenant, _ = acme
    code = ask_code(wuye_app, caplog)
    with wuye_app.app_context(), tenant_context(tenant.id):
        db.session.execute(update(SignInCode).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()
    assert sign_in(wuye_app, code).status_code == 401


def test_codes_are_throttled_per_phone(wuye_app, acme, caplog):
    answers = [anonymous(wuye_app).post("/api/v1/resident/auth/code", json={"tenant": "acme", "phone": PHONE})
               for _ in range(6)]
    assert [a.status_code for a in answers] == [202] * 5 + [429]
    # another phone is another budget
    assert anonymous(wuye_app).post("/api/v1/resident/auth/code",
                                    json={"tenant": "acme", "phone": "13911112222"}).status_code == 202


def test_the_support_desk_issues_a_code_and_it_is_recorded(wuye_app, acme):
    tenant, _ = acme
    runner = wuye_app.test_cli_runner()
    out = runner.invoke(args=["residents", "code", "--tenant", "acme", "--phone", "138 0000 0000"])
    assert out.exit_code == 0, out.output
    code = re.search(r"验证码 / code: (\d{6})", out.output).group(1)
    assert sign_in(wuye_app, code).status_code == 200
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "resident.code_issued"}).get_json()["items"]
    assert [(i["target_id"], i["actor_name"]) for i in trail] == [("138****0000", "residents code")]
    refused = runner.invoke(args=["residents", "code", "--tenant", "acme", "--phone", "13999999999"])
    assert refused.exit_code != 0 and "phone" in refused.output


def test_a_resident_token_opens_no_staff_endpoint(wuye_app, acme, caplog):
    """Every API route but the residents' answers a resident's token 401 or 403, never data."""
    resident = signed_in(wuye_app, caplog)
    agree(resident)
    tried = 0
    for rule in wuye_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule.startswith("/api/v1/resident/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = resident.request(method, path, json={})
            public = r.status_code not in (401, 403)
            if public:  # a public endpoint (sign-in, health, the docs) answers without looking at the token
                view = wuye_app.view_functions[rule.endpoint]
                assert getattr(view, "_wuye_public", False) or getattr(getattr(view, "view_class", None),
                                                                       "_wuye_public", False) \
                    or rule.endpoint.startswith("api-docs."), (method, path, r.status_code)
            tried += 1
    assert tried > 100
    r = resident.get("/api/v1/tickets")
    assert r.status_code == 403 and r.get_json()["reason"] == "resident_token"
    assert r.get_json()["message"] == "居民登录只能使用居民页面。"


def test_staff_and_other_tenants_tokens_do_not_open_the_residents_endpoints(wuye_app, acme, wuye_make_tenant,
                                                                          wuye_register, caplog):
    tenant, _ = acme
    assert tenant.admin.get("/api/v1/resident/me").status_code == 403
    other = wuye_make_tenant("other")
    wuye_register(other)  # the same phone number lives in the other tenant too
    resident = signed_in(wuye_app, caplog, tenant="other")
    agree(resident)
    me = resident.get("/api/v1/resident/me").get_json()
    assert len(me["households"]) == 1  # the other tenant's household only, not acme's
    assert me["households"][0]["community_name"] == "社区"


def test_signing_out_ends_the_token(wuye_app, acme, caplog):
    resident = signed_in(wuye_app, caplog)
    assert resident.post("/api/v1/resident/auth/logout").status_code == 204
    assert resident.get("/api/v1/resident/privacy").status_code == 401


def test_a_residents_idempotency_key_answers_that_resident_only(wuye_app, acme, caplog):
    """A resident's POST sent again with its key (no answer came over a weak network) gets the first
    answer back; the same key from a staff user whose id is the account's id is another key (account
    ids and staff user ids are counted apart: residents' keys have a table of their own)."""
    tenant, _ = acme
    resident = signed_in(wuye_app, caplog)
    version = resident.get("/api/v1/resident/privacy").get_json()["version"]
    headers = {"Idempotency-Key": "same-key-1"}
    first = resident.post("/api/v1/resident/consent", json={"version": version}, headers=headers)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    again = resident.post("/api/v1/resident/consent", json={"version": version}, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = resident.post("/api/v1/resident/consent", json={"version": version + 1}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["errors"]["headers"]
    staff = tenant.admin.post("/api/v1/resident/consent", json={"version": version}, headers=headers)
    assert staff.status_code == 403 and "Idempotent-Replayed" not in staff.headers
    with wuye_app.app_context(), tenant_context(tenant.id):
        kept = db.session.execute(select(ResidentIdempotencyKey.account_id, ResidentIdempotencyKey.key)).all()
        account = db.session.scalar(select(ResidentAccount.id))
    assert kept == [(account, "same-key-1")]
