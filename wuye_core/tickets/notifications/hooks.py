"""The core's hook implementations that notify staff of ticket events. app.py adds them to the
plugin host (`host.add_core(TicketNotifications(), "core_notifications")`); the relay delivers
each event to them like to any plugin, in a savepoint, and commits with the delivery's outcome.

Who is notified: the assignee of a dispatch; for a new ticket and a missed deadline, whom the
community's `tickets.notify` config names (recipients.py). The text is stored as a message (its
English msgid and values, i18n.store_note) and shown in each reader's language (routes.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...host.hookspecs import hookimpl
from ...households.community_config import shared_effective_config
from ...households.models import Community
from ...i18n import N_, Message, store_note
from ...tenancy import direct
from ..models import Ticket
from .models import Notification
from .recipients import notify_default, recipients

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_TICKET = select(Ticket.id, Ticket.title, Ticket.assignee_id).where(Ticket.id == bindparam("ticket_id"))
TEXT_LENGTH = 300  # Notification.text

ASSIGNED = N_("Ticket #%(id)s was dispatched to you: %(title)s")
ASSIGNED_TEAM = N_("Ticket #%(id)s was dispatched to your team %(team)s: %(title)s")
CREATED = N_("New ticket #%(id)s: %(title)s")
ARRIVE_BREACHED = N_("Arrival deadline missed on ticket #%(id)s: %(title)s")
RESOLVE_BREACHED = N_("Resolution deadline missed on ticket #%(id)s: %(title)s")


def _ticket(ticket_id: int | None):
    """The (id, title, assignee_id) of a ticket, or None: the columns a notification needs, not the
    whole entity, read through tenancy/direct.py (a statement built once, on the connection)."""
    return direct.select_rows(_TICKET, {"ticket_id": ticket_id}).first()


def _notify(user_ids, event, kind: str, text: Message) -> None:
    """One notification per person and event, however often the event is delivered: ONE INSERT
    (all recipients in its VALUES) … ON CONFLICT DO NOTHING on (tenant, user, event) instead of a
    SELECT and then an INSERT per person (the delivery of a batch of ticket events was spending
    most of its time here, bench/README.md)."""
    user_ids = [user_id for user_id in dict.fromkeys(user_ids) if user_id is not None]
    if not user_ids:
        return
    stored = store_note(text, TEXT_LENGTH)
    insert = _INSERT[db.session.get_bind().dialect.name]
    # RETURNING makes SQLAlchemy send the rows as one multi-row INSERT ("insertmanyvalues"), not one
    # statement per row (psycopg's executemany); the scoping checks each row's tenant_id as before.
    statement = (insert(Notification).on_conflict_do_nothing(index_elements=["tenant_id", "user_id", "event_id"])
                 .returning(Notification.id))
    db.session.execute(statement, [{"tenant_id": event.tenant_id, "user_id": user_id, "event_id": event.id,
                                    "kind": kind, "ticket_id": event.object_id, "text": stored}
                                   for user_id in user_ids])


_TEAM_ONLY = {"assigned": {"people": ["assignee"]}, "dispatchers": {}}  # recipients(): the team, no one else
_CONFIG = select(Community.config).where(Community.id == bindparam("community_id"))


@dataclass(frozen=True)
class _StoredConfig:
    config: dict | None  # what shared_effective_config reads of a community


def _notify_config(community_id: int | None) -> dict:
    """The community's `tickets.notify` (its defaults when the community is not found): its stored
    config read as a column, not an entity (session.get went to the database for every event of
    a batch: nothing holds the entity between two events), its effective form remembered by
    shared_effective_config — and read once per community and transaction: the relay delivers a
    batch of events (most of one community) in one transaction, which sees one config."""
    if community_id is None:
        return notify_default()
    session = db.session()
    transaction = session.get_transaction()
    memo = session.info.get("wuye_notify_configs")
    if memo is None or memo[0] is not transaction:
        memo = session.info["wuye_notify_configs"] = (transaction, {})
    configs = memo[1]
    if community_id not in configs:
        row = direct.select_rows(_CONFIG, {"community_id": community_id}).first()
        configs[community_id] = (None if row is None
                                 else shared_effective_config(_StoredConfig(row.config))["tickets"]["notify"])
    found = configs[community_id]
    return notify_default() if found is None else found


def _notify_stage(event, stage: str, kind: str, message: Message) -> None:
    ticket_id = event.object_id
    people = recipients(ticket_id, _notify_config(event.community_id), stage,
                        actor=event.actor if stage == "ticket_created" else None)
    if people.staff:
        _notify(people.staff, event, kind, Message(message.msgid, None, id=ticket_id, title=people.title))
    # people.residents: issue #19


class TicketNotifications:
    @hookimpl
    def wuye_ticket_assigned(self, event):
        if event.data.get("assignee_id") is None and event.data.get("team"):
            # dispatched to a team: its members who work in the ticket's community
            people = recipients(event.object_id, _TEAM_ONLY, "assigned", actor=event.actor)
            if people.staff:
                _notify(people.staff, event, "assigned",
                        Message(ASSIGNED_TEAM.msgid, None, id=event.object_id, title=people.title,
                                team=event.data["team"]))
            return
        ticket = _ticket(event.object_id)
        if ticket is not None:
            _notify([event.data.get("assignee_id")], event, "assigned",
                    Message(ASSIGNED.msgid, None, id=ticket.id, title=ticket.title))

    @hookimpl
    def wuye_ticket_created(self, event):
        _notify_stage(event, "ticket_created", "created", CREATED)

    @hookimpl
    def wuye_ticket_sla_breached(self, event):
        deadline = event.data.get("deadline")
        if deadline in ("arrive", "resolve"):
            _notify_stage(event, f"{deadline}_breached", "sla_breached",
                          ARRIVE_BREACHED if deadline == "arrive" else RESOLVE_BREACHED)


def write_account_notice(user_id: int, kind: str, text: str) -> None:
    """A notification about the user's account (kind "account.*", no ticket, no event: its own
    unique id), added to the current tenant's transaction. `text` is best a `Message` (stored as
    its msgid and values, shown in the reader's language). Registered with auth/notices.py."""
    import uuid

    db.session.add(Notification(user_id=user_id, event_id=uuid.uuid4().hex,
                                kind=kind[:40], text=store_note(text, TEXT_LENGTH)))
