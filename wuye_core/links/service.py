"""Proposing, accepting, declining and ending service links. Services raise domain errors; the
caller commits. Each side names only its own site; the other side's site and name are what that
side said. Every change is recorded in both tenants' audit trails."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import g, has_request_context
from sqlalchemy import select

from ..audit import record
from ..audit.record import record_in_partner_trail
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..households.models import Site
from ..i18n import N_
from ..tenancy import Tenant, TenantKind, require_tenant_id
from .models import LIVE, LinkState, ServiceLink, Side

SITE_TAKEN = N_("This site already has a service link in force or proposed.")


def _actor() -> str:
    identity = getattr(g, "identity", None) if has_request_context() else None
    return identity.username if identity is not None else "system"


def _now() -> datetime:
    return datetime.now(UTC)


def default_side(kind: TenantKind) -> Side:
    """A company serves; a subdistrict office is where the sites lie."""
    return Side.provider if kind == TenantKind.company else Side.client


def _own_site(site_id, field: str = "site_id") -> Site:
    site = db.session.get(Site, site_id) if isinstance(site_id, int) else None
    if site is None:
        raise Invalid(field, N_("Does not exist."))
    return site


def _site_is_free(side: Side, site_id: int, field: str = "site_id", but: int | None = None) -> None:
    tenant_id = require_tenant_id()
    column_tenant, column_site = ((ServiceLink.provider_tenant_id, ServiceLink.provider_site_id) if side == Side.provider
                                  else (ServiceLink.client_tenant_id, ServiceLink.client_site_id))
    query = select(ServiceLink.id).where(column_tenant == tenant_id, column_site == site_id,
                                         ServiceLink.state.in_(LIVE))
    if but is not None:
        query = query.where(ServiceLink.id != but)
    if db.session.scalar(query.limit(1)) is not None:
        raise Conflict(SITE_TAKEN, {"json": {field: [SITE_TAKEN]}})


def _set_own_site(link: ServiceLink, side: Side, site: Site) -> None:
    if side == Side.provider:
        link.provider_site_id, link.provider_site_name = site.id, site.name
    else:
        link.client_site_id, link.client_site_name, link.client_community_id = site.id, site.name, site.community_id


def _both_trails(link: ServiceLink, action: str, **details) -> None:
    tenant_id = require_tenant_id()
    details = {"link": link.id, **{k: v for k, v in details.items() if v is not None}}
    record(action, target_type="service_link", target_id=link.id, details=details)
    record_in_partner_trail(link.partner_of(tenant_id), action, target_type="service_link", target_id=link.id,
                            details={**details, "by_tenant": tenant_id})


def propose(*, partner: str, site_id, side: Side | None = None, note: str | None = None,
            share_contact: bool = False) -> ServiceLink:
    """Offer a link to the tenant `partner` (its slug) for our site `site_id`: we serve it
    (`side` provider) or it lies in our register and they serve it (client). Default side: a
    company serves, a subdistrict is served."""
    tenant_id = require_tenant_id()
    own = db.session.get(Tenant, tenant_id)
    other = db.session.scalar(select(Tenant).where(Tenant.slug == partner, Tenant.active.is_(True)))
    if other is None:
        raise Invalid("partner", N_("No such tenant."))
    if other.id == tenant_id:
        raise Invalid("partner", N_("A link is between two different tenants."))
    side = Side(side) if side else default_side(own.kind)
    site = _own_site(site_id)
    _site_is_free(side, site.id)
    provider, client = (tenant_id, other.id) if side == Side.provider else (other.id, tenant_id)
    link = ServiceLink(provider_tenant_id=provider, client_tenant_id=client, state=LinkState.proposed,
                       proposed_by=side, note=note, share_contact=bool(share_contact), proposed_at=_now(),
                       proposed_by_user=_actor())
    _set_own_site(link, side, site)
    db.session.add(link)
    db.session.flush()
    _both_trails(link, "link.proposed", side=side.value, site=site.id)
    return link


def get_link(link_id: int, *, lock: bool = False) -> ServiceLink:
    """A link the current tenant is a party to (404 otherwise: the framework scopes the query)."""
    query = select(ServiceLink).where(ServiceLink.id == link_id)
    if lock:
        query = query.with_for_update()
    link = db.session.scalar(query)
    if link is None:
        raise NotFound(N_("No such service link."))
    return link


def _answering(link_id: int) -> tuple[ServiceLink, Side]:
    link = get_link(link_id, lock=True)
    side = link.side_of(require_tenant_id())
    if link.state != LinkState.proposed:
        raise Conflict(N_("This link is no longer waiting for an answer."))
    if side == link.proposed_by:
        raise Forbidden(N_("The other side answers a proposal; you may withdraw it."))
    return link, side


def accept(link_id: int, site_id) -> ServiceLink:
    """The other side accepts, naming its own site: the link is in force from now."""
    link, side = _answering(link_id)
    site = _own_site(site_id)
    _site_is_free(side, site.id, but=link.id)
    _set_own_site(link, side, site)
    link.state, link.decided_at, link.decided_by_user = LinkState.accepted, _now(), _actor()
    _both_trails(link, "link.accepted", site=site.id)
    return link


def decline(link_id: int, reason: str | None = None) -> ServiceLink:
    link, _side = _answering(link_id)
    link.state, link.decided_at, link.decided_by_user, link.end_reason = LinkState.declined, _now(), _actor(), reason
    _both_trails(link, "link.declined", reason=reason)
    return link


def revoke(link_id: int, reason: str | None = None) -> ServiceLink:
    """Either side ends a link in force, or withdraws its proposal. At once: supervision and
    new hand-offs stop with this transaction's commit."""
    link = get_link(link_id, lock=True)
    if link.state not in LIVE:
        raise Conflict(N_("This link has ended already."))
    link.state, link.ended_at, link.ended_by_user = LinkState.revoked, _now(), _actor()
    link.ended_by, link.end_reason = link.side_of(require_tenant_id()), reason
    _both_trails(link, "link.revoked", reason=reason)
    return link


def change(link_id: int, *, share_contact: bool | None = None, note: str | None = None) -> ServiceLink:
    """The client side decides whether hand-offs carry the reporter's contact; either side edits the note."""
    link = get_link(link_id, lock=True)
    if link.state not in LIVE:
        raise Conflict(N_("This link has ended already."))
    if share_contact is not None:
        if link.side_of(require_tenant_id()) != Side.client:
            raise Forbidden(N_("Only the side where the site lies decides what hand-offs share."))
        link.share_contact = bool(share_contact)
    if note is not None:
        link.note = note
    _both_trails(link, "link.changed", share_contact=share_contact)
    return link


def links_query(state: LinkState | None = None, side: Side | None = None):
    """The current tenant's links (the framework adds "we are a party"), newest first."""
    query = select(ServiceLink).order_by(ServiceLink.id.desc())
    if state is not None:
        query = query.where(ServiceLink.state == state)
    if side is not None:
        tenant_id = require_tenant_id()
        column = ServiceLink.provider_tenant_id if side == Side.provider else ServiceLink.client_tenant_id
        query = query.where(column == tenant_id)
    return query


def accepted_links(*, as_client: bool = True, community_ids=None, provider_tenant_id: int | None = None) -> list:
    """Links in force where the current tenant is the client (or the provider)."""
    tenant_id = require_tenant_id()
    query = select(ServiceLink).where(ServiceLink.state == LinkState.accepted)
    query = query.where((ServiceLink.client_tenant_id if as_client else ServiceLink.provider_tenant_id) == tenant_id)
    if community_ids is not None:
        query = query.where(ServiceLink.client_community_id.in_(list(community_ids)))
    if provider_tenant_id is not None:
        query = query.where(ServiceLink.provider_tenant_id == provider_tenant_id)
    return list(db.session.scalars(query.order_by(ServiceLink.id)))


def tenant_names(ids) -> dict[int, str]:
    """Names of tenants (the one table every tenant may name)."""
    ids = set(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids))).all())
