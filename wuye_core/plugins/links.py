"""Service links for plugins (API 1.8): which of the tenant's sites another tenant serves, or which
of another tenant's sites the tenant serves (links/). Read-only; links are made in the core."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..households.models import Site
from ..links.models import LinkState, ServiceLink, Side
from ..links.service import tenant_names
from ..tenancy import require_tenant_id


@dataclass(frozen=True)
class ServiceLinkInfo:
    """An accepted service link as the current tenant sees it."""

    id: int
    my_side: str  # "provider" (we serve the site) or "client" (it lies in our register)
    partner_tenant_id: int
    partner_name: str | None
    my_site_id: int | None
    my_site_name: str | None
    partner_site_name: str | None
    community_id: int | None  # my site's community, when known


def service_links(community_id: int | None = None) -> list[ServiceLinkInfo]:
    """The current tenant's accepted links, either side (only those whose site of ours lies in
    `community_id`, if given), oldest first."""
    tenant_id = require_tenant_id()
    links = list(db.session.scalars(select(ServiceLink).where(
        ServiceLink.state == LinkState.accepted, ServiceLink.party_clause(tenant_id)).order_by(ServiceLink.id)))
    names = tenant_names({link.partner_of(tenant_id) for link in links})
    provider_sites = [link.provider_site_id for link in links
                      if link.side_of(tenant_id) == Side.provider and link.provider_site_id]
    communities = dict(db.session.execute(select(Site.id, Site.community_id).where(Site.id.in_(provider_sites)))
                       .all()) if provider_sites else {}
    found = []
    for link in links:
        side = link.side_of(tenant_id)
        if side == Side.provider:
            mine = (link.provider_site_id, link.provider_site_name, link.client_site_name,
                    communities.get(link.provider_site_id))
        else:
            mine = (link.client_site_id, link.client_site_name, link.provider_site_name, link.client_community_id)
        if community_id is not None and mine[3] != community_id:
            continue
        partner = link.partner_of(tenant_id)
        found.append(ServiceLinkInfo(link.id, side.value, partner, names.get(partner), *mine))
    return found
