"""A few hundred demo tickets over the last 90 days, with realistic timings, so KPIs mean something."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..households.community_config import effective_config
from ..households.models import Community, Household, Site
from ..tickets import sla
from ..tickets.models import Channel, Kind, Priority, Ticket, TicketRating, TicketTransition
from ..tickets.states import Status

TITLES = {
    "水电维修": ["厨房水管漏水", "卫生间下水道堵塞", "楼道灯不亮", "电表跳闸"],
    "电梯": ["电梯停在半层", "电梯按钮失灵", "电梯异响"],
    "保洁": ["楼道垃圾未清运", "小广告（牛皮癣）需清理", "垃圾桶满溢"],
    "绿化": ["草坪需修剪", "树枝遮挡窗户"],
    "停车": ["电动车乱停占消防通道", "车位被占"],
    "噪音": ["夜间装修噪音", "广场舞音响过大"],
    "安全": ["单元门禁损坏", "监控摄像头不工作"],
    "公共设施": ["健身器材损坏", "路面坑洼积水"],
    "其他": ["咨询物业费标准", "建议增加充电桩"],
}
KIND_OF = {"噪音": Kind.complaint, "停车": Kind.complaint, "其他": Kind.inquiry}


def _step(ticket, action, before, after, at, actor, rating=None):
    """A history row, written with its ticket by `_add_in_order` (the ticket has no id yet)."""
    vars(ticket).setdefault("_demo_steps", []).append(
        {"action": action, "from_status": before, "to_status": after, "actor": actor, "at": at, "rating": rating})


def _add_in_order(made: list) -> None:
    """Tickets written in the order they were created, so that ids grow with `created_at` as
    they do for real tickets (lists are newest first by id)."""
    for ticket in sorted(made, key=lambda t: t.created_at):
        steps = vars(ticket).pop("_demo_steps", [])
        db.session.add(ticket)
        db.session.flush()
        db.session.add_all(TicketTransition(ticket_id=ticket.id, **step) for step in steps)
        if ticket.rated_at is not None:  # the return visit's rating, in the ratings' record too
            db.session.add(TicketRating(ticket_id=ticket.id, resolution=1, rating=ticket.rating, actor="admin",
                                        at=ticket.rated_at))


def load_demo_tickets(rng: random.Random, per_community: int = 110) -> None:
    """For each community without tickets. Runs inside the tenant's context. Tickets are
    dispatched only to users who may work in the community (not to read-only users): staff who
    may write there and its repair workers."""
    from ..auth.identity import staff_identity
    from ..auth.models import StaffUser
    from ..tickets.access import works_on_tickets

    now = datetime.now(UTC).replace(microsecond=0)
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.id)).all()
    for community in db.session.scalars(select(Community).order_by(Community.id)).all():
        if db.session.scalar(select(Ticket.id).where(Ticket.community_id == community.id).limit(1)):
            continue
        staff_ids = [u.id for u in users if u.active and works_on_tickets(staff_identity(u), community.id)]
        config = effective_config(community)["tickets"]
        sites = db.session.scalars(select(Site).where(Site.community_id == community.id)).all()
        households = db.session.scalars(select(Household).where(Household.community_id == community.id)).all()
        made: list = []
        for _ in range(per_community):
            category = rng.choice(list(TITLES))
            priority = rng.choices(list(Priority), weights=(70, 15, 10, 5))[0]
            household = rng.choice(households) if households and rng.random() < 0.7 else None
            site = next((s for s in sites if household and s.id == household.site_id), None) or rng.choice(sites)
            created = now - timedelta(days=rng.uniform(0, 90), minutes=rng.randint(0, 600))
            policy = sla.community_policy(config, priority)
            arrive_due, resolve_due = sla.deadlines(created, policy)
            ticket = Ticket(
                community_id=community.id, site_id=site.id, building_id=household and household.building_id,
                unit_id=household and household.unit_id, household_id=household and household.id,
                channel=rng.choice(list(Channel)), kind=KIND_OF.get(category, Kind.repair), category=category,
                title=rng.choice(TITLES[category]), priority=priority, status=Status.submitted,
                created_by="demo", created_at=created, reopened_count=0, sla_policy=policy["name"],
                arrive_due_at=arrive_due, resolve_due_at=resolve_due,
            )
            made.append(ticket)
            _step(ticket, "submit", None, "submitted", created, "demo")
            age = now - created
            at = created + timedelta(seconds=rng.randint(20, 150))
            if age < timedelta(hours=2) and rng.random() < 0.5:
                continue  # still waiting
            ticket.status, ticket.accepted_at = Status.accepted, at
            _step(ticket, "accept", "submitted", "accepted", at, "admin")
            at += timedelta(seconds=rng.randint(10, 90))
            ticket.status, ticket.dispatched_at = Status.dispatched, at
            if staff_ids:
                ticket.assignee_id = rng.choice(staff_ids)
            else:
                ticket.team = "维修班"
            _step(ticket, "dispatch", "accepted", "dispatched", at, "admin")
            at += timedelta(seconds=rng.choice((60, 90, 120, 150, 180, 240, 420, 600)))
            ticket.status, ticket.on_site_at = Status.on_site, at
            _step(ticket, "arrive", "dispatched", "on_site", at, "staff")
            if rng.random() < 0.08:
                continue  # still being worked on
            budget = policy["resolve_minutes"] or 120
            at += timedelta(minutes=max(1, int(rng.gauss(budget * 0.7, budget * 0.4))))
            ticket.status, ticket.resolved_at = Status.resolved, at
            _step(ticket, "resolve", "on_site", "resolved", at, "staff")
            if rng.random() < 0.8:
                at += timedelta(hours=rng.randint(2, 48))
                ticket.rating = rng.choices((5, 4, 3, 2, 1), weights=(55, 25, 10, 6, 4))[0]
                ticket.rated_at = at
                _step(ticket, "rate", "resolved", "resolved", at, "admin", rating=ticket.rating)
                ticket.status, ticket.closed_at = Status.closed, at
                _step(ticket, "close", "resolved", "closed", at, "admin")
            for deadline, due, done in (("arrive", arrive_due, ticket.on_site_at),
                                        ("resolve", resolve_due, ticket.resolved_at)):
                if due is not None and (done or now) > due:
                    setattr(ticket, f"{deadline}_breached_at", due)
        _add_in_order(made)
    db.session.commit()
