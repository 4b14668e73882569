"""The signed-in resident's pages: home (my households, my tickets, the service phone), reporting
a repair, complaint, inquiry or suggestion with photos from the camera, a ticket's steps in plain
words with the promise and its photos, rating it once resolved. Every rule is the residents'
service's (resident_access/tickets.py): a household or ticket not theirs is a 404 like none."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ..auth.models import ResidentAccount
from ..console.forms import attempt, console_form
from ..errors import NotFound
from ..events import commit
from ..extensions import db
from ..i18n import N_, _
from ..resident_access import tickets
from ..resident_access.households import my_households
from ..resident_access.schemas import MyRatingIn, ReportIn
from ..tickets.files import attachment_response
from ..tickets.models import Ticket
from .blueprint import bp

PER_PAGE = 20
REPORTED = N_("Sent. The service desk has your report.")
RATED = N_("Thank you for your rating.")
PHOTOS_AGAIN = N_("Choose the photos again, if you had chosen any.")
PHOTOS_ADDED = N_("Photos added.")
NOT_RESOLVED = N_("Only a resolved ticket can be rated.")


def account() -> ResidentAccount:
    """The signed-in resident's account (the door let in only residents)."""
    found = g.get("resident_account")
    if found is None:
        found = g.resident_account = db.session.get(ResidentAccount, g.identity.user_id)
    return found


def resident_households() -> list[dict]:
    """The signed-in resident's households (the register's, read once per request)."""
    found = g.get("resident_households")
    if found is None:
        found = g.resident_households = my_households(account().phone)
    return found


def _phones(households: list[dict]) -> list[tuple[str, str]]:
    """(community name, service phone) of each of my communities that has one."""
    out, seen = [], set()
    for household in households:
        if household["community_id"] in seen:
            continue
        seen.add(household["community_id"])
        phone = tickets.service_phone(tickets.community_of(household["community_id"]))
        if phone:
            out.append((household["community_name"], phone))
    return out


def _addresses(households: list[dict]) -> dict[int, str]:
    return {h["id"]: " ".join(p for p in (h["community_name"], h["site_name"], h["building_name"],
                                          h["entrance"] and _("Entrance %(entrance)s", entrance=h["entrance"]),
                                          h["room"]) if p)
            for h in households}


@bp.route("/")
def home():
    """My households, my tickets (newest first), the service phone."""
    households = resident_households()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    query = tickets.my_tickets(account().phone)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(Ticket.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("h5/home.html", current="home", households=households, addresses=_addresses(households),
                           phones=_phones(households), tickets=rows, page=page, more=total > page * PER_PAGE,
                           status_label=tickets.status_label)


@bp.route("/report", methods=["GET", "POST"])
def report():
    """Report for one of my households: first which (when there are several), then what, with photos."""
    households = my_households(account().phone)
    addresses = _addresses(households)
    chosen = request.values.get("household_id", type=int)
    if chosen is None and len(households) == 1:
        chosen = households[0]["id"]
    if chosen is None:
        return render_template("h5/choose.html", current="report", households=households, addresses=addresses)
    try:
        household = tickets.own_household(account().phone, chosen)
    except NotFound:
        return redirect(url_for("h5.report"))  # not mine (any more): choose again
    community = tickets.community_of(household.community_id)
    errors, status = {}, 200
    if request.method == "POST":
        data, errors = console_form(ReportIn())
        status = 422
        if not errors:
            files = request.files.getlist("photos")
            refusal = attempt(lambda: (tickets.check_photos(files), tickets.report(account(), data))[1])
            errors, status = refusal.errors, refusal.status
            if not errors:
                ticket = refusal.result
                commit()  # the ticket and its event first: the staff's queue has it whatever the photos do
                tickets.add_photos(ticket, files, account())
                flash(_(REPORTED), "ok")
                return redirect(url_for("h5.ticket", ticket_id=ticket.id))
        if request.files.getlist("photos"):
            errors.setdefault("photos", []).append(_(PHOTOS_AGAIN))
    return render_template("h5/report.html", current="report", household=household, address=addresses[household.id],
                           several=len(households) > 1, categories=tickets.categories(community),
                           kinds=[(k.value, _(tickets.KIND_LABELS[k])) for k in tickets.KINDS],
                           max_photos=tickets.MAX_PHOTOS, max_mib=tickets.PHOTO_MAX_BYTES // (1024 * 1024),
                           values=request.form, errors=errors), status


def _ticket_page(ticket: Ticket, errors: dict | None = None, status: int = 200):
    households = my_households(account().phone)
    return render_template("h5/ticket.html", current="home", ticket=ticket, address=_addresses(households).get(
        ticket.household_id), kind=_(tickets.KIND_LABELS.get(ticket.kind, N_("Other"))),
        status_label=tickets.status_label(ticket), steps=tickets.steps(ticket), promise=tickets.promise(ticket),
        photos=tickets.photos(ticket), can_rate=tickets.can_rate(ticket),
        can_add_photos=ticket.status in tickets.OPEN and tickets.resident_photos(ticket) < tickets.MAX_PHOTOS,
        service_phone=tickets.service_phone(tickets.community_of(ticket.community_id)),
        errors=errors or {}, values=request.form), status


@bp.route("/tickets/<int:ticket_id>")
def ticket(ticket_id):
    """One of my households' tickets: its steps, the promise, its photos; the rating form once resolved."""
    return _ticket_page(tickets.my_ticket(account().phone, ticket_id))


@bp.route("/tickets/<int:ticket_id>/rating", methods=["POST"])
def rate(ticket_id):
    """Rate it (once per resolution: closes it)."""
    ticket = tickets.my_ticket(account().phone, ticket_id, lock=True)
    if not tickets.can_rate(ticket):  # said in words on the page (the service's 409 names the field only)
        return _ticket_page(ticket, {"_": [_(tickets.ALREADY_RATED if ticket.rated_at else NOT_RESOLVED)]}, 409)
    data, errors = console_form(MyRatingIn())
    if not errors:
        refusal = attempt(lambda: tickets.rate(account(), ticket, data["rating"], data.get("comment")))
        if not refusal.errors:
            flash(_(RATED), "ok")
            return redirect(url_for("h5.ticket", ticket_id=ticket.id))
        return _ticket_page(tickets.my_ticket(account().phone, ticket_id), refusal.errors, refusal.status)
    return _ticket_page(ticket, errors, 422)


@bp.route("/tickets/<int:ticket_id>/photos", methods=["POST"])
def add_photos(ticket_id):
    """More photos for an open ticket."""
    ticket = tickets.my_ticket(account().phone, ticket_id)
    refusal = attempt(lambda: tickets.add_photos(ticket, request.files.getlist("photos"), account()))
    if refusal.errors:
        return _ticket_page(tickets.my_ticket(account().phone, ticket_id), refusal.errors, refusal.status)
    if refusal.result:
        flash(_(PHOTOS_ADDED), "ok")
    return redirect(url_for("h5.ticket", ticket_id=ticket.id))


@bp.route("/tickets/<int:ticket_id>/photos/<int:attachment_id>")
def photo(ticket_id, attachment_id):
    """A photo of the ticket (the resident's or the site's)."""
    ticket = tickets.my_ticket(account().phone, ticket_id)
    return attachment_response(ticket, tickets.photo(ticket, attachment_id).id)
