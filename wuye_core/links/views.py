"""A link as its reader sees it (the API's LinkSchema and the console share this)."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..tenancy import Tenant, require_tenant_id
from .models import LinkState, ServiceLink


def link_views(links: list[ServiceLink]) -> list[dict]:
    tenant_id = require_tenant_id()
    partners = {link.partner_of(tenant_id) for link in links}
    tenants = {t.id: t for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(partners)))} if partners else {}
    out = []
    for link in links:
        partner = tenants.get(link.partner_of(tenant_id))
        side = link.side_of(tenant_id)
        view = {column.key: getattr(link, column.key) for column in ServiceLink.__table__.columns}
        view.update(my_side=side.value, awaiting_me=link.state == LinkState.proposed and link.proposed_by != side,
                    partner={"id": partner.id, "slug": partner.slug, "name": partner.name} if partner else None)
        out.append(view)
    return out


def link_view(link: ServiceLink) -> dict:
    return link_views([link])[0]
