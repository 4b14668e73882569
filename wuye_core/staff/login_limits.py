"""Login throttling, one budget whatever the door (the API's token endpoint, the console's
sign-in form): per account (`login_limit_per_user`) and per address (`login_limit_per_address`),
counted only for failed attempts.

The per-account key is the tenant and username exactly as the lookup gets them — loaded by
TokenRequest (NFKC, stripped), so " viewer", "viewer\\n", "\\u3000viewer" and "ｖｉｅｗｅｒ" count
against one budget, the account's. Hashed: bounded and safe for any storage whatever the characters.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from marshmallow import ValidationError

from . import schemas as s

_TOKEN_REQUEST = s.TokenRequest()

# Flask-Limiter's shared scopes: the API's and the console's login count in the same windows.
ACCOUNT_SCOPE = "login-account"
ADDRESS_SCOPE = "login-address"
# guesses at the current password when changing it (a stolen session must not make an oracle)
PASSWORD_SCOPE = "password-change"


def password_key() -> str:
    """The signed-in account's key for guesses at its current password (both doors)."""
    from flask import g

    identity = g.identity
    return f"password:{identity.kind}:{identity.tenant_id or ''}:{identity.user_id}"


def account_key(body) -> str:
    """The per-account key of a login attempt's body (a dict as the API or the form sends it).
    A body the schema refuses never reaches the lookup (not counted: "login:invalid")."""
    try:
        data = _TOKEN_REQUEST.load(body)
    except (ValidationError, TypeError):
        return "login:invalid"
    identity = f"{data['tenant'] if data['tenant'] is not None else ''}\x00{data['username']}"
    return "login:" + hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def failed(response) -> bool:
    """A refused login (the API's 401, the sign-in page shown again with 401) counts."""
    return response.status_code == 401


def per_user_limit() -> str:
    return current_app.config["WUYE"].login_limit_per_user


def per_address_limit() -> str:
    return current_app.config["WUYE"].login_limit_per_address
