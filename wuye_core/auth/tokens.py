"""Bearer tokens: JWTs (HS256) signed with the app's secret key."""

from __future__ import annotations

import time

import jwt

ISSUER = "wuye"


def issue_token(secret: str, ttl: int, *, kind: str, user_id: int, tenant_id: int | None) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": str(user_id), "kind": kind, "iat": now, "exp": now + ttl}
    if tenant_id is not None:
        claims["tid"] = tenant_id
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(secret: str, token: str) -> dict | None:
    """The token's claims, or None when it is malformed, forged or expired."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "sub", "kind"]}
        )
    except jwt.PyJWTError:
        return None
    if claims["kind"] == "staff" and not isinstance(claims.get("tid"), int):
        return None
    return claims
