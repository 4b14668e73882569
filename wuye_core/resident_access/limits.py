"""The throttling of residents' sign-in, one budget whichever door is knocked on (the API's
/api/v1/resident/auth/…, the residents' pages h5/): codes asked per tenant and phone, attempts per
address (failed ones only for the sign-in). Flask-Limiter's shared limits by these scopes and keys."""

from __future__ import annotations

import hashlib

from flask import current_app

from ..i18n import N_
from .phones import phone_digits

PHONE_SCOPE, ADDRESS_SCOPE = "resident-phone", "resident-address"
WRONG_CODE = N_("Wrong or expired code: ask for a new one.")


def phone_key(tenant: str, phone: str) -> str:
    """Per tenant and phone, hashed (bounded keys whatever was sent)."""
    key = f"{str(tenant).strip()}\x00{phone_digits(str(phone))}"
    return "resident:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def code_limit() -> str:
    return current_app.config["WUYE"].resident_code_limit_per_phone


def address_limit() -> str:
    return current_app.config["WUYE"].resident_limit_per_address


def failed(response) -> bool:
    """A refused sign-in (401): what the per-address budget counts."""
    return response.status_code == 401
