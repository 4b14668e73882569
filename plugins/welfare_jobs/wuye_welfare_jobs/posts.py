"""公益性岗位: approved posts at a site or 村湾 — create, change, close; who is on them; vacancies.

Rules: the place is a site of the community's register; the employer is the tenant itself or a
service link in force in the community (`service_links(community_id)`); the team (班组, the
text tickets are dispatched to) is unique in the tenant; the leader holds the team-leader role
for the community; a post with people on it (on the day it closes or later) cannot be closed,
and its headcount cannot fall below the people on it today.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import (
    Site,
    db,
    get_for_update,
    invalid,
    local_today,
    service_links,
    staff_holding,
    tenant_name,
    use_locale,
)

from . import tenure, vocab
from .access import TEAM_LEADER
from .i18n import N_
from .models import Placement, Post, Worker
from .roster import conflict, lock_roster

FIELDS = ("kind", "name", "site_id", "headcount", "approval_ref", "approved_from", "approved_until",
          "employer_link_id", "team", "shift_start", "shift_end", "leader_user_id", "note")
FAR = date(9999, 12, 31)
TEAM_PREFIX_ZH = "公益岗"  # a team's name is Chinese in every reader's language: tickets name it


def employers(community_id: int) -> dict[int, str]:
    """{service link id: the partner's name} of the links in force in the community."""
    return {link.id: link.partner_name or str(link.id) for link in service_links(community_id)
            if link.my_side in ("client", "provider")}


def leaders(community_id: int) -> dict[int, str]:
    return dict(staff_holding([TEAM_LEADER], community_id))


def sites(community_id: int) -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.community_id == community_id).order_by(Site.name)))


def default_team(site: Site, kind: str, post_id: int | None = None) -> str:
    """公益岗·<site>·<kind> (in Chinese: tickets name it), numbered when taken."""
    with use_locale("zh_CN"):
        kind_label = vocab.label(vocab.POST_KINDS, kind)
    base = f"{TEAM_PREFIX_ZH}·{site.name[:30]}·{kind_label}"[:46]
    taken = set(db.session.scalars(select(Post.team).where(Post.team.like(base + "%"), Post.id != (post_id or 0))))
    if base not in taken:
        return base
    n = 2
    while f"{base}·{n}" in taken:
        n += 1
    return f"{base}·{n}"


def _check(community_id: int, values: dict, post: Post | None) -> Site:
    """The whole post's rules; the place's Site."""
    site = db.session.get(Site, values["site_id"])
    if site is None or site.community_id != community_id:
        invalid("site_id", N_("Does not exist in this community."))
    if values.get("approved_until") and values["approved_until"] < values["approved_from"]:
        invalid("approved_until", N_("The approval ends before it starts."))
    if values["shift_end"] <= values["shift_start"]:
        invalid("shift_end", N_("The shift must end after it starts."))
    if values.get("employer_link_id") is not None and values["employer_link_id"] not in employers(community_id):
        invalid("employer_link_id", N_("No service link in force in this community has this id."))
    if values.get("leader_user_id") is not None and values["leader_user_id"] not in leaders(community_id):
        invalid("leader_user_id", N_("The team leader must be a staff user holding the team-leader role here."))
    team = values.get("team")
    if team:
        clash = db.session.scalar(select(Post.id).where(Post.team == team, Post.id != (post.id if post else 0)))
        if clash is not None:
            raise conflict("team", N_("Another post already has this team name."))
    if post is not None and values["headcount"] < on_post_count(post.id, local_today()):
        invalid("headcount", N_("More people are on the post today than this headcount."))
    return site


def _flush_team():
    """Write now: a team taken meanwhile by another request is a 409 on `team` (unique index)."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise conflict("team", N_("Another post already has this team name.")) from None


def create_post(community_id: int, data: dict, actor: str) -> Post:
    """A new post (the Roster row locked: a community's posts are added one at a time)."""
    lock_roster(community_id)
    values = {key: data.get(key) for key in FIELDS}
    values["shift_start"] = values["shift_start"] or "07:00"
    values["shift_end"] = values["shift_end"] or "11:30"
    site = _check(community_id, values, None)
    if not values.get("team"):
        values["team"] = default_team(site, values["kind"])
    post = Post(community_id=community_id, active=True, created_by=actor, **values)
    db.session.add(post)
    _flush_team()
    return post


def update_post(post: Post, data: dict) -> Post:
    """Change some fields; the Roster row, then the post, locked; the result is checked as a whole."""
    lock_roster(post.community_id)
    post = get_for_update(Post, post.id)
    values = {key: getattr(post, key) for key in FIELDS}
    values.update({key: value for key, value in data.items() if key in FIELDS})
    site = _check(post.community_id, values, post)
    if not values.get("team"):
        values["team"] = default_team(site, values["kind"], post.id)
    for key, value in values.items():
        setattr(post, key, value)
    _flush_team()
    return post


def close_post(post: Post, closed_on: date | None) -> Post:
    """撤岗: no one may be on post from `closed_on` (default today) on (409 naming post_id)."""
    lock_roster(post.community_id)
    post = get_for_update(Post, post.id)
    if not post.active:
        raise conflict("post_id", N_("The post is closed already."))
    closed_on = closed_on or local_today()
    if closed_on < post.approved_from:
        invalid("closed_on", N_("The post cannot close before it was approved."))
    busy = db.session.scalar(select(func.count()).select_from(Placement).where(
        Placement.post_id == post.id, tenure.overlapping(closed_on, FAR)))
    if busy:
        raise conflict("post_id", N_("People are on this post (or placed on it) on or after that day: "
                                     "record their exits first."))
    post.active = False
    post.closed_on = closed_on
    return post


def on_post_count(post_id: int, day: date) -> int:
    return db.session.scalar(select(func.count()).select_from(Placement).where(
        Placement.post_id == post_id, tenure.on_post(day))) or 0


def on_post_counts(post_ids, day: date) -> dict[int, int]:
    ids = list(post_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Placement.post_id, func.count()).where(
        Placement.post_id.in_(ids), tenure.on_post(day)).group_by(Placement.post_id)).all())


def people_on(post_id: int, day: date) -> list[dict]:
    rows = db.session.execute(select(Placement, Worker.name).join(Worker, Worker.id == Placement.worker_id).where(
        Placement.post_id == post_id, tenure.on_post(day)).order_by(Worker.name, Placement.id)).all()
    return [{"placement_id": p.id, "worker_id": p.worker_id, "name": name, "starts_on": p.starts_on,
             "ends_on": p.ends_on} for p, name in rows]


def list_query(community_id: int, args: dict):
    stmt = select(Post).where(Post.community_id == community_id)
    if "active" in args:
        stmt = stmt.where(Post.active.is_(args["active"]))
    if "site_id" in args:
        stmt = stmt.where(Post.site_id == args["site_id"])
    if "kind" in args:
        stmt = stmt.where(Post.kind == args["kind"])
    if args.get("q"):
        like = f"%{args['q']}%"
        stmt = stmt.where(or_(Post.name.like(like), Post.team.like(like)))
    return stmt


def posts_out(posts: list[Post], people: bool = False) -> list[dict]:
    """Posts as the API shows them: on post today, vacancies, names of the place, employer, leader."""
    if not posts:
        return []
    today = local_today()
    counts = on_post_counts([p.id for p in posts], today)
    site_rows = {s.id: s for s in db.session.scalars(select(Site).where(Site.id.in_({p.site_id for p in posts})))}
    links = employers(posts[0].community_id) if any(p.employer_link_id for p in posts) else {}
    leader_names = leaders(posts[0].community_id) if any(p.leader_user_id for p in posts) else {}
    own = tenant_name() if any(p.employer_link_id is None for p in posts) else None
    out = []
    for p in posts:
        site = site_rows.get(p.site_id)
        n = counts.get(p.id, 0)
        row = {key: getattr(p, key) for key in FIELDS}
        row.update(id=p.id, community_id=p.community_id, kind_label=vocab.label(vocab.POST_KINDS, p.kind),
                   site_name=site.name if site else None, site_kind=str(site.kind.value) if site else None,
                   on_post=n, vacancies=max(0, p.headcount - n) if p.active else 0,
                   employer_name=links.get(p.employer_link_id) if p.employer_link_id else own,
                   leader_name=leader_names.get(p.leader_user_id), active=p.active, closed_on=p.closed_on,
                   created_by=p.created_by, people=people_on(p.id, today) if people else None)
        out.append(row)
    return out
