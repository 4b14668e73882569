"""Signing a resident in with a one-time code.

    request_code(phone)         a code for a phone the register lists, sent after the commit (sms.py)
    issue_code(phone, …)        the support desk's: a code to read out, even without a text message
    redeem(phone, code)         the resident's account when the code is right, else None
    sign_in(tenant, phone, code) a token for the account (redeem, audited), else None
    sign_out(account)           every token of the account ends (audited)

A code is 6 digits, lives `resident_code_minutes` (5), is used once, and is burnt after
MAX_WRONG wrong tries; a newer code for the phone ends the ones before it. Only its HMAC (keyed
with the app's secret, the tenant and the phone) is stored. Asking for a code answers the same
whether or not the phone is in the register: the answer tells nobody who lives here. Requests are
throttled per phone and per address at the door (routes.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select, update

from ..audit import record
from ..auth.models import ResidentAccount
from ..auth.tokens import issue_token
from ..events import after_commit
from ..extensions import db
from ..households.models import Resident
from ..tenancy import enter_tenant_by_slug, require_tenant_id
from .consent import current_notice
from .models import SignInCode
from .phones import mask_phone, phone_digits, phone_digits_sql
from .sms import send_code

CODE_DIGITS = 6
MAX_WRONG = 5


def in_register(digits: str) -> bool:
    """Whether a resident of the tenant's register has this phone (the digits compared)."""
    if not digits:
        return False
    return bool(db.session.scalar(select(exists().where(phone_digits_sql(Resident.phone) == digits,
                                                        Resident.duplicate_of.is_(None)))))


def _hash(digits: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{require_tenant_id()}:{digits}:{code}".encode(), hashlib.sha256).hexdigest()


def issue_code(phone: str, *, channel: str, issued_by: str | None = None) -> str:
    """A new code for the phone (the ones before it end); the caller commits and hands it over."""
    digits = phone_digits(phone)
    now = datetime.now(UTC)
    db.session.execute(update(SignInCode).where(SignInCode.phone == digits, SignInCode.ended_at.is_(None))
                       .values(ended_at=now))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = current_app.config["WUYE"].resident_code_minutes
    db.session.add(SignInCode(phone=digits, code_hash=_hash(digits, code), created_at=now,
                              expires_at=now + timedelta(minutes=minutes), channel=channel, issued_by=issued_by))
    db.session.flush()
    return code


def request_code(phone: str) -> None:
    """A resident asks for a code: one is made and sent after the commit when the register lists
    the phone; nothing happens otherwise (the same answer either way)."""
    digits = phone_digits(phone)
    if not in_register(digits):
        return
    code = issue_code(digits, channel="sms")
    after_commit(send_code, require_tenant_id(), digits, code)


def redeem(phone: str, code: str) -> ResidentAccount | None:
    """The account of the phone when `code` is its live code (then used up), else None (a wrong
    try counted). The caller commits in both cases: a wrong try must be remembered."""
    digits = phone_digits(phone)
    now = datetime.now(UTC)
    live = db.session.scalar(select(SignInCode).where(SignInCode.phone == digits, SignInCode.ended_at.is_(None))
                             .order_by(SignInCode.id.desc()).limit(1).with_for_update())
    if live is None or live.expires_at <= now:
        return None
    if not hmac.compare_digest(live.code_hash, _hash(digits, str(code).strip())):
        live.failed_attempts += 1
        if live.failed_attempts >= MAX_WRONG:
            live.ended_at = now
        return None
    live.ended_at = now
    if not in_register(digits):  # moved out since the code was sent
        return None
    account = db.session.scalar(select(ResidentAccount).where(ResidentAccount.phone == digits))
    if account is None:
        account = ResidentAccount(phone=digits, active=True, token_version=0)
        db.session.add(account)
    if not account.active:
        return None
    account.last_sign_in_at = now
    db.session.flush()
    return account


def sign_in(slug: str, phone: str, code: str) -> dict | None:
    """A bearer token for the resident (`redeem`, audited), or None for a wrong code, phone or
    tenant — the caller commits either way (a wrong try counts). The API's answer and the
    residents' pages' session hold the same token (auth/identity.enter_with_token reads both)."""
    account = redeem(phone, code) if enter_tenant_by_slug(slug) is not None else None
    if account is None:
        return None
    record("resident.signed_in", target_type="resident_account", target_id=account.id,
           actor=("resident", account.id, mask_phone(account.phone)))
    ttl = current_app.config["WUYE"].resident_token_ttl_seconds
    notice = current_notice()
    return {"access_token": issue_token(current_app.config["SECRET_KEY"], ttl, kind="resident", user_id=account.id,
                                        tenant_id=account.tenant_id, version=account.token_version),
            "token_type": "Bearer", "expires_in": ttl, "privacy_version": notice.version,
            "consent_required": account.consented_version != notice.version}


def sign_out(account: ResidentAccount) -> None:
    """Every token issued to the account before ends (API and pages alike)."""
    account.token_version += 1
    record("resident.signed_out", target_type="resident_account", target_id=account.id)
