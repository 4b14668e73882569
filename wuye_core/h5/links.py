"""The link printed on a community's gate poster (console/register_poster.py):

    /h5/c/<tenant slug>/<community id>-<signature>

The tenant's slug is there because a resident signs in for a tenant (a phone may live in two).
The community is its id with a short HMAC of the tenant and the id (keyed with the app's secret),
so an anonymous visitor learns nothing by trying ids: a wrong or missing signature is a 404 like
an unknown tenant. A valid link shows the community's name and service phone, nothing more.
Changing WUYE_SECRET_KEY changes every signature: the posters must then be printed again."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, url_for
from sqlalchemy import select

from ..extensions import db
from ..households.models import Community
from ..resident_access.codes import enter_tenant_by_slug
from ..tenancy import Tenant

SIGNATURE_LENGTH = 10


def signature(tenant_id: int, community_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"h5-community:{tenant_id}:{community_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:SIGNATURE_LENGTH]


def community_key(tenant_id: int, community_id: int) -> str:
    return f"{community_id}-{signature(tenant_id, community_id)}"


def community_url(tenant: Tenant, community_id: int, external: bool = True) -> str:
    """The community's link for its poster (absolute: the QR code carries the whole address)."""
    return url_for("h5.entry", slug=tenant.slug, key=community_key(tenant.id, community_id), _external=external)


def resolve(slug: str, key: str) -> tuple[Tenant, Community] | None:
    """The tenant (entered) and community a link names, or None for any wrong part."""
    community_id, _, given = key.partition("-")
    if not community_id.isdigit() or len(community_id) > 9 or not given:
        return None
    tenant = enter_tenant_by_slug(slug)
    if tenant is None or not hmac.compare_digest(given, signature(tenant.id, int(community_id))):
        return None
    community = db.session.scalar(select(Community).where(Community.id == int(community_id)))
    return (tenant, community) if community is not None else None
