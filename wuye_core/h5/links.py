"""The link of a community's gate poster (console/register_poster.py) and the entry page it opens:
/h5/c/<tenant slug>/<community id>-<signature> (resident_access/community_links.py says why). A
valid link shows the community's name and service phone, nothing more; any wrong part is a 404."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..households.models import Community
from ..resident_access.codes import enter_tenant_by_slug
from ..resident_access.community_links import community_id_of, community_key
from ..tenancy import Tenant, require_tenant_id
from .door import local_page


def community_url(tenant: Tenant, community_id: int, external: bool = True) -> str:
    """The community's link for its poster (absolute: the QR code carries the whole address)."""
    return url_for("h5.entry", slug=tenant.slug, key=community_key(tenant.id, community_id), _external=external)


def resident_link(community_id: int, path: str) -> str:
    """The absolute link a resident opens from a QR code or a text message to land on `path` (a
    page of the residents' pages, "/h5/…"): the community's link (the current tenant's) with
    `next=path`. Signing in there (or at once, when signed in to the tenant already) leads to the
    page. Any other `path` — another site, a page outside /h5/ — is left out: the link opens the
    community's page and then home. In a request (its host makes the address absolute)."""
    tenant = db.session.get(Tenant, require_tenant_id())
    base = community_url(tenant, community_id)
    target = local_page(path)
    return f"{base}?{urlencode({'next': target})}" if target else base


def resolve(slug: str, key: str) -> tuple[Tenant, Community] | None:
    """The tenant (entered) and community a link names, or None for any wrong part."""
    tenant = enter_tenant_by_slug(slug)
    community_id = community_id_of(tenant.id, key) if tenant is not None else None
    if community_id is None:
        return None
    community = db.session.scalar(select(Community).where(Community.id == community_id))
    return (tenant, community) if community is not None else None
