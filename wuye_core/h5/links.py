"""The link of a community's gate poster (console/register_poster.py) and the entry page it opens:
/h5/c/<tenant slug>/<community id>-<signature> (resident_access/community_links.py says why). A
valid link shows the community's name and service phone, nothing more; any wrong part is a 404."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from ..extensions import db
from ..households.models import Community
from ..resident_access.codes import enter_tenant_by_slug
from ..resident_access.community_links import community_id_of, community_key
from ..tenancy import Tenant, require_tenant_id
from .door import local_page


def community_url(tenant: Tenant, community_id: int, external: bool = True) -> str:
    """The community's link for its poster (absolute: the QR code carries the whole address). In a
    request, on the request's host; outside one (a job), on WUYE_PUBLIC_URL (`public_url`)."""
    values = {"slug": tenant.slug, "key": community_key(tenant.id, community_id)}
    if has_request_context():
        return url_for("h5.entry", _external=external, **values)
    return public_url("h5.entry", **values)


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` on the site's public address, WUYE_PUBLIC_URL (a path in it is
    kept as the prefix: https://example.cn/wuye). A RuntimeError naming the setting when it is
    unset: outside a request nothing else knows the address residents reach."""
    base = current_app.config["WUYE"].public_url
    if not base:
        raise RuntimeError("a link outside a request needs the setting WUYE_PUBLIC_URL (the address residents "
                           "reach this site at, e.g. https://wuye.example.cn) / 在请求之外生成链接需要设置 WUYE_PUBLIC_URL")
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path.rstrip("/") or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def resident_link(community_id: int, path: str) -> str:
    """The absolute link a resident opens from a QR code or a text message to land on `path` (a
    page of the residents' pages, "/h5/…"): the community's link (the current tenant's) with
    `next=path`. Signing in there (or at once, when signed in to the tenant already) leads to the
    page. Any other `path` — another site, a page outside /h5/ — is left out: the link opens the
    community's page and then home. In a request its host makes the address absolute; outside one
    (a job texting a reminder) WUYE_PUBLIC_URL does, and without it this raises a RuntimeError."""
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
