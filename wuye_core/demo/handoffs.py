"""The demo's hand-offs (#18 item 6), over the demo's service link (demo/links.py), one each way:

- a complaint taken at the street's one-stop window about 海景花园, handed by the street to 星河物业,
  which accepts, dispatches and resolves it (the street's ticket page shows each step);
- a public-area problem 星河物业 found outside its gate, the community's to deal with, handed by the
  company to the street, which has accepted it (still open).

Everything goes through the services in each tenant's context (tickets/service.py,
handoffs/service.py), committed with events.commit(): the delivery to the partner and the mirrored
progress run as jobs after each commit — in the embedded default (no Redis) right there, in this
process; the delivery is also run here once more (it does nothing when done), so that with a queue
too the partner's ticket exists before the next step.

Idempotent: each demo ticket is found again by its title on the linked site; a ticket already
handed off is not handed again; the partner's ticket is moved only as far as it has not gone.
A hand-off someone handed back while trying the demo is left so."""

from __future__ import annotations

from sqlalchemy import select

from .. import events
from ..auth.identity import staff_identity
from ..auth.models import StaffUser
from ..common.locking import get_for_update
from ..extensions import db
from ..handoffs import delivery
from ..handoffs import service as handoffs
from ..handoffs.models import Handoff, HandoffState
from ..households.models import Site
from ..tenancy import Tenant, tenant_context
from ..tickets import service as tickets
from ..tickets.access import assignable_users
from ..tickets.models import Channel, Kind, Priority, Ticket
from ..tickets.states import target

ACTOR = "admin"
# (from the client (street) or the provider (company), ticket, note, the receiver's steps)
HANDOFFS = (
    ("client", {"channel": Channel.window, "kind": Kind.complaint, "category": "噪音",
                "title": "海景花园夜间施工噪音扰民", "location": "海景花园 5 栋北侧",
                "description": "居民到社区一站式服务窗口反映：小区内装修施工每晚十点后仍在进行。",
                "reporter_name": "刘女士", "reporter_phone": "13871234567"},
     "请物业核实施工许可并督促整改，结果反馈社区。", ("accept", "dispatch", "resolve")),
    ("provider", {"channel": Channel.phone, "kind": Kind.complaint, "category": "公共设施",
                  "title": "小区东门外市政人行道塌陷", "location": "海景北路 36 号东门外",
                  "description": "项目部巡查发现东门外人行道塌陷约一平方米，属市政道路，非小区物业管理范围。"},
     "已设置临时围挡，请社区协调市政部门维修。", ("accept",)),
)
RESOLVE_NOTE = "已约谈施工方，夜间停工；回访居民满意。"


def _admin_identity():
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == ACTOR))
    return staff_identity(user) if user is not None else None


def _own_ticket(site_id: int, spec: dict) -> Ticket | None:
    """Our demo ticket on the site (found by its title), made when missing."""
    found = db.session.scalar(select(Ticket).where(Ticket.site_id == site_id, Ticket.title == spec["title"])
                              .order_by(Ticket.id).limit(1))
    if found is not None:
        return found
    site = db.session.get(Site, site_id)
    if site is None:
        return None
    data = {"community_id": site.community_id, "site_id": site.id, "building_id": None, "unit_id": None,
            "household_id": None, "reporter_resident_id": None, "reporter_name": None, "reporter_phone": None,
            "priority": Priority.normal, **spec}
    ticket = tickets.create_ticket(data, ACTOR)
    events.commit()
    return db.session.get(Ticket, ticket.id)


def _hand_off(ticket: Ticket, note: str) -> int | None:
    """The ticket's hand-off: the one made before, else a new one (committed; delivered after)."""
    made = handoffs.ticket_handoffs(ticket.id)
    if made:
        return made[-1].id  # the first one made (newest first)
    identity = _admin_identity()
    if identity is None:
        return None
    handoff = handoffs.hand_off_ticket(ticket.id, identity, note)
    handoff_id = handoff.id
    events.commit()
    return handoff_id


def _work(handoff_id: int, actions: tuple[str, ...]) -> None:
    """In the receiver's context: its ticket moved by `actions`, those not done yet, each committed
    (the progress is mirrored to the sender after each commit)."""
    handoff = db.session.get(Handoff, handoff_id)
    if handoff is None or handoff.state != HandoffState.delivered or handoff.to_ticket_id is None:
        db.session.rollback()
        return
    ticket_id = handoff.to_ticket_id
    for action in actions:
        ticket = get_for_update(Ticket, ticket_id)
        if target(action, ticket.status) is None:  # done already (or beyond)
            db.session.rollback()
            continue
        assignee = None
        if action == "dispatch":
            found = assignable_users(ticket.community_id)
            assignee = found[0][0].id if found else None
        tickets.transition(ticket, action, ACTOR, RESOLVE_NOTE if action == "resolve" else None, assignee,
                           None if assignee else "维修班")
        events.commit()


def _one(link: dict, ids: dict[str, int], side: str, spec: dict, note: str, actions: tuple[str, ...]) -> dict | None:
    sender, receiver = (link["client"], link["provider"]) if side == "client" else (link["provider"], link["client"])
    site_id = link[f"{side}_site_id"]
    with tenant_context(ids[sender]):
        ticket = _own_ticket(site_id, spec)
        if ticket is None:
            return None
        handoff_id = _hand_off(ticket, note)
        db.session.rollback()
    if handoff_id is None:
        return None
    delivery.deliver_handoff(tenant_id=ids[receiver], handoff_id=handoff_id)  # done already: does nothing
    with tenant_context(ids[receiver]):
        _work(handoff_id, actions)
    with tenant_context(ids[sender]):
        handoff = db.session.get(Handoff, handoff_id)
        found = {"id": handoff.id, "from": sender, "to": receiver, "from_ticket_id": handoff.from_ticket_id,
                 "to_ticket_id": handoff.to_ticket_id, "state": handoff.state.value}
        db.session.rollback()
    return found


def load_demo_handoffs(links: list[dict]) -> list[dict]:
    """Over each demo link in force: the street's hand-off to the company and the company's to
    the street, as `wuye demo --json` names them."""
    made = []
    for link in links:
        ids = dict(db.session.execute(select(Tenant.slug, Tenant.id)
                                      .where(Tenant.slug.in_([link["client"], link["provider"]]))).all())
        for side, spec, note, actions in HANDOFFS:
            found = _one(link, ids, side, spec, note, actions)
            if found is not None:
                made.append(found)
    return made
