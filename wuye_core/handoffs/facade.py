"""What plugins use of hand-offs (re-exported by wuye_core.plugins, docs/plugins.md §3): the
current tenant's links in force, a hand-off of a plugin's record, and how one is getting on.
Like the rest of the facade, nothing here commits: the plugin's request or job does (and then the
partner's delivery is woken)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..extensions import db
from ..links.service import tenant_names
from ..tenancy import require_tenant_id
from . import service
from .models import Handoff


@dataclass(frozen=True)
class HandoffInfo:
    """A hand-off the current tenant is a party to. `steps`: (at, step, note), oldest first."""

    id: int
    state: str
    link_id: int
    partner_name: str | None
    partner_ticket_id: int | None
    partner_status: str | None
    returned_reason: str | None
    steps: list[tuple[datetime, str, str | None]]


def hand_off(*, link_id: int, title: str, description: str | None = None, kind: str = "complaint",
             category: str | None = None, source: str, source_id: str) -> HandoffInfo:
    """Hand a plugin's record (`source` "<plugin>.<kind>", `source_id` its id) to the other side of
    an accepted link: the partner gets a ticket, delivered after the caller's transaction commits.
    The same source and id while one is in progress gives that one back (never doubled)."""
    from flask import g, has_request_context

    identity = getattr(g, "identity", None) if has_request_context() else None
    handoff = service.hand_off(link_id=link_id, title=title, description=description, kind=kind,
                               category=category, source=source, source_id=source_id,
                               actor=identity.username if identity is not None else None)
    return _info(handoff)


def handoff_info(handoff_id: int) -> HandoffInfo | None:
    """A hand-off of the current tenant (either side), or None."""
    handoff = db.session.get(Handoff, handoff_id) if isinstance(handoff_id, int) else None
    return _info(handoff) if handoff is not None else None


def _info(handoff: Handoff) -> HandoffInfo:
    from ..i18n import show_note

    tenant_id = require_tenant_id()
    partner = handoff.partner_of(tenant_id)
    sent = handoff.side_of(tenant_id) == "sent"
    steps = [(s.at, s.step, show_note(s.note)) for s in service.steps_of(handoff.id)] if handoff.id else []
    return HandoffInfo(handoff.id, handoff.state.value, handoff.link_id, tenant_names([partner]).get(partner),
                       handoff.to_ticket_id if sent else handoff.from_ticket_id,
                       handoff.to_status if sent else handoff.from_status, handoff.returned_reason, steps)
