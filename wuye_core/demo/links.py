"""The demo's service link (#18): the demo company (星河物业, `xinghe`) serves 海景花园, a 小区 of the
street's 海景北社区 (`jinghe`), through an accepted link — proposed by the company, accepted by the
street naming its own site, both through links/service.py inside each tenant's context, so both
audit trails hold both steps as they would after two administrators' clicks.

Idempotent: a link in force for the company's site is kept as it is; a proposal left by an
interrupted run is accepted; a link that someone declined or ended is not made again (the demo's
users may try that) and is then not named by `wuye demo --json`."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..households.models import Community, Site
from ..links import service
from ..links.models import LinkState, ServiceLink, Side
from ..tenancy import Tenant, tenant_context

# (provider slug, its site's name) serves (client slug, the community's code, the site's name there)
LINKS = (
    (("xinghe", "海景花园"), ("jinghe", "haijingbei", "海景花园")),
)
NOTE = "红色物业共建协议（海景北社区与星河物业）"


def _tenant_id(slug: str) -> int | None:
    return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def _site_id(name: str, community_code: str | None = None) -> int | None:
    query = select(Site.id).where(Site.name == name)
    if community_code is not None:
        query = query.join(Community, Community.id == Site.community_id).where(Community.code == community_code)
    return db.session.scalar(query.order_by(Site.id).limit(1))


def _latest(provider_id: int, provider_site_id: int) -> ServiceLink | None:
    """The company's newest link for its site."""
    return db.session.scalar(select(ServiceLink).where(ServiceLink.provider_tenant_id == provider_id,
                                                       ServiceLink.provider_site_id == provider_site_id)
                             .order_by(ServiceLink.id.desc()).limit(1))


def _link(provider: tuple[str, str], client: tuple[str, str, str]) -> dict | None:
    (provider_slug, provider_site), (client_slug, community_code, client_site) = provider, client
    provider_id, client_id = _tenant_id(provider_slug), _tenant_id(client_slug)
    if provider_id is None or client_id is None:
        return None
    with tenant_context(provider_id):
        site_id = _site_id(provider_site)
        if site_id is None:
            return None
        link = _latest(provider_id, site_id)
        if link is None:  # proposed by the company
            link = service.propose(partner=client_slug, site_id=site_id, side=Side.provider, note=NOTE,
                                   share_contact=True)
            db.session.commit()
        link_id, state = link.id, link.state
    if state == LinkState.proposed:
        with tenant_context(client_id):  # accepted by the street, naming its own site
            own = _site_id(client_site, community_code)
            if own is None:
                return None
            try:
                service.accept(link_id, own)
            except DomainError:  # the street's site is taken by a link someone made trying the demo
                db.session.rollback()
                return None
            db.session.commit()
    with tenant_context(provider_id):
        link = db.session.get(ServiceLink, link_id)
        if link.state != LinkState.accepted:  # declined or ended by someone trying the demo: left so
            return None
        return {"id": link.id, "provider": provider_slug, "provider_site_id": link.provider_site_id,
                "client": client_slug, "client_site_id": link.client_site_id}


def load_demo_links() -> list[dict]:
    """The demo's links in force, as `wuye demo --json` names them."""
    made = [_link(provider, client) for provider, client in LINKS]
    # the hand-offs in both directions over these links: demo/handoffs.py (load_demo calls it)
    return [link for link in made if link is not None]
