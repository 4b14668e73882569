"""Bearer tokens: JWTs (HS256) signed with the app's secret key."""

from __future__ import annotations

import time

import jwt

ISSUER = "wuye"
KINDS = frozenset({"staff", "operator", "resident"})  # any other kind is refused


def issue_token(secret: str, ttl: int, *, kind: str, user_id: int, tenant_id: int | None, version: int = 0,
                password_change: bool = False) -> str:
    """`version`: the account's token_version now ("ver"; a later bump ends the token).
    `password_change`: the token may only change the password ("pwc", see auth/identity.py)."""
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": str(user_id), "kind": kind, "iat": now, "exp": now + ttl, "ver": version}
    if tenant_id is not None:
        claims["tid"] = tenant_id
    if password_change:
        claims["pwc"] = True
    return jwt.encode(claims, secret, algorithm="HS256")


# Tokens this process verified, with their claims: a client sends the same token on every
# request, and checking it again (base64, JSON, HMAC, claim checks) was a tenth of a short
# request. Only the expiry changes with time; it is checked on every use.
_VERIFIED_MAX = 4096
_verified: dict[tuple[str, str], dict] = {}


def read_token(secret: str, token: str) -> dict | None:
    """The token's claims, or None when it is malformed, forged or expired. Do not modify them."""
    claims = _verified.get((secret, token))
    if claims is not None:
        return claims if claims["exp"] > time.time() else None
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "sub", "kind"]}
        )
    except jwt.PyJWTError:
        return None
    if claims["kind"] not in KINDS:
        return None
    if claims["kind"] != "operator" and not isinstance(claims.get("tid"), int):
        return None
    if not isinstance(claims.setdefault("ver", 0), int):  # tokens from before 0012 carry none: version 0
        return None
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[(secret, token)] = claims
    return claims
