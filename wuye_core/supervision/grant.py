"""The read grant of accepted service links, and the block that reads under it.

    with supervising(provider_tenant_id, identity) as scope:
        rows = db.session.scalars(select(Ticket)...)   # only the linked sites' tickets

`supervising` finds the current tenant's accepted links with that provider whose client community
the caller may read (remembered per process, below), records the read in the provider's audit trail (in the caller's unit of work:
committed with the answer, or the answer is not given), and runs the block under a ReadGrant: a
session of its own that sees the provider's tickets of those sites, their history and ratings,
and fails closed on anything else (tenancy/grants.py). PostgreSQL checks the link again on every
row (migration 0015, policy supervised_read): a link ended a moment ago admits nothing.

The links a caller reads under are remembered per worker process (the cache "supervised_links")
for `auth_cache_seconds`, like the caller's identity and roles: a supervised page costs no links
query (bench/README.md, "Issue #18: supervision"). A link accepted, changed or ended in this
process is seen at once (the cache is emptied on the commit); one ended in another process admits
no row on PostgreSQL at once (the policy), and leaves this process's list within those seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import false, or_, select

from ..audit.record import record_in_partner_trail
from ..auth.roles import Identity
from ..common.caches import cache, declare
from ..db_durability import commit_without_waiting
from ..errors import NotFound
from ..extensions import db
from ..i18n import N_
from ..links.models import ServiceLink
from ..links.service import accepted_links
from ..tenancy import ReadGrant, reading_under, require_tenant_id
from ..tenancy.grants import sql_integer
from ..tickets.models import Ticket, TicketRating, TicketTransition


class LinkInForce(NamedTuple):
    """An accepted link as a supervised read needs it (an immutable copy: it outlives the session)."""

    id: int
    provider_tenant_id: int
    provider_site_id: int
    provider_site_name: str | None
    client_site_id: int
    client_site_name: str | None
    client_community_id: int
    decided_at: datetime | None

    @classmethod
    def of(cls, link: ServiceLink) -> LinkInForce:
        return cls(*(getattr(link, name) for name in cls._fields))


def install(app) -> None:
    declare(app, "supervised_links", seconds=app.config["WUYE"].auth_cache_seconds, forget_on_commit_of=(ServiceLink,),
            why="the accepted links a supervised read runs under, on every supervised page")


@dataclass(frozen=True)
class Scope:
    """What a supervised read may see: the provider, and its linked sites mapped to ours."""

    provider_tenant_id: int
    links: tuple[LinkInForce, ...]

    @property
    def provider_sites(self) -> tuple[int, ...]:
        return tuple(sorted(link.provider_site_id for link in self.links))

    def link_of_site(self, provider_site_id: int) -> LinkInForce | None:
        return next((link for link in self.links if link.provider_site_id == provider_site_id), None)


def readable_links(identity: Identity, provider_tenant_id: int | None = None) -> list[LinkInForce]:
    """Accepted links where we are the client, in communities `identity` may read (see the
    module's docstring: remembered for a few seconds)."""
    readable = identity.readable_communities()
    if readable == set():
        return []
    key = (require_tenant_id(), None if readable is None else frozenset(readable), provider_tenant_id)
    remembered = cache("supervised_links")
    found = remembered.get(key)
    if found is None:
        found = tuple(LinkInForce.of(link) for link in accepted_links(
            as_client=True, community_ids=readable, provider_tenant_id=provider_tenant_id))
        remembered.put(key, found)
    return list(found)


def _one_of(column, values: tuple[int, ...]):
    """`column IN (…)` as plain equalities of constants: an IN list's "expanding" parameter is
    rendered again on every execution, which cost a supervised page more than the rest of its
    grant; constants, not bound parameters (tenancy/grants.py `sql_integer`)."""
    return or_(*(column == sql_integer(value) for value in values)) if values else false()


@lru_cache(maxsize=1024)
def ticket_grant(provider_tenant_id: int, sites: tuple[int, ...]) -> ReadGrant:
    """The provider's tickets of `sites`, their history and their ratings; nothing else. One grant
    per provider and sites, built once per process (its statement options with it)."""
    of_sites = select(Ticket.id).where(Ticket.tenant_id == sql_integer(provider_tenant_id),
                                       _one_of(Ticket.site_id, sites))
    return ReadGrant(owner_tenant_id=provider_tenant_id, description="supervision", conditions={
        Ticket: lambda model: _one_of(model.site_id, sites),
        TicketTransition: lambda model: model.ticket_id.in_(of_sites.scalar_subquery()),
        TicketRating: lambda model: model.ticket_id.in_(of_sites.scalar_subquery()),
    })


@contextmanager
def supervising(provider_tenant_id: int, identity: Identity, *, what: str,
                site_ids: list[int] | None = None) -> Iterator[Scope]:
    """Read the provider's data the links grant us (see the module's docstring). `what` names the
    read in the provider's trail ("tickets", "ticket 12", "kpis"); `site_ids` (the provider's) narrows
    it. NotFound when no link in force covers it."""
    # the read's audit row is the transaction's only write: its commit need not wait for the disk
    # (asked before the links are looked up: that may begin the transaction)
    commit_without_waiting(db.session())
    links = readable_links(identity, provider_tenant_id)
    if site_ids is not None:
        links = [link for link in links if link.provider_site_id in site_ids]
    if not links:
        raise NotFound(N_("No service link in force covers this."))
    scope = Scope(provider_tenant_id, tuple(links))
    record_in_partner_trail(provider_tenant_id, "supervision.read", target_type="supervision", target_id=what,
                            details={"links": [link.id for link in links], "read": what})
    with reading_under(ticket_grant(provider_tenant_id, scope.provider_sites)):
        yield scope
