"""The one-stop window (一站式窗口): a call or a visit taken as a ticket in one quick form. The
ticket is created by tickets/service.create_ticket with the API's schema (TicketCreate) and the
API's rule of who may create where (tickets/access.creation_authorizer); the form's choices
(sites, buildings, categories) follow the community chosen (htmx re-renders the form).

The household is picked, not typed: after the site (and perhaps the building), a room number or
a resident's name or phone finds it by the register's own searches (households/levels.py through
resources.list_statement: what the caller may read, phones searched and shown as the register
shows them to the caller); picking a resident fills the reporter's name, and their phone only
where the caller sees phones unmasked (personal_data.sees_personal_data)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..auth.roles import ALL
from ..extensions import db
from ..households.levels import BY_NAME
from ..households.models import Building, Community, Household, Resident, Site, Unit
from ..households.personal_data import sees_personal_data
from ..households.resources import list_statement
from ..households.schemas import ResidentOut
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


PICKS = 8  # households the picker shows at most (type more to narrow)
RESIDENTS = 100  # residents read for them at most


def _rooms(unit_ids) -> dict[int, str]:
    """unit id → "1栋 101" (building and room number)."""
    ids = {i for i in unit_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Unit.id, Building.name, Unit.number).join(Building, Building.id == Unit.building_id)
                              .where(Unit.id.in_(ids)))
    return {uid: f"{building} {number}" for uid, building, number in rows}


def _place(site_id: int, building_id: int | None) -> dict:
    return {"site_id": site_id} | ({"building_id": building_id} if building_id else {})


def household_matches(site_id: int, building_id: int | None, text: str) -> tuple[list[dict], bool]:
    """The households of the site (and building) whose room number contains `text`, or with a
    resident whose name (or phone, where the caller sees phones) does — the register's searches
    of units and residents, within what the caller may read — current ones first; each with its
    residents as the caller may see them and what picking one fills in. (matches, more: there
    are more than PICKS)."""
    place = _place(site_id, building_id)
    by_room = list_statement(BY_NAME["units"], {**place, "q": text}).with_only_columns(Unit.id)
    by_resident = list_statement(BY_NAME["residents"], {**place, "q": text}).with_only_columns(Resident.household_id)
    stmt = (list_statement(BY_NAME["households"], place)
            .where(or_(Household.unit_id.in_(by_room), Household.id.in_(by_resident)))
            .order_by(Household.moved_out_on.is_not(None), Household.building_id, Household.unit_id, Household.id)
            .limit(PICKS + 1))
    households = list(db.session.scalars(stmt))
    more, households = len(households) > PICKS, households[:PICKS]
    if not households:
        return [], False
    residents = db.session.scalars(list_statement(BY_NAME["residents"], {})
                                   .where(Resident.household_id.in_([h.id for h in households]))
                                   .order_by(Resident.household_id, Resident.id).limit(RESIDENTS)).all()
    by_household: dict[int, list[dict]] = {}
    for resident, shown in zip(residents, ResidentOut(many=True).dump(residents), strict=True):
        pick = {"household_id": resident.household_id, "unit_id": None, "reporter_resident_id": resident.id,
                "reporter_name": resident.name, "picked": "1"}
        if resident.phone and sees_personal_data(resident.community_id):
            pick["reporter_phone"] = resident.phone
        by_household.setdefault(resident.household_id, []).append({"name": shown["name"], "phone": shown["phone"],
                                                                     "pick": pick})
    rooms = _rooms(h.unit_id for h in households)
    matches = []
    for household in households:
        people = by_household.get(household.id, [])
        for person in people:
            person["pick"]["unit_id"] = household.unit_id
        matches.append({"household": household, "room": rooms.get(household.unit_id, ""), "residents": people,
                        "pick": {"household_id": household.id, "unit_id": household.unit_id,
                                 "reporter_resident_id": "", "picked": "1"}})
    return matches, more


def _picked(values, site_id: int | None, building_id: int | None) -> dict | None:
    """The household (and reporting resident) chosen in the form, if the caller may read it and
    it lies in the site and building chosen; else none (the picker is shown again)."""
    household_id = _as_int(values.get("household_id"))
    if not household_id or not site_id:
        return None
    household = db.session.scalars(list_statement(BY_NAME["households"], _place(site_id, building_id))
                                   .where(Household.id == household_id)).first()
    if household is None:
        return None
    resident_id = _as_int(values.get("reporter_resident_id"))
    resident = db.session.scalars(list_statement(BY_NAME["residents"], {"household_id": household.id})
                                  .where(Resident.id == resident_id)).first() if resident_id else None
    return {"household": household, "room": _rooms([household.unit_id]).get(household.unit_id, ""),
            "resident": resident}


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
    building_id = _as_int(values.get("building_id"))
    if building_id not in {b for b, _ in buildings}:
        building_id = None
    picked = _picked(values, site_id, building_id)
    if picked:
        building_id = picked["household"].building_id
    text = (values.get("q") or "").strip()[:50]
    matches, more = household_matches(site_id, building_id, text) if site_id and text and not picked else ([], False)
    return render_template(
        "console/tickets/window.html", current="window", values=values, errors=errors, communities=communities,
        community_id=community_id, sites=sites, site_id=site_id, buildings=buildings, building_id=building_id,
        picked=picked, matches=matches, more=more, text=text, htmx=request.headers.get("HX-Request") == "true",
        categories=_categories(community_id) if community_id else [], channels=CHANNELS,
        kinds=[(k.value, KIND_LABELS[k.value]) for k in Kind],
        priorities=[(p.value, PRIORITY_LABELS[p.value]) for p in Priority]), status


@bp.route("/window/households")
def window_households():
    """一站式窗口：按房号或居民姓名、电话查找住户（表单中的片段）。"""
    _identity()
    site_id, building_id = _as_int(request.args.get("site_id")), _as_int(request.args.get("building_id"))
    text = (request.args.get("q") or "").strip()[:50]
    matches, more = household_matches(site_id, building_id, text) if site_id and text else ([], False)
    return render_template("console/tickets/_households.html", matches=matches, more=more, text=text,
                           site_id=site_id)


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
