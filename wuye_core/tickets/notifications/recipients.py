"""Who hears of a ticket event: the `notify` part of a community's `tickets` config, and the one
query that turns it into staff users.

    tickets:
      notify:
        dispatchers:            # 窗口/调度: who takes new tickets and dispatches them
          roles: [community_staff]
          users: []
        ticket_created:   {people: [dispatchers]}
        arrive_breached:  {people: [assignee, dispatcher]}
        resolve_breached: {people: [assignee, dispatcher], roles: [tenant_admin]}

Each kind of event names its recipients three ways, all optional:
- `people`, by their part in the ticket: `assignee` (dispatched to them; for a ticket dispatched
  to a team, the team's members in its community), `dispatcher` (who
  dispatched it, from the ticket's history; the community's `dispatchers` when nobody did, or
  they are no longer an active user), `dispatchers` (all of them);
- `roles`: every active staff user holding one of these roles for the ticket's community or
  tenant-wide (core roles, and roles the installed plugins add);
- `users`: by username.
A recipient is an active staff user of the tenant; each is notified once per event however many
ways name them. The person who submitted a ticket is not told of it.

Residents (issue #19) will be a second kind of recipient: a `people` value such as `reporter`,
resolved to a resident account, not to a staff user. `Recipients` is where they will go
(`residents`); nothing writes them yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import ValidationError, fields, validate, validates
from sqlalchemy import Boolean, String, and_, bindparam, exists, func, or_, select

from ...auth.models import RoleGrant, StaffUser
from ...common.schemas import StrictSchema
from ...households.community_config import checking_input
from ...i18n import N_
from ..models import Ticket, TicketTransition

# --- config ----------------------------------------------------------------------------------

ASSIGNEE, DISPATCHER, DISPATCHERS = "assignee", "dispatcher", "dispatchers"
PEOPLE = (ASSIGNEE, DISPATCHER, DISPATCHERS)
STAGES = ("ticket_created", "arrive_breached", "resolve_breached")

_NAME = r"^[A-Za-z0-9_.@-]+$"
_ROLE = fields.String(validate=[validate.Length(min=1, max=40), validate.Regexp(_NAME)])
_USER = fields.String(validate=[validate.Length(min=1, max=64), validate.Regexp(_NAME)])
_MAX = validate.Length(max=50)



def _known_roles() -> list[str] | None:
    """The core's roles and the installed plugins' (None outside an app: not known there)."""
    from flask import current_app, has_app_context

    from ...auth.roles import TENANT_ROLES

    if not has_app_context() or "wuye_plugins" not in current_app.extensions:
        return None
    return [*TENANT_ROLES, *(role.name for plugin in current_app.extensions["wuye_plugins"].plugins.values()
                             for role in plugin.roles)]


class _Named(StrictSchema):
    roles = fields.List(_ROLE, load_default=list, validate=_MAX,
                        metadata={"description": "角色（本社区或全租户的授权）/ roles, granted for the community or "
                                                 "tenant-wide"})
    users = fields.List(_USER, load_default=list, validate=_MAX, metadata={"description": "用户名 / usernames"})

    @validates("roles")
    def _roles_known(self, roles, **kwargs):
        if not checking_input():  # a stored config: a role whose plugin was removed since matches nobody
            return
        known = _known_roles()
        if known is None:
            return
        unknown = {i: [N_("Unknown role; valid roles: %(roles)s.", roles=", ".join(known))]
                   for i, role in enumerate(roles) if role not in known}
        if unknown:
            raise ValidationError(unknown)


class Dispatchers(_Named):
    """The community's window/dispatch."""


class StageRecipients(_Named):
    people = fields.List(fields.String(validate=validate.OneOf(PEOPLE)), load_default=list,
                         validate=validate.Length(max=len(PEOPLE)),
                         metadata={"description": "按在工单中的身份：assignee 承办人、dispatcher 派单人（无则窗口/调度）、"
                                                  "dispatchers 窗口/调度 / by their part in the ticket"})


DEFAULTS = {
    "dispatchers": {"roles": ["community_staff"], "users": []},
    "ticket_created": {"people": [DISPATCHERS], "roles": [], "users": []},
    "arrive_breached": {"people": [ASSIGNEE, DISPATCHER], "roles": [], "users": []},
    "resolve_breached": {"people": [ASSIGNEE, DISPATCHER], "roles": ["tenant_admin"], "users": []},
}


def _default(name: str):
    return lambda: {key: list(value) for key, value in DEFAULTS[name].items()}


class NotifySection(StrictSchema):
    """Who is notified of a community's tickets (in its config's `tickets.notify`)."""

    dispatchers = fields.Nested(Dispatchers, load_default=_default("dispatchers"),
                                metadata={"description": "窗口/调度 / the window and dispatch"})
    ticket_created = fields.Nested(StageRecipients, load_default=_default("ticket_created"),
                                   metadata={"description": "新工单 / a new ticket"})
    arrive_breached = fields.Nested(StageRecipients, load_default=_default("arrive_breached"),
                                    metadata={"description": "到场超时 / the arrival deadline missed"})
    resolve_breached = fields.Nested(StageRecipients, load_default=_default("resolve_breached"),
                                     metadata={"description": "办结超时 / the resolution deadline missed"})


def notify_default() -> dict:
    return {name: _default(name)() for name in DEFAULTS}


# --- resolution ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    """Who to notify of one event: the ticket's title (for the message) and staff user ids.
    `residents` is the seam for issue #19 (always empty today)."""

    title: str | None = None
    staff: tuple[int, ...] = ()
    residents: tuple[int, ...] = field(default=())


def _granted(roles: str):
    return exists().where(RoleGrant.user_id == StaffUser.id, RoleGrant.role.in_(bindparam(roles, expanding=True)),
                          or_(RoleGrant.community_id == Ticket.community_id, RoleGrant.community_id.is_(None)))


def _flag(name: str):
    return bindparam(name, type_=Boolean)


_DISPATCHED_BY = (select(TicketTransition.actor)
                  .where(TicketTransition.ticket_id == Ticket.id, TicketTransition.action == "dispatch")
                  .order_by(TicketTransition.id.desc()).limit(1).correlate(Ticket).scalar_subquery())
# the assignee: the person it is dispatched to, or, dispatched to a team (维修班), the team's members
# who work in its community
_IN_TEAM = and_(Ticket.team.is_not(None), StaffUser.team == Ticket.team,
                exists().where(RoleGrant.user_id == StaffUser.id,
                               or_(RoleGrant.community_id == Ticket.community_id, RoleGrant.community_id.is_(None))))
_IS_ASSIGNEE = or_(StaffUser.id == Ticket.assignee_id, and_(Ticket.assignee_id.is_(None), _IN_TEAM))
_IS_DISPATCHER = StaffUser.username == _DISPATCHED_BY
_IS_DISPATCHERS = or_(_granted("dispatcher_roles"), StaffUser.username.in_(bindparam("dispatcher_users",
                                                                                      expanding=True)))
_IS_NAMED = or_(_granted("roles"), StaffUser.username.in_(bindparam("users", expanding=True)))

# One statement per event: the ticket joined to every active staff user the stage may name, with
# why each is named (the dispatcher or, when there is none, the dispatchers is decided from these).
# Built once; run through tenancy/direct.py (every tenant table in it scoped, subqueries included).
_RECIPIENTS = (
    select(Ticket.title, StaffUser.id,
           func.coalesce(_IS_DISPATCHER, False).label("is_dispatcher"),
           and_(_flag("want_dispatchers"), _IS_DISPATCHERS).label("as_dispatchers"),
           or_(and_(_flag("want_assignee"), func.coalesce(_IS_ASSIGNEE, False)), _IS_NAMED).label("named"))
    .select_from(Ticket)
    .join(StaffUser, and_(
        StaffUser.active,
        StaffUser.username != bindparam("actor", type_=String),
        or_(and_(_flag("want_assignee"), _IS_ASSIGNEE),
            and_(_flag("want_dispatcher"), _IS_DISPATCHER),
            and_(or_(_flag("want_dispatcher"), _flag("want_dispatchers")), _IS_DISPATCHERS),
            _IS_NAMED)))
    .where(Ticket.id == bindparam("ticket_id"))
)


def recipients(ticket_id: int | None, notify: dict, stage: str, actor: str | None = None) -> Recipients:
    """The recipients of `stage` (one of STAGES) for ticket `ticket_id`, as `notify` (a community's
    effective `tickets.notify`) names them; `actor` (a username) is left out."""
    from ...tenancy import direct

    chosen, dispatchers = notify[stage], notify["dispatchers"]
    people = set(chosen.get("people") or ())
    rows = direct.select_rows(_RECIPIENTS, {
        "ticket_id": ticket_id, "actor": actor or "",
        "want_assignee": ASSIGNEE in people, "want_dispatcher": DISPATCHER in people,
        "want_dispatchers": DISPATCHERS in people,
        "dispatcher_roles": list(dispatchers.get("roles") or ()), "dispatcher_users": list(dispatchers.get("users") or ()),
        "roles": list(chosen.get("roles") or ()), "users": list(chosen.get("users") or ()),
    }).all()
    if not rows:
        return Recipients()
    # "dispatcher": who dispatched it; the dispatchers when nobody (active) did
    fallback = DISPATCHER in people and not any(row.is_dispatcher for row in rows)
    staff = sorted({row.id for row in rows
                    if row.named or row.as_dispatchers
                    or (DISPATCHER in people and (row.is_dispatcher or fallback))})
    return Recipients(rows[0].title, tuple(staff))
