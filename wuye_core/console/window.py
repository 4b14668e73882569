"""The one-stop window (一站式窗口): a call or a visit taken as a ticket in one quick form. The
ticket is created by tickets/service.create_ticket with the API's schema (TicketCreate) and the
API's rule of who may create where (tickets/access.creation_authorizer); the form's choices
(sites, buildings, categories) follow the community chosen (htmx re-renders the form)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.roles import ALL
from ..extensions import db
from ..households.models import Building, Community, Site
from ..tickets import service
from ..tickets.access import creation_authorizer
from ..tickets.models import Kind, Priority
from ..tickets.schemas import TicketCreate
from .blueprint import bp
from .forms import console_form, domain_errors
from .tickets import KIND_LABELS, PRIORITY_LABELS, _categories, _identity

# a call (电话) or a visit at the window (来访)
CHANNELS = (("phone", _l("Phone call")), ("window", _l("Visit at the window")))


def _writable_communities(identity) -> list[tuple[int, str]]:
    writable = identity.writable_communities()
    stmt = select(Community.id, Community.name).order_by(Community.id)
    if writable is not ALL:
        stmt = stmt.where(Community.id.in_(writable or [-1]))
    return [tuple(row) for row in db.session.execute(stmt)]


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _render(values, errors: dict, status: int = 200):
    identity = _identity()
    communities = _writable_communities(identity)
    community_id = _as_int(values.get("community_id"))
    if community_id not in {c for c, _ in communities}:
        community_id = communities[0][0] if len(communities) == 1 else None
    sites = list(db.session.execute(select(Site.id, Site.name).where(Site.community_id == community_id)
                                    .order_by(Site.id)).all()) if community_id else []
    site_id = _as_int(values.get("site_id"))
    if site_id not in {s for s, _ in sites}:
        site_id = sites[0][0] if len(sites) == 1 else None
    buildings = list(db.session.execute(select(Building.id, Building.name).where(Building.site_id == site_id)
                                        .order_by(Building.id).limit(500)).all()) if site_id else []
    return render_template(
        "console/tickets/window.html", current="window", values=values, errors=errors, communities=communities,
        community_id=community_id, sites=sites, site_id=site_id, buildings=buildings,
        categories=_categories(community_id) if community_id else [], channels=CHANNELS,
        kinds=[(k.value, KIND_LABELS[k.value]) for k in Kind],
        priorities=[(p.value, PRIORITY_LABELS[p.value]) for p in Priority]), status


@bp.route("/window", methods=["GET", "POST"])
def window():
    """一站式窗口：接电话或来访，快速登记工单。"""
    identity = _identity()
    if request.method == "GET":
        return _render(request.args, {})
    data, errors = console_form(TicketCreate())
    if not errors:
        try:
            ticket = service.create_ticket(data, identity.username, authorize=creation_authorizer(identity))
        except Exception as exc:  # a refusal of the service: shown next to its field
            errors = domain_errors(exc)
            if errors is None:
                raise
        else:
            flash(str(_l("Ticket #%(id)s created.", id=ticket.id)), "success")
            return redirect(url_for("console.ticket", ticket_id=ticket.id))
    return _render(request.form, errors, 422)
