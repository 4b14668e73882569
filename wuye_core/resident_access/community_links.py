"""What the link of a community's gate poster carries (the residents' pages, h5/links.py):

    /h5/c/<tenant slug>/<community id>-<signature>

The tenant's slug, because a resident signs in for a tenant (a phone may live in two). The
community as its id with a short HMAC of the tenant and the id, keyed with the app's secret: an
anonymous visitor learns nothing by trying ids (a wrong signature is a 404 like an unknown tenant).
Changing WUYE_SECRET_KEY changes every signature: the posters must then be printed again."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

PATH = "/h5/c/{slug}/{key}"  # h5's entry page (h5/auth.py `entry`): the demo names it, the poster prints it
SIGNATURE_LENGTH = 10


def signature(tenant_id: int, community_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"h5-community:{tenant_id}:{community_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:SIGNATURE_LENGTH]


def community_key(tenant_id: int, community_id: int) -> str:
    return f"{community_id}-{signature(tenant_id, community_id)}"


def community_id_of(tenant_id: int, key: str) -> int | None:
    """The community a link's key names for the tenant, or None when it is not one we signed."""
    community_id, _, given = key.partition("-")
    if not community_id.isdigit() or len(community_id) > 9 or not given:
        return None
    return int(community_id) if hmac.compare_digest(given, signature(tenant_id, int(community_id))) else None


def community_path(slug: str, tenant_id: int, community_id: int) -> str:
    return PATH.format(slug=slug, key=community_key(tenant_id, community_id))
