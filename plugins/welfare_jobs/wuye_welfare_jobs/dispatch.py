"""Tickets for a post's team (派单到公益岗位班组): the street's public-welfare teams serve the 村湾
no company serves, so a ticket at a post's site may be dispatched to the post's team.

The core holds the dispatch (`Ticket.team` = `Post.team`: the core's field workers of that team
see it and may arrive and resolve); a `Dispatch` row remembers which post took it, for the post's
queue, the ticket's link and the figures. The rows follow the ticket whoever dispatched it — this
plugin's API, or the core's console with the team's text (the hooks `ticket_assigned` and
`ticket_transitioned` call `sync` and `close`): one open row per ticket at most, closed when the
ticket is resolved, closed, cancelled or dispatched elsewhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from wuye_core.plugins import (
    Conflict,
    Forbidden,
    Identity,
    Site,
    community_tickets,
    db,
    dispatch_ticket,
    invalid,
    local_today,
    ticket_summaries,
    ticket_summary,
)

from .access import is_manager, leads
from .i18n import N_
from .models import Dispatch, Post
from .vocab import label

# The ticket's states in words (the core's codes; the core's state machine decides what may happen).
STATUSES = {
    "submitted": N_("Submitted"),
    "accepted": N_("Accepted"),
    "dispatched": N_("Dispatched"),
    "on_site": N_("On site"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
    "reopened": N_("Reopened"),
    "cancelled": N_("Cancelled"),
}
OPEN = frozenset({"submitted", "accepted", "dispatched", "on_site", "reopened"})
ENDED = frozenset({"resolved", "closed", "cancelled"})  # a post's work on the ticket is over


def status_label(code: str | None) -> str:
    return label(STATUSES, code)


def _now() -> datetime:
    return datetime.now(UTC)


# --- who ------------------------------------------------------------------------------------------


def may_dispatch(identity: Identity, community_id: int) -> bool:
    """The community's dispatchers: staff who may write there, and the roster manager."""
    return identity.can_write(community_id) or is_manager(identity, community_id)


def require_dispatcher(identity: Identity, community_id: int) -> None:
    if not may_dispatch(identity, community_id):
        raise Forbidden(N_("Only staff who may write in this community or its roster manager may dispatch tickets."))


def may_read_queue(identity: Identity, post: Post) -> bool:
    return identity.can_read(post.community_id) or leads(identity, post) or is_manager(identity, post.community_id)


def require_queue_reader(identity: Identity, post: Post) -> None:
    if not may_read_queue(identity, post):
        raise Forbidden(N_("Only the post's team leader, the roster manager or the community's staff may read "
                           "its queue."))


# --- what -----------------------------------------------------------------------------------------


def is_open_post(post: Post) -> bool:
    return post.active and (post.closed_on is None or post.closed_on > local_today())


def open_posts(community_id: int) -> list[Post]:
    """The community's active posts, by name."""
    posts = db.session.scalars(select(Post).where(Post.community_id == community_id, Post.active.is_(True))
                               .order_by(Post.name, Post.id)).all()
    return [post for post in posts if is_open_post(post)]


def dispatchable(community_id: int) -> list[dict]:
    """The community's tickets that may be dispatched now (the core's state machine says which)
    at the sites of its active posts, oldest first, each with the posts of its site that could
    take it and the post that holds it now (None: none)."""
    posts = open_posts(community_id)
    by_site: dict[int, list[Post]] = {}
    for post in posts:
        by_site.setdefault(post.site_id, []).append(post)
    if not by_site:
        return []
    tickets = community_tickets(community_id, site_ids=list(by_site), allowing="dispatch")
    holding = dict(db.session.execute(
        select(Dispatch.ticket_id, Dispatch.post_id).where(
            Dispatch.ticket_id.in_([ticket["id"] for ticket in tickets]), Dispatch.closed_at.is_(None))).all()) if tickets else {}
    return [{**ticket, "status_label": status_label(ticket["status"]), "post_id": holding.get(ticket["id"]),
             "posts": [{"id": p.id, "name": p.name, "team": p.team} for p in by_site[ticket["site_id"]]]}
            for ticket in tickets]


def open_dispatches(ticket_id: int) -> list[Dispatch]:
    return list(db.session.scalars(select(Dispatch).where(Dispatch.ticket_id == ticket_id,
                                                          Dispatch.closed_at.is_(None)).order_by(Dispatch.id)))


def _record(post: Post, ticket_id: int, community_id: int, actor: str) -> Dispatch:
    """The post holds the ticket: the open rows of other posts closed, the post's one kept or added."""
    found = None
    for row in open_dispatches(ticket_id):
        if row.post_id == post.id and found is None:
            found = row
        else:
            row.closed_at = _now()
    if found is None:
        found = Dispatch(community_id=community_id, ticket_id=ticket_id, post_id=post.id, dispatched_by=actor,
                         dispatched_at=_now())
        db.session.add(found)
    db.session.flush()
    return found


def dispatch(post: Post, ticket_id: int, actor: str, note: str | None = None) -> Dispatch:
    """Dispatch the ticket to the post's team (the post locked by the caller). 409 when the post is
    closed or the ticket's state does not allow it, 422 naming ticket_id when it is not a ticket
    of the post's community and site."""
    if not is_open_post(post):
        raise Conflict(N_("The post is closed: tickets cannot be dispatched to it."))
    ticket = ticket_summary(ticket_id)
    if ticket is None or ticket["community_id"] != post.community_id:
        invalid("ticket_id", N_("Does not exist in this community."))
    if ticket["site_id"] != post.site_id:
        invalid("ticket_id", N_("The ticket is not at the post's site."))
    if not dispatch_ticket(ticket_id, actor, team=post.team, note=note):
        ticket = ticket_summary(ticket_id)  # read again: the ticket is locked now
        held = any(row.post_id == post.id for row in open_dispatches(ticket_id))
        if ticket["status"] != "dispatched" or ticket["team"] != post.team or held:
            raise Conflict(N_("The ticket cannot be dispatched to this post now (it is %(status)s, team "
                              "%(team)s).", status=ticket["status"], team=ticket["team"] or "-"))
        # dispatched to the team already (at the core's console) but not recorded yet: record it
    return _record(post, ticket_id, post.community_id, actor)


# --- the hooks: the rows follow the ticket ------------------------------------------------------


def sync(ticket_id: int, community_id: int | None, actor: str | None) -> None:
    """After a dispatch (event `ticket_assigned`, perhaps twice, perhaps late): the ticket's current
    team decides — a post's team of the ticket's community holds it; any other team or none
    closes its open rows. Reading the ticket now, not the event, keeps a late duplicate harmless."""
    ticket = ticket_summary(ticket_id)
    if ticket is None:
        return
    post = None
    if ticket["team"] and ticket["status"] in OPEN:
        post = db.session.scalar(select(Post).where(Post.team == ticket["team"],
                                                    Post.community_id == ticket["community_id"]))
    if post is None:
        close(ticket_id)
        return
    _record(post, ticket_id, ticket["community_id"], actor or "system")


def close(ticket_id: int) -> int:
    """The ticket's open rows closed (resolved, closed, cancelled, or dispatched elsewhere)."""
    rows = open_dispatches(ticket_id)
    for row in rows:
        row.closed_at = _now()
    return len(rows)


def ticket_posts(ticket_id: int) -> list[Post]:
    """The posts holding the ticket now; none open: the last that held it."""
    rows = list(db.session.scalars(select(Dispatch).where(Dispatch.ticket_id == ticket_id)
                                   .order_by(Dispatch.id.desc())))
    chosen = [row for row in rows if row.closed_at is None] or rows[:1]
    return [db.session.get(Post, row.post_id) for row in chosen]


# --- the queue ------------------------------------------------------------------------------------


def queue_items(rows: list[Dispatch]) -> list[dict]:
    """Dispatch rows with their tickets' summaries (one call)."""
    tickets = ticket_summaries([row.ticket_id for row in rows])
    out = []
    for row in rows:
        ticket = tickets.get(row.ticket_id) or {}
        out.append({"id": row.id, "ticket_id": row.ticket_id, "post_id": row.post_id,
                    "dispatched_by": row.dispatched_by, "dispatched_at": row.dispatched_at,
                    "closed_at": row.closed_at, "title": ticket.get("title"), "status": ticket.get("status"),
                    "status_label": status_label(ticket.get("status")), "kind": ticket.get("kind"),
                    "priority": ticket.get("priority"), "created_at": ticket.get("created_at")})
    return out


def queue_statement(post_id: int, state: str = "open"):
    stmt = select(Dispatch).where(Dispatch.post_id == post_id)
    return stmt.where(Dispatch.closed_at.is_(None) if state == "open" else Dispatch.closed_at.is_not(None))


def team_queue(post_id: int) -> list[dict]:
    """The open tickets of the post's team, for a worker's phone page (`/me`): id, title, status
    (and its words), site (the place's name), created_at; oldest first. One query for the
    dispatches, one `ticket_summaries` call (and the post and its site, usually in the session)."""
    rows = list(db.session.scalars(queue_statement(post_id).order_by(Dispatch.id)))
    if not rows:
        return []
    post = db.session.get(Post, post_id)
    site = db.session.get(Site, post.site_id) if post is not None else None
    tickets = ticket_summaries([row.ticket_id for row in rows])
    items = sorted((tickets[row.ticket_id] for row in rows if row.ticket_id in tickets),
                   key=lambda ticket: (ticket["created_at"], ticket["id"]))
    return [{"id": ticket["id"], "title": ticket["title"], "status": ticket["status"],
             "status_label": status_label(ticket["status"]), "site": site.name if site is not None else "",
             "created_at": ticket["created_at"]}
            for ticket in items if ticket["status"] in OPEN]

