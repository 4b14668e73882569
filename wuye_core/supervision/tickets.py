"""The provider's tickets of the linked sites, as the client (the street) reads them.

    providers(identity)                              the companies serving our sites, with the links
    ticket_page(provider_id, identity, args)         a page of their tickets (the core's filters)
    ticket_detail(provider_id, ticket_id, identity)  one ticket, its history and ratings
    provider_kpis(provider_id, identity, period)     tickets/kpis.py `compute` over the linked sites

Every read of the provider's data runs inside one `supervising(...)` (grant.py): the framework
scopes each statement to the linked sites' tickets, PostgreSQL checks the link row by row, and the
read is recorded in the provider's trail. What leaves the grant is plain data (`ticket_view`):
the fields the supervision schemas name, the reporter's name masked, our side's site added; the
provider's objects never leave its session.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ..api.pagination import paginate
from ..auth.roles import Identity
from ..errors import invalid
from ..extensions import db
from ..i18n import N_
from ..links.models import ServiceLink
from ..links.service import tenant_names
from ..tickets import kpis
from ..tickets.lateness import late_stages, late_stages_of, overdue
from ..tickets.listing import SORT_COLUMNS, search
from ..tickets.models import Ticket, TicketRating, TicketTransition
from .grant import Scope, readable_links, supervising

NOT_OUR_SITE = N_("This company serves no such site of yours.")

# the ticket's own fields a supervisor reads (schemas.SupervisedTicketOut); never its register ids,
# the reporter's phone, nor the provider's staff
TICKET_FIELDS = ("id", "location", "category", "title", "description", "reopened_count", "sla_policy", "created_at",
                 "accepted_at", "dispatched_at", "on_site_at", "resolved_at", "closed_at", "arrive_due_at",
                 "resolve_due_at", "arrive_breached_at", "resolve_breached_at", "rating", "rating_comment", "rated_at")
ENUM_FIELDS = ("channel", "kind", "priority", "status")
FILTERS = ("status", "kind", "priority", "category")
# what a supervised list selects: those fields and what the view works out from them (the site, the
# name it masks). Columns, not tickets: the rest of the row (the phone, the register's ids, the
# staff) never leaves the database, and the page costs no ORM objects.
LIST_NAMES = (*TICKET_FIELDS, *ENUM_FIELDS, "site_id", "reporter_name")
LIST_COLUMNS = tuple(getattr(Ticket, name) for name in LIST_NAMES)


def mask_name(name: str | None) -> str | None:
    """A person's name as a supervisor sees it: the first character, the rest starred (张三 → 张*)."""
    if not name:
        return None
    return name[0] + "*" * max(1, len(name) - 1)


def link_view(link: ServiceLink) -> dict:
    return {"link_id": link.id, "site_id": link.client_site_id, "site_name": link.client_site_name,
            "community_id": link.client_community_id, "provider_site_name": link.provider_site_name,
            "since": link.decided_at}


def providers(identity: Identity) -> list[dict]:
    """The companies serving, through accepted links, the sites of the communities `identity`
    reads; each with its links, by name. Only our links are read (no grant needed)."""
    links = readable_links(identity)
    names = tenant_names(link.provider_tenant_id for link in links)
    out: dict[int, dict] = {}
    for link in links:
        provider = out.setdefault(link.provider_tenant_id, {"id": link.provider_tenant_id,
                                                            "name": names.get(link.provider_tenant_id, ""),
                                                            "links": []})
        provider["links"].append(link_view(link))
    return sorted(out.values(), key=lambda p: (p["name"], p["id"]))


def provider_sites_of(identity: Identity, provider_id: int, site_id: int | None) -> list[int] | None:
    """The provider's sites behind our `site_id` (None: every linked site). 422 on `site_id` when
    the provider serves no such site of ours."""
    if site_id is None:
        return None
    sites = [link.provider_site_id for link in readable_links(identity, provider_id) if link.client_site_id == site_id]
    if not sites:
        invalid("site_id", NOT_OUR_SITE, location="query")
    return sites


def _our_side(link) -> dict:
    """The columns a supervised ticket shows of our side of its link (None where no link)."""
    return {"client_site_id": link.client_site_id if link else None,
            "client_site_name": link.client_site_name if link else None,
            "client_community_id": link.client_community_id if link else None,
            "provider_site_name": link.provider_site_name if link else None}


def ticket_view(ticket: Ticket, scope: Scope, now: datetime | None = None) -> dict:
    """A ticket as the supervisor reads it (see TICKET_FIELDS), our side's site added."""
    view = {name: getattr(ticket, name) for name in TICKET_FIELDS}
    for name in ENUM_FIELDS:
        value = getattr(ticket, name)
        view[name] = getattr(value, "value", value)
    view.update(_our_side(scope.link_of_site(ticket.site_id)))
    view.update(provider_id=scope.provider_tenant_id, reporter_name=mask_name(ticket.reporter_name),
                late=late_stages(ticket, now))
    return view


def ticket_views(rows, scope: Scope, now: datetime) -> list[dict]:
    """A page of LIST_COLUMNS rows as `ticket_view` shows a ticket, worked out in one pass (a row's
    values by position: a page is read on every supervised visit)."""
    sides = {link.provider_site_id: _our_side(link) for link in scope.links}
    views = []
    for row in rows:
        view = dict(zip(LIST_NAMES, row, strict=True))
        for name in ENUM_FIELDS:
            view[name] = view[name].value
        site_id, name = view.pop("site_id"), view.pop("reporter_name")
        view.update(sides.get(site_id) or _our_side(None))
        view.update(provider_id=scope.provider_tenant_id, reporter_name=mask_name(name),
                    late=late_stages_of(view["status"], view["arrive_due_at"], view["on_site_at"],
                                        view["resolve_due_at"], view["resolved_at"], now))
        views.append(view)
    return views


def supervised_query(args: dict, now: datetime):
    """The filters of the core's ticket list (tickets/listing.py) on the granted tickets."""
    stmt = select(*LIST_COLUMNS)
    for column in FILTERS:
        if args.get(column) is not None:
            stmt = stmt.where(getattr(Ticket, column) == args[column])
    if args.get("overdue"):
        stmt = stmt.where(overdue(now))
    if args.get("q"):
        stmt = stmt.where(search(args["q"]))
    return stmt


def ticket_page(provider_id: int, identity: Identity, args: dict) -> dict:
    """A page of the provider's tickets of the linked sites (`site_id`: ours, one of them: the
    grant's links looked up once, then the query narrowed to the provider's sites behind it)."""
    now = datetime.now(UTC)
    with supervising(provider_id, identity, what="tickets") as scope:
        stmt = supervised_query(args, now)
        if args.get("site_id") is not None:
            sites = [link.provider_site_id for link in scope.links if link.client_site_id == args["site_id"]]
            if not sites:
                invalid("site_id", NOT_OUR_SITE, location="query")
            stmt = stmt.where(Ticket.site_id == sites[0] if len(sites) == 1 else Ticket.site_id.in_(sites))
        page = paginate(stmt, Ticket, args, columns=SORT_COLUMNS)
        page["items"] = ticket_views(page["items"], scope, now)
    return page


def ticket_detail(provider_id: int, ticket_id: int, identity: Identity) -> dict:
    """One of the provider's tickets of the linked sites, with its history and ratings (oldest
    first); NotFound for any other ticket."""
    from ..errors import NotFound

    with supervising(provider_id, identity, what=f"ticket {ticket_id}") as scope:
        ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        if ticket is None:
            raise NotFound(N_("No such ticket."))
        view = ticket_view(ticket, scope)
        view["history"] = [
            {"id": s.id, "action": s.action, "from_status": s.from_status, "to_status": s.to_status, "note": s.note,
             "rating": s.rating, "at": s.at}
            for s in db.session.scalars(select(TicketTransition).where(TicketTransition.ticket_id == ticket.id)
                                        .order_by(TicketTransition.id))]
        view["ratings"] = [
            {"id": r.id, "resolution": r.resolution, "rating": r.rating, "comment": r.comment,
             "previous_rating": r.previous_rating, "reason": r.reason, "at": r.at}
            for r in db.session.scalars(select(TicketRating).where(TicketRating.ticket_id == ticket.id)
                                        .order_by(TicketRating.id))]
    return view


def granted_kpis(period: kpis.Period, as_of: datetime | None = None) -> dict:
    """Inside a grant: the core's KPIs (kpis.compute, the same definitions) of the granted tickets.
    The grant limits every statement to the linked sites; compute takes the provider's
    communities those tickets are in."""
    communities = db.session.scalars(select(Ticket.community_id).distinct()).all()
    return kpis.compute(period, communities, as_of)


def provider_kpis(provider_id: int, identity: Identity, period: kpis.Period, site_id: int | None = None) -> dict:
    sites = provider_sites_of(identity, provider_id, site_id)
    with supervising(provider_id, identity, what="kpis", site_ids=sites) as scope:
        figures = granted_kpis(period)
    figures.pop("community_ids", None)  # the provider's own ids: not ours to read
    return {"provider_id": provider_id, "provider_name": tenant_names([provider_id]).get(provider_id, ""),
            "sites": [link_view(link) for link in scope.links], **figures}
