"""A hand-off as its reader sees it: my side (sent or received), the partner, my ticket and the
partner's — its status, deadlines and missed deadlines — and, for one hand-off, its steps."""

from __future__ import annotations

from ..i18n import show_note
from ..links.service import tenant_names
from ..tenancy import require_tenant_id
from .models import Handoff
from .service import steps_of

SHOWN_PAYLOAD = ("title", "kind", "category", "priority", "location")


def _partner_ticket(handoff: Handoff, side: str) -> dict:
    prefix, ticket_id = ("to", handoff.to_ticket_id) if side == "sent" else ("from", handoff.from_ticket_id)
    found = {"id": ticket_id, "status": getattr(handoff, f"{prefix}_status")}
    for name in ("arrive_due_at", "resolve_due_at", "arrive_breached_at", "resolve_breached_at"):
        found[name] = getattr(handoff, f"{prefix}_{name}")
    if side == "sent":
        found.update(accepted_at=handoff.to_accepted_at, dispatched_at=handoff.to_dispatched_at,
                     on_site_at=handoff.to_on_site_at, resolved_at=handoff.to_resolved_at, rating=handoff.to_rating)
    return found


def handoff_view(handoff: Handoff, names: dict[int, str] | None = None, with_steps: bool = False) -> dict:
    tenant_id = require_tenant_id()
    side = handoff.side_of(tenant_id)
    partner = handoff.partner_of(tenant_id)
    names = names if names is not None else tenant_names([partner])
    payload = handoff.payload or {}
    view = {
        "id": handoff.id, "state": handoff.state.value, "my_side": side, "link_id": handoff.link_id,
        "partner": {"id": partner, "name": names.get(partner)},
        "source": handoff.source, "source_id": handoff.source_id,
        "my_ticket_id": handoff.from_ticket_id if side == "sent" else handoff.to_ticket_id,
        "partner_ticket": _partner_ticket(handoff, side),
        **{name: payload.get(name) for name in SHOWN_PAYLOAD},
        "note": handoff.note, "returned_reason": handoff.returned_reason,
        "created_at": handoff.created_at, "created_by": handoff.created_by if side == "sent" else None,
        "delivered_at": handoff.delivered_at, "last_error": show_note(handoff.last_error),
    }
    if with_steps:
        view["steps"] = [{"id": s.id, "at": s.at, "step": s.step, "note": show_note(s.note),
                          "by": "me" if s.by_tenant_id == tenant_id else "partner"} for s in steps_of(handoff.id)]
    return view


def handoff_views(handoffs: list[Handoff]) -> list[dict]:
    tenant_id = require_tenant_id()
    names = tenant_names({h.partner_of(tenant_id) for h in handoffs})
    return [handoff_view(h, names) for h in handoffs]
