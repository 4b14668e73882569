"""转办 at the console: on a ticket's page, the action that hands it to the other side of the
service link in force for its site (handoffs/service.hand_off_ticket) and the panel of its
hand-offs, either direction (the partner, the partner's ticket in plain words, its deadlines and
missed deadlines, the steps; the receiving side hands one back with a reason); the list of our
hand-offs (/console/handoffs: 转出 / 转入, by state, paged). Every check and change is the API's:
handoffs/service.py, handoffs/views.py, the API's schemas."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..api.access import require_staff
from ..api.pagination import paginate
from ..extensions import db
from ..handoffs import schemas as s
from ..handoffs import service
from ..handoffs.models import Handoff, HandoffState
from ..handoffs.views import handoff_view, handoff_views
from ..links.models import LinkState, Side
from ..links.service import tenant_names
from ..tenancy import require_tenant_id
from ..tickets.access import readable_ticket
from ..tickets.models import Ticket
from ..tickets.states import OPEN
from .access import community_reader
from .blueprint import bp
from .forms import GENERAL, attempt, console_form, form_values
from .links import tenant_links
from .tickets import PRIORITY_LABELS

# the partner's ticket in plain words (plain_status)
PLAIN = {"sent": _l("Not delivered yet"), "delivered": _l("Delivered"), "accepted": _l("Accepted"),
         "dispatched": _l("Dispatched"), "on_site": _l("On site"), "resolved": _l("Resolved"), "rated": _l("Rated"),
         "returned": _l("Handed back"), "failed": _l("Failed"), "cancelled": _l("Cancelled")}
_BY_STATUS = {"submitted": "delivered", "reopened": "delivered", "accepted": "accepted", "dispatched": "dispatched",
              "on_site": "on_site", "resolved": "resolved", "closed": "resolved", "cancelled": "cancelled"}
STEPS = {"sent": _l("Handed off"), "delivered": _l("Delivered"), "accepted": _l("Accepted"),
         "dispatched": _l("Dispatched"), "on_site": _l("On site"), "resolved": _l("Resolved"), "rated": _l("Rated"),
         "closed": _l("Closed"), "cancelled": _l("Cancelled"), "reopened": _l("Reopened"),
         "returned": _l("Handed back"), "failed": _l("Failed"), "breached": _l("Deadline missed"),
         "deadlines": _l("Priority changed, deadlines recounted")}
LATE = {"arrive": _l("Arrival overdue"), "resolve": _l("Resolution overdue")}
STATES = {HandoffState.sent.value: _l("Not delivered yet"), HandoffState.delivered.value: _l("Delivered"),
          HandoffState.returned.value: _l("Handed back"), HandoffState.closed.value: _l("Closed"),
          HandoffState.failed.value: _l("Failed")}
DIRECTIONS = (("sent", _l("Sent")), ("received", _l("Received")))
SIDES = {"sent": _l("Sent"), "received": _l("Received")}
DONE_SENT = _l("The ticket is handed to %(partner)s.")
DONE_RETURNED = _l("The hand-off is handed back.")
HANDOFF_DIALOG = "handoff-dialog"


def plain_status(view: dict) -> str:
    """Where the partner's ticket stands, as one word's key of PLAIN."""
    if view["state"] in ("sent", "returned", "failed"):
        return view["state"]
    ticket = view["partner_ticket"]
    if ticket.get("rating"):
        return "rated"
    return _BY_STATUS.get(ticket.get("status"), "delivered")


def _late(ticket: dict) -> list[str]:
    return [stage for stage in ("arrive", "resolve") if ticket.get(f"{stage}_breached_at")]


def _shown(view: dict) -> dict:
    view["plain"] = plain_status(view)
    view["late"] = _late(view["partner_ticket"])
    for step in view.get("steps", ()):
        label = STEPS.get(step["step"], step["step"])
        if step["step"] == "breached" and step["note"] in LATE:
            label, step["note"] = LATE[step["note"]], None
        elif step["step"] == "deadlines" and step["note"] in PRIORITY_LABELS:
            step["note"] = PRIORITY_LABELS[step["note"]]
        step["label"] = label
    return view


def _offer(ticket: Ticket, writer: bool) -> dict | None:
    """The hand-off the ticket's page offers: to whom, and whether the contact travels (None when
    the caller may not write, the ticket is not open, one is in progress or no link covers it)."""
    if not writer or ticket.status not in OPEN or service.live_handoff_of_ticket(ticket.id) is not None:
        return None
    link = service.link_covering(ticket.site_id)
    if link is None:
        return None
    me = require_tenant_id()
    partner = link.partner_of(me)
    return {"partner": tenant_names([partner]).get(partner) or "",
            "contact": bool(link.share_contact and link.side_of(me) == Side.client)}


def ticket_panel(ticket: Ticket, writer: bool) -> dict:
    """What the ticket's page shows of hand-offs: the offer, and every hand-off of the ticket
    with its steps (newest first); `writer` may hand back the received one that is delivered."""
    found = service.ticket_handoffs(ticket.id)
    items = []
    if found:
        names = tenant_names({h.partner_of(require_tenant_id()) for h in found})
        items = [_shown(handoff_view(h, names, with_steps=True)) for h in found]
    for item in items:
        item["may_return"] = writer and item["my_side"] == "received" and item["state"] == "delivered"
    offer = _offer(ticket, writer)
    # the forms of this panel a refusal may name that the page does not show (now): its message
    # goes to the top of the page
    gone = {HANDOFF_DIALOG} if offer is None else set()
    gone |= {f"return-{item['id']}" for item in items if not item["may_return"]}
    return {"offer": offer, "items": items, "plain": PLAIN, "sides": SIDES, "late": LATE, "forms_gone": gone}


def _ticket_page(ticket_id: int, errors: dict, status: int, open_form: str):
    from .tickets import _detail

    return _detail(readable_ticket(ticket_id), errors, status, open_form)


@bp.route("/tickets/<int:ticket_id>/handoff", methods=["POST"])
def ticket_handoff(ticket_id: int):
    """转办：把本方工单交给该小区服务关系的另一方（与 API 的 POST …/handoff 相同）。"""
    identity = require_staff()
    data, errors = console_form(s.HandoffIn())
    status = 422
    if not errors:
        handoff, errors, status = attempt(lambda: service.hand_off_ticket(ticket_id, identity, data.get("note")))
        if status == 404:
            abort(404)
        if not errors:
            partner = tenant_names([handoff.to_tenant_id]).get(handoff.to_tenant_id) or ""
            flash(str(DONE_SENT % {"partner": partner}), "success")
            return redirect(url_for("console.ticket", ticket_id=ticket_id) + "#handoffs")
    return _ticket_page(ticket_id, errors, status, HANDOFF_DIALOG)


@bp.route("/handoffs/<int:handoff_id>/return", methods=["POST"])
def handoff_return(handoff_id: int):
    """退回转办（接收方，须说明原因；与 API 的 POST …/return 相同）。"""
    identity = require_staff()
    handoff = service.get_handoff(handoff_id)
    if not service.may_see(identity, handoff):
        abort(404)
    ticket_id = handoff.to_ticket_id if handoff.side_of(require_tenant_id()) == "received" else handoff.from_ticket_id
    data, errors = console_form(s.ReturnIn())
    status = 422
    if not errors:
        _returned, errors, status = attempt(lambda: service.return_handoff(handoff_id, identity, data.get("reason")))
        if not errors:
            flash(str(DONE_RETURNED), "success")
            return redirect(url_for("console.ticket", ticket_id=ticket_id) + "#handoffs"
                            if ticket_id else url_for("console.handoffs", direction="received"))
    if ticket_id is None:
        abort(status)
    shown = {("return_reason" if name == "reason" else name): messages for name, messages in errors.items()}
    if set(shown) - {"return_reason", GENERAL}:  # a field the form has not: said about the whole form
        shown = {GENERAL: [m for messages in shown.values() for m in messages]}
    return _ticket_page(ticket_id, shown, status, f"return-{handoff_id}")


# --- the list ------------------------------------------------------------------------------------


def has_handoffs() -> bool:
    """Whether the menu names 转办: a link in force, or hand-offs already made (once per request)."""
    cached = g.get("wuye_has_handoffs")
    if cached is None:
        links = tenant_links()  # no link ever: no hand-off either (each goes over one)
        cached = any(state == LinkState.accepted for state, *_rest in links) or (
            bool(links) and db.session.scalar(select(Handoff.id).limit(1)) is not None)
        g.wuye_has_handoffs = cached
    return cached


@bp.route("/handoffs")
def handoffs():
    """转办：本方转出的与对方转来的，按状态筛选，分页；每行链接到本方工单。"""
    identity = community_reader()
    schema = s.HandoffQuery()
    values = form_values(schema, request.args)
    values.setdefault("direction", "sent")
    args, errors = console_form(schema, values)
    if errors:
        args, _ = console_form(schema, {"direction": "sent"})
    page = paginate(service.handoffs_query(args["direction"], args.get("state"), identity), Handoff, args)
    items = [_shown(view) for view in handoff_views(page["items"])]
    titles = {}
    ours = [v["my_ticket_id"] for v in items if v["my_ticket_id"]]
    if ours:
        titles = dict(db.session.execute(select(Ticket.id, Ticket.title).where(Ticket.id.in_(ours))).all())
    return render_template(
        "console/handoffs/list.html", current="handoffs", page=page, items=items, titles=titles,
        direction=args["direction"], state=args.get("state"), directions=DIRECTIONS, states=STATES, plain=PLAIN,
        late=LATE, errors=errors), 422 if errors else 200
