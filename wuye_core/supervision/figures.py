"""Street-wide figures (#18 item 5): the current tenant's tickets and those of each company linked
to it, by community and by serving organisation, with the core's KPI definitions.

For each community the caller reads, in the order of the register:
- one row for our own tickets there (tickets/kpis.py `compute` with `by_community`: one pair of
  statements for every community, as the home page does; open and overdue now from
  tickets/figures.py `figures_by_community`);
- one row per company serving sites of that community through accepted links: the same
  `compute` (and the same "now" figures) over its tickets of those sites, read under the grant
  of those links (grant.py `supervising`, recorded in the company's trail).
"""

from __future__ import annotations

from sqlalchemy import select

from ..auth.roles import ALL, Identity
from ..extensions import db
from ..households.models import Community
from ..links.service import tenant_names
from ..tenancy import require_tenant_id
from ..tickets import figures as ticket_figures
from ..tickets import kpis
from ..tickets.models import Ticket
from .grant import readable_links, supervising
from .tickets import granted_kpis

NOW_KEYS = {"tickets_open": "open_now", "tickets_overdue_arrive": "overdue_arrive_now",
            "tickets_overdue_resolve": "overdue_resolve_now"}


def readable_communities(identity: Identity) -> dict[int, str]:
    readable = identity.readable_communities()
    stmt = select(Community.id, Community.name).order_by(Community.id)
    if readable is not ALL:
        stmt = stmt.where(Community.id.in_(readable or [-1]))
    return dict(db.session.execute(stmt).all())


def _now(by_community: dict, ids) -> dict:
    """The "now" figures (open, overdue) of some communities, summed."""
    out = dict.fromkeys(NOW_KEYS.values(), 0)
    for c in ids:
        for figure in by_community[c]:
            if figure.key in NOW_KEYS:
                out[NOW_KEYS[figure.key]] += figure.value or 0
    return out


def granted_now() -> dict:
    """Inside a grant: the open and overdue counts now of the granted tickets."""
    communities = db.session.scalars(select(Ticket.community_id).distinct()).all()
    return _now(ticket_figures.figures_by_community(communities), communities)


def street_figures(identity: Identity, period: kpis.Period) -> dict:
    """{"period", "rows": [...]}: see the module. Rows carry the KPI figures (kpi_routes.KpiFigures)
    and community_id, community_name, organisation ("own" / "provider"), provider_id,
    organisation_name, site_names, open_now, overdue_arrive_now, overdue_resolve_now."""
    names = readable_communities(identity)
    ids = list(names)
    period_out = {"from": period.first, "to": period.last, "start": period.start, "end": period.end,
                  "timezone": "Asia/Shanghai"}
    if not ids:
        return {"period": period_out, "rows": []}
    tenant_id = require_tenant_id()
    own = kpis.compute(period, ids, by_community=True)
    now = ticket_figures.figures_by_community(ids)
    groups: dict[tuple[int, int], list] = {}
    for link in readable_links(identity):
        if link.client_community_id in names:
            groups.setdefault((link.client_community_id, link.provider_tenant_id), []).append(link)
    organisations = tenant_names({tenant_id} | {p for _, p in groups})
    rows = []
    for c in ids:
        rows.append({"community_id": c, "community_name": names[c], "organisation": "own", "provider_id": None,
                     "organisation_name": organisations.get(tenant_id, ""), "site_names": [],
                     **_now(now, [c]), **own["communities"][c]})
        companies = sorted((p for community, p in groups if community == c), key=lambda p: (organisations.get(p, ""), p))
        for provider in companies:
            links = groups[(c, provider)]
            with supervising(provider, identity, what=f"street-figures {c}",
                             site_ids=[link.provider_site_id for link in links]):
                figures, current = granted_kpis(period), granted_now()
            figures.pop("community_ids", None)
            rows.append({"community_id": c, "community_name": names[c], "organisation": "provider",
                         "provider_id": provider, "organisation_name": organisations.get(provider, ""),
                         "site_names": [link.client_site_name for link in links], **current, **figures})
    return {"period": period_out, "rows": rows}


__all__ = ["granted_now", "street_figures"]
