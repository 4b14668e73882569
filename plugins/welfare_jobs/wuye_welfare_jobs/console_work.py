"""Console pages of tickets for the posts' teams: a community's dispatch desk
(`/communities/<id>/dispatch`: the tickets that may go to a post's team, a post chooser for each,
the open dispatches per post) and a post's queue (`/posts/<id>/queue`). Same rules and checks as
the API (dispatch.py); the ticket's link (hook `wuye_ticket_links`) leads to the post's queue."""

from __future__ import annotations

from flask import abort, flash, has_request_context, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    Id,
    Link,
    Site,
    StrictSchema,
    Text,
    attempt,
    console_form,
    current_identity,
    db,
    get_for_update,
    paginate,
    render_page,
    require_staff,
)

from . import dispatch
from .access import NAME, is_manager, routed
from .console import community, pages, query
from .i18n import _
from .models import Dispatch, Post
from .routes_work import QueueQuery

CONSOLE = f"/console/plugins/{NAME}"


class DispatchForm(StrictSchema):
    ticket_id = Id(required=True)
    post_id = Id(required=True)
    note = Text(500, allow_none=True)


def _site_names(site_ids) -> dict[int, str]:
    ids = sorted(set(site_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(ids))).all())


def _desk(community_id: int, errors: dict | None = None, failed: int | None = None, status: int = 200):
    identity = require_staff()
    tickets = dispatch.dispatchable(community_id)
    posts = dispatch.open_posts(community_id)
    rows = list(db.session.scalars(select(Dispatch).where(Dispatch.community_id == community_id,
                                                          Dispatch.closed_at.is_(None)).order_by(Dispatch.id)))
    held: dict[int, list[dict]] = {}
    for item in dispatch.queue_items(rows):
        held.setdefault(item["post_id"], []).append(item)
    return render_page(
        "welfare_jobs/work_dispatch.html", community=community(community_id), tab="dispatch", tickets=tickets,
        posts=posts, held=held, sites=_site_names([p.site_id for p in posts]), errors=errors or {}, failed=failed,
        writable=dispatch.may_dispatch(identity, community_id),
    ), status


@pages.route("/communities/<int:community_id>/dispatch")
def work_dispatch(community_id):
    return _desk(community_id)


@pages.route("/communities/<int:community_id>/dispatch", methods=["POST"])
def work_dispatch_post(community_id):
    identity = require_staff()
    if not dispatch.may_dispatch(identity, community_id):
        abort(403)
    data, errors = console_form(DispatchForm())
    if errors:
        return _desk(community_id, errors, request.form.get("ticket_id", type=int), 422)
    post = get_for_update(Post, data["post_id"])
    if post is None or post.community_id != community_id:
        return _desk(community_id, {"post_id": [_("No such post in this community.")]}, data["ticket_id"], 422)
    _row, errors, status = attempt(lambda: dispatch.dispatch(post, data["ticket_id"], identity.username,
                                                             data.get("note")))
    if status in (403, 404):
        abort(status)
    if errors:
        return _desk(community_id, errors, data["ticket_id"], status)
    flash(_("Ticket #%(id)s dispatched to %(post)s.", id=data["ticket_id"], post=post.name), "success")
    return redirect(url_for(".work_dispatch", community_id=community_id), code=303)


@pages.route("/posts/<int:post_id>/queue")
def post_queue(post_id):
    identity = require_staff()
    post = routed(Post, post_id)
    if not dispatch.may_read_queue(identity, post):
        abort(403)
    args, problems = query(QueueQuery())
    page = paginate(dispatch.queue_statement(post.id, args["state"]), Dispatch, args)
    page["items"] = dispatch.queue_items(page["items"])
    site = db.session.get(Site, post.site_id)
    return render_page(
        "welfare_jobs/work_queue_page.html", community=community(post.community_id), tab="dispatch", post=post,
        site=site, page=page, state=args["state"], problems=problems, open_post=dispatch.is_open_post(post),
        manager=is_manager(identity, post.community_id),
    )


def ticket_links(community_id: int, ticket_id: int) -> list[Link]:
    """The post whose team holds the ticket (or held it last), for those who read the community:
    at the console its queue page, at the API its queue's address."""
    identity = current_identity()
    if identity is None or not identity.can_read(community_id):
        return []
    at_console = has_request_context() and request.path.startswith("/console/")
    links = []
    for post in dispatch.ticket_posts(ticket_id):
        href = (f"{CONSOLE}/posts/{post.id}/queue" if at_console
                else f"/api/v1/plugins/{NAME}/posts/{post.id}/tickets")
        links.append(Link(f"welfare_post:{post.id}", f"公益岗位班组：{post.name}", f"Public-welfare team: {post.name}",
                          href))
    return links

