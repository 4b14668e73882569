"""Staff's view of notices — the API's and the console's alike: each notice's state, audience
size and households read, its texts' counts, what replaced it, the households chosen by hand.

A page of notices costs a fixed number of queries whatever its length (four, plus one for
hand-picked audiences): every figure is grouped by notice over the page's ids. Who a notice is
for is audience.py's rule (evaluated against the register now), as a join condition there.
"""

from __future__ import annotations

from sqlalchemy import case, exists, func, select

from ..common.fields import rate_value
from ..extensions import db
from ..households.models import Household
from .audience import household_join
from .models import Audience, Notice, NoticeHousehold, NoticeKind, NoticeRead, NoticeText, TextState
from .service import state_of

FIELDS = ("id", "community_id", "audience", "site_id", "building_id", "title", "body", "kind", "category",
          "valid_from", "valid_until", "published_at", "published_by", "replaces_id", "withdrawn_at",
          "withdrawn_by", "withdrawn_reason")


def _figures(ids: list[int]) -> dict[int, tuple[int, int]]:
    """{notice id: (households in the audience, of them households that read it)}."""
    read = exists().where(NoticeRead.notice_id == Notice.id, NoticeRead.household_id == Household.id)
    rows = db.session.execute(
        select(Notice.id, func.count(Household.id), func.sum(case((read, 1), else_=0)))
        .join(Household, household_join()).where(Notice.id.in_(ids)).group_by(Notice.id)).all()
    return {notice_id: (size, int(read_count or 0)) for notice_id, size, read_count in rows}


def _texts(notices: list[Notice]) -> dict[int, dict]:
    """{urgent notice id: its text messages' counts (service.texts' shape)}."""
    urgent = [n for n in notices if n.kind == NoticeKind.urgent]
    if not urgent:
        return {}
    counts: dict[int, dict[str, int]] = {n.id: {state.value: 0 for state in TextState} for n in urgent}
    for notice_id, state, n in db.session.execute(
            select(NoticeText.notice_id, NoticeText.state, func.count(NoticeText.id))
            .where(NoticeText.notice_id.in_(list(counts))).group_by(NoticeText.notice_id, NoticeText.state)):
        key = state.value if isinstance(state, TextState) else state
        counts[notice_id][key] = counts[notice_id].get(key, 0) + n
    return {n.id: {"phones": sum(counts[n.id].values()), "sent": counts[n.id]["sent"],
                   "logged": counts[n.id]["logged"], "unconfirmed": counts[n.id]["sending"],
                   "done": n.texts_done_at is not None, "done_at": n.texts_done_at} for n in urgent}


def _replacements(ids: list[int]) -> dict[int, int]:
    """{notice id: the first notice that replaced it}."""
    return dict(db.session.execute(select(Notice.replaces_id, func.min(Notice.id))
                                   .where(Notice.replaces_id.in_(ids)).group_by(Notice.replaces_id)).all())


def _chosen(notices: list[Notice]) -> dict[int, list[int]]:
    """{notice id: the households chosen by hand} for the notices to chosen households."""
    picked = [n.id for n in notices if n.audience == Audience.households]
    chosen: dict[int, list[int]] = {}
    if picked:
        for notice_id, household_id in db.session.execute(
                select(NoticeHousehold.notice_id, NoticeHousehold.household_id)
                .where(NoticeHousehold.notice_id.in_(picked)).order_by(NoticeHousehold.household_id)):
            chosen.setdefault(notice_id, []).append(household_id)
    return chosen


def notice_views(notices: list[Notice]) -> list[dict]:
    """The staff view of each notice, in the order given."""
    if not notices:
        return []
    ids = [n.id for n in notices]
    figures, texts, replaced, chosen = _figures(ids), _texts(notices), _replacements(ids), _chosen(notices)
    views = []
    for n in notices:
        size, read = figures.get(n.id, (0, 0))
        views.append({**{c: getattr(n, c) for c in FIELDS}, "household_ids": chosen.get(n.id, []),
                      "replaced_by_id": replaced.get(n.id), "state": state_of(n), "texts": texts.get(n.id),
                      "audience_households": size, "read_households": read, "read_rate": rate_value(read, size)})
    return views


def notice_view(notice: Notice) -> dict:
    return notice_views([notice])[0]
