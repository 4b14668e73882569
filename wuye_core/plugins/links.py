"""Service links for plugins (API 1.8): which of the tenant's sites another tenant serves, or which
of another tenant's sites the tenant serves (links/). Read-only; links are made in the core."""

from __future__ import annotations

from dataclasses import dataclass

from ..links.models import Side
from ..links.service import accepted_links, tenant_names
from ..tenancy import require_tenant_id


@dataclass(frozen=True)
class ServiceLinkInfo:
    """A link in force, from the current tenant's side."""

    id: int
    my_side: str  # "provider" (we serve the site) or "client" (the site lies in our register)
    partner_tenant_id: int
    partner_name: str
    my_site_id: int
    my_site_name: str | None
    partner_site_name: str | None
    community_id: int | None  # our site's community when we are the client (None on the provider side)


def service_links(community_id: int | None = None) -> list[ServiceLinkInfo]:
    """The current tenant's links in force, on either side, oldest first; with `community_id`, only
    the links of our sites in that community (client side)."""
    tenant_id = require_tenant_id()
    links = accepted_links(as_client=True) + accepted_links(as_client=False)
    names = tenant_names(link.partner_of(tenant_id) for link in links)
    found = []
    for link in sorted(links, key=lambda x: x.id):
        side = link.side_of(tenant_id)
        if community_id is not None and (side != Side.client or link.client_community_id != community_id):
            continue
        mine = side == Side.client
        found.append(ServiceLinkInfo(
            id=link.id, my_side=side.value, partner_tenant_id=link.partner_of(tenant_id),
            partner_name=names.get(link.partner_of(tenant_id), ""),
            my_site_id=link.client_site_id if mine else link.provider_site_id,
            my_site_name=link.client_site_name if mine else link.provider_site_name,
            partner_site_name=link.provider_site_name if mine else link.client_site_name,
            community_id=link.client_community_id if mine else None))
    return found
