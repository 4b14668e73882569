"""The community's alliance: its row (created on first use, the lock of member registration)
and its name and issuer as certificates print them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import Community, db, get_for_update, plugin_config

from .access import NAME
from .models import Alliance


def alliance_row(community_id: int, lock: bool = False) -> Alliance:
    """The community's alliance row, created on first use; `lock`: locked until the transaction ends
    (serialises registrations in the community: one winner for the same phone)."""
    row = db.session.scalar(select(Alliance).where(Alliance.community_id == community_id))
    if row is None:
        # two first registrations at once: the one that loses on the unique index reads the winner's
        community = db.session.get(Community, community_id)
        try:
            with db.session.begin_nested():
                db.session.add(Alliance(community_id=community_id, name=f"{community.name}居民服务联盟"))
                db.session.flush()
        except IntegrityError:
            pass
        row = db.session.scalar(select(Alliance).where(Alliance.community_id == community_id))
    if lock:
        row = get_for_update(Alliance, row.id)
    return row


def names(community_id: int) -> tuple[str, str]:
    """(the alliance's name, who issues and stamps certificates) as configured, else from the
    community's name."""
    cfg = plugin_config(NAME, community_id) or {}
    community = db.session.get(Community, community_id)
    alliance = cfg.get("alliance_name") or alliance_row(community_id).name
    issuer = cfg.get("certificate_issuer") or f"{community.name}居民委员会"
    return alliance, issuer
