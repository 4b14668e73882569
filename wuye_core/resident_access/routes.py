"""/api/v1/resident/…: a resident signs in with a one-time code, agrees to the privacy notice,
and reads who they are. Only these endpoints (and the residents' pages built on them) open to a
resident's token: every other answers 403 (auth/identity.py, `for_residents`)."""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..api.access import current_identity, for_residents, not_replayed, public
from ..audit import record
from ..auth.models import ResidentAccount
from ..auth.tokens import issue_token
from ..errors import ErrorSchema
from ..extensions import db, limiter
from ..i18n import N_
from ..tenancy import Tenant, enter_tenant
from . import codes, consent
from . import schemas as s
from .households import my_households
from .phones import mask_phone, phone_digits

blp = Blueprint("resident", __name__, url_prefix="/api/v1/resident",
                description="居民（手机号 + 验证码登录）/ Residents (sign-in with a one-time code)")

PHONE_SCOPE, ADDRESS_SCOPE = "resident-phone", "resident-address"
WRONG_CODE = N_("Wrong or expired code: ask for a new one.")
CONSENT_REQUIRED = N_("Read the privacy notice and agree to it first (POST /api/v1/resident/consent).")


def _phone_key() -> str:
    """Per tenant and phone, hashed (bounded keys whatever was sent)."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    key = f"{str(body.get('tenant', '')).strip()}\x00{phone_digits(str(body.get('phone', '')))}"
    return "resident:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _code_limit() -> str:
    return current_app.config["WUYE"].resident_code_limit_per_phone


def _address_limit() -> str:
    return current_app.config["WUYE"].resident_limit_per_address


def _failed(response) -> bool:
    return response.status_code == 401


def _tenant(slug: str) -> Tenant | None:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
    if tenant is not None:
        enter_tenant(tenant.id)
    return tenant


def me_account() -> ResidentAccount:
    """The signed-in resident's account (403 for any other caller)."""
    identity = current_identity()
    if identity.kind != "resident":
        abort(403, message=N_("This is for residents signed in with their phone."))
    account = db.session.get(ResidentAccount, identity.user_id)
    if account is None:
        abort(401)
    return account


def _consented() -> ResidentAccount:
    account = me_account()
    if consent.needs_consent(account):
        abort(403, message=CONSENT_REQUIRED, reason="consent_required")
    return account


@blp.route("/auth/code", methods=["POST"])
@public
@for_residents
@limiter.shared_limit(_code_limit, PHONE_SCOPE, key_func=_phone_key)
@limiter.shared_limit(_address_limit, ADDRESS_SCOPE)
@blp.arguments(s.CodeRequest())
@blp.response(202, s.CodeSent)
@blp.alt_response(429, schema=ErrorSchema, description="请求过于频繁 / too many requests")
def request_code(data):
    """获取登录验证码（短信发送）/ Ask for a sign-in code (sent by text message)

    手机号须是住户台账里登记的；无论是否登记，回答都相同。无法收短信时，可由社区服务窗口代为获取
    （`wuye residents code`）。/ The number must be in the household register; the answer is the same
    either way. Without a signal, the community's service desk can issue one (`wuye residents code`)."""
    if _tenant(data["tenant"]) is not None:
        codes.request_code(data["phone"])
    return {"expires_in_minutes": current_app.config["WUYE"].resident_code_minutes}


@blp.route("/auth/token", methods=["POST"])
@public
@for_residents
@not_replayed
# wrong tries per phone are bounded by the code itself (MAX_WRONG, then burnt) and by the codes a
# phone may ask for (_code_limit): at most 25 guesses of a million per 15 minutes by default
@limiter.shared_limit(_address_limit, ADDRESS_SCOPE, deduct_when=_failed)
@blp.arguments(s.ResidentTokenRequest())
@blp.response(200, s.ResidentToken)
@blp.alt_response(401, schema=ErrorSchema, description="验证码错误或已失效 / wrong or expired code")
@blp.alt_response(429, schema=ErrorSchema, description="失败次数过多 / too many failed attempts")
def token(data):
    """用验证码登录，换取访问令牌 / Sign in with the code and get a bearer token

    首次登录（或规则更新后）`consent_required` 为 true：先 `GET /resident/privacy` 阅读，再
    `POST /resident/consent` 同意，此前令牌只能做这两件事。/ At the first sign-in (or after the notice
    changed) `consent_required` is true: read it, agree to it; until then the token does nothing else."""
    account = codes.redeem(data["phone"], data["code"]) if _tenant(data["tenant"]) is not None else None
    if account is None:
        db.session.commit()  # the wrong try counts, although the answer is a refusal
        abort(401, message=WRONG_CODE)
    record("resident.signed_in", target_type="resident_account", target_id=account.id,
           actor=("resident", account.id, mask_phone(account.phone)))
    ttl = current_app.config["WUYE"].resident_token_ttl_seconds
    notice = consent.current_notice()
    return {"access_token": issue_token(current_app.config["SECRET_KEY"], ttl, kind="resident", user_id=account.id,
                                        tenant_id=account.tenant_id, version=account.token_version),
            "token_type": "Bearer", "expires_in": ttl, "privacy_version": notice.version,
            "consent_required": account.consented_version != notice.version}


@blp.route("/auth/logout", methods=["POST"], endpoint="logout")
@for_residents
@blp.response(204)
def logout():
    """退出登录（本账号此前的令牌全部失效）/ Sign out (every token issued before ends)"""
    account = me_account()
    account.token_version += 1
    record("resident.signed_out", target_type="resident_account", target_id=account.id)


@blp.route("/privacy")
@for_residents
@blp.response(200, s.NoticeOut)
def privacy():
    """个人信息处理规则（当前版本）/ The privacy notice in force"""
    account = me_account()
    notice = consent.current_notice()
    return {"version": notice.version, "text_zh": notice.text_zh, "text_en": notice.text_en,
            "published_at": notice.published_at, "agreed": account.consented_version == notice.version}


@blp.route("/consent", methods=["POST"])
@for_residents
@blp.arguments(s.ConsentIn())
@blp.response(200, s.ConsentOut)
@blp.alt_response(409, schema=ErrorSchema, description="规则已更新 / the notice has changed")
def agree(data):
    """同意个人信息处理规则 / Agree to the privacy notice (its current version)"""
    account = me_account()
    consent.consent(account, data["version"])
    record("resident.consented", target_type="resident_account", target_id=account.id,
           details={"version": account.consented_version})
    return {"consented_version": account.consented_version, "consented_at": account.consented_at}


@blp.route("/me")
@for_residents
@blp.response(200, s.ResidentMeOut)
@blp.alt_response(403, schema=ErrorSchema, description="须先同意个人信息处理规则 / the notice must be agreed to first")
def me():
    """我的信息：手机号（脱敏）和名下的住户 / Who I am: my number (masked) and my households"""
    account = _consented()
    households = my_households(account.phone)
    return {"phone": mask_phone(account.phone), "households": households,
            "consented_version": account.consented_version, "privacy_version": consent.current_notice().version}
