"""A resident's tickets (#19 item 2): reporting a repair, complaint, inquiry or suggestion for one
of their own households, following it in plain words, rating it once it is resolved. The edges
(routes.py's /api/v1/resident/tickets, the residents' pages h5/) call these; the ticket itself is
made, moved and rated by tickets/service.py, so the SLA (the "5341" promise), the history, the
events and the staff's notifications are those of any ticket.

    report(account, data)        a new ticket of one of my households (404 for any other)
    check_photos(files)          the photos of a report: at most MAX_PHOTOS, JPEG/PNG/WEBP, PHOTO_MAX_BYTES each
    add_photos(ticket, files, …) kept with the ticket (tickets/files.store_upload: commits each)
    my_tickets(digits)           the tickets of my households (anyone of the household reported them)
    my_ticket(digits, id)        one of them, else 404 — another household's, another tenant's, none: the same
    steps(ticket) / promise(ticket) / status_label(ticket)   what a resident reads of it
    rate(account, ticket, …)     once per resolution; a correction is the staff's (409 here)

What a resident sees of a ticket: its own fields, the steps with their times, the promise, the
photos, the community's service phone. Never the staff: no names, phones, teams or notes of the
history (a note may be internal); "师傅" stands for whoever came.

Channel: `app` — the residents' own page and API (the "app" the channel list always named). The
creator (`created_by`, the history's actor) is "resident:<account id>": no phone or name in the
history; the reporter's name and phone are the register row's, like a ticket typed by staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, func, select

from ..auth.models import ResidentAccount
from ..auth.names import RESIDENT_PREFIX
from ..errors import Conflict, NotFound, invalid
from ..extensions import db
from ..households.models import Community, Household, Resident
from ..i18n import N_, _
from ..storage import UploadRejected, check_upload
from ..tickets import service
from ..tickets.files import store_upload
from ..tickets.models import Channel, Kind, Priority, Ticket, TicketAttachment, TicketTransition
from ..tickets.states import OPEN, Status
from .households import my_households
from .phones import phone_digits_sql

# what a resident may report; a dispute (矛盾纠纷) is brought to the mediators, not typed in here
KINDS = (Kind.repair, Kind.complaint, Kind.inquiry, Kind.suggestion)
KIND_LABELS = {Kind.repair: N_("Repair"), Kind.complaint: N_("Complaint"), Kind.inquiry: N_("Inquiry"),
               Kind.suggestion: N_("Suggestion")}
MAX_PHOTOS = 6
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
TITLE_LENGTH = 40
ALREADY_RATED = N_("You have rated this ticket already.")

STATUS_LABELS = {
    Status.submitted: N_("Reported, waiting to be accepted"),
    Status.accepted: N_("Accepted"),
    Status.dispatched: N_("Dispatched"),
    Status.on_site: N_("The worker is on site"),
    Status.resolved: N_("Resolved"),
    Status.closed: N_("Closed"),
    Status.reopened: N_("Reopened"),
    Status.cancelled: N_("Cancelled"),
}
# the history's actions a resident reads, in their words (correct_rating is the staff's)
STEP_LABELS = {
    "submit": N_("Reported"),
    "accept": N_("Accepted"),
    "dispatch": N_("Dispatched"),
    "arrive": N_("The worker is on site"),
    "resolve": N_("Resolved"),
    "close": N_("Closed"),
    "reopen": N_("Reopened"),
    "cancel": N_("Cancelled"),
    "rate": N_("Rated"),
}
# the steps still to come of an open ticket, shown greyed with their promise
AHEAD = (("dispatch", Status.dispatched), ("arrive", Status.on_site), ("resolve", Status.resolved))
_RANK = {Status.submitted: 0, Status.accepted: 0, Status.reopened: 0, Status.dispatched: 1, Status.on_site: 2,
         Status.resolved: 3}


def actor(account: ResidentAccount) -> str:
    """Who a resident is in a ticket's history, as its creator and as a photo's uploader (shown as
    居民 / Resident: auth/names.py)."""
    return f"{RESIDENT_PREFIX}{account.id}"


def own_household(digits: str, household_id: int) -> Household:
    """One of my households, else 404 (another's and none look the same)."""
    if household_id not in {h["id"] for h in my_households(digits)}:
        raise NotFound(errors={"json": {"household_id": [N_("Not one of your households.")]}})
    return db.session.get(Household, household_id)


def community_of(community_id: int) -> Community:
    return db.session.get(Community, community_id)


def categories(community: Community) -> list[str]:
    return list(service.tickets_config(community)["categories"])


def service_phone(community: Community | None) -> str | None:
    if community is None:
        return None
    from ..households.community_config import shared_effective_config

    return shared_effective_config(community)["core"].get("service_phone")


def check_photos(files: Sequence) -> None:
    """Refuse (422 on `photos`) too many photos, or one that is not a JPEG, PNG or WEBP photo of
    at most PHOTO_MAX_BYTES (its type from its bytes); streams are put back for storing."""
    files = [f for f in files if f is not None and (f.filename or "").strip()]
    if len(files) > MAX_PHOTOS:
        invalid("photos", N_("At most %(count)s photos.", count=MAX_PHOTOS), location="files")
    limit = min(PHOTO_MAX_BYTES, current_app.config["WUYE"].upload_max_bytes)
    for upload in files:
        try:
            check_upload(upload.filename, upload.mimetype, upload.stream, limit, PHOTO_TYPES, field="photos")
        except UploadRejected as exc:
            invalid("photos", exc.reason, location="files")


def _register_row(digits: str, household_id: int) -> Resident | None:
    """The register's row of the resident in that household (their name and phone as staff keep them)."""
    return db.session.scalar(select(Resident).where(Resident.household_id == household_id,
                                                    phone_digits_sql(Resident.phone) == digits,
                                                    Resident.duplicate_of.is_(None)).order_by(Resident.id).limit(1))


def title_of(description: str) -> str:
    line = description.strip().splitlines()[0].strip() if description.strip() else ""
    return line if len(line) <= TITLE_LENGTH else line[:TITLE_LENGTH - 1] + "…"


def report(account: ResidentAccount, data: dict) -> Ticket:
    """A new ticket for one of my households (data: household_id, kind, category, description).
    Not committed (the edge commits, then stores the photos)."""
    household = own_household(account.phone, data["household_id"])
    kind = Kind(data["kind"]) if data["kind"] in KINDS else None
    if kind is None:
        invalid("kind", N_("Not something a resident reports here."))
    resident = _register_row(account.phone, household.id)
    values = {"community_id": household.community_id, "site_id": household.site_id,
              "building_id": household.building_id, "unit_id": household.unit_id, "household_id": household.id,
              "reporter_resident_id": resident.id if resident else None,
              "reporter_name": resident.name if resident else None,
              "reporter_phone": resident.phone if resident else None,
              "channel": Channel.app, "kind": kind, "category": data["category"],
              "title": title_of(data["description"]) or _(KIND_LABELS[kind]),
              "description": data["description"], "priority": Priority.normal}
    return service.create_ticket(values, actor(account))


def resident_photos(ticket: Ticket) -> int:
    return db.session.scalar(select(func.count()).select_from(TicketAttachment).where(
        TicketAttachment.ticket_id == ticket.id, TicketAttachment.uploaded_by.like(RESIDENT_PREFIX + "%"))) or 0


def add_photos(ticket: Ticket, files: Sequence, account: ResidentAccount) -> list[TicketAttachment]:
    """Keep the (checked) photos with the ticket: at most MAX_PHOTOS from residents per ticket,
    while it is open. Each is committed with its row (tickets/files.py)."""
    files = [f for f in files if f is not None and (f.filename or "").strip()]
    if not files:
        return []
    if ticket.status not in OPEN:
        raise Conflict(N_("Photos can be added while the ticket is open."),
                       {"json": {"photos": [N_("Not allowed now.")]}, "status": ticket.status.value})
    if resident_photos(ticket) + len(files) > MAX_PHOTOS:
        invalid("photos", N_("At most %(count)s photos.", count=MAX_PHOTOS), location="files")
    check_photos(files)
    return [store_upload(ticket, upload, actor(account)) for upload in files]


def household_ids(digits: str) -> list[int]:
    return [h["id"] for h in my_households(digits)]


def my_tickets(digits: str) -> Select:
    """The tickets of my households, whoever of them reported it (staff's typing included)."""
    return select(Ticket).where(Ticket.household_id.in_(household_ids(digits) or [-1]))


def my_ticket(digits: str, ticket_id: int, lock: bool = False) -> Ticket:
    """One ticket of my households, else 404 (the same for another household's, another
    tenant's, none); `lock` for a change (common/locking.py)."""
    from ..common.locking import get_for_update

    ticket = get_for_update(Ticket, ticket_id) if lock else db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.household_id not in household_ids(digits):
        raise NotFound()
    return ticket


def photos(ticket: Ticket) -> list[TicketAttachment]:
    """The ticket's photos (anyone's: the resident's and the site's), not its documents."""
    return list(db.session.scalars(select(TicketAttachment).where(
        TicketAttachment.ticket_id == ticket.id, TicketAttachment.content_type.in_(PHOTO_TYPES))
        .order_by(TicketAttachment.id)))


def photo(ticket: Ticket, attachment_id: int) -> TicketAttachment:
    found = next((p for p in photos(ticket) if p.id == attachment_id), None)
    if found is None:
        raise NotFound()
    return found


def status_label(ticket: Ticket) -> str:
    return _(STATUS_LABELS[ticket.status])


def can_rate(ticket: Ticket) -> bool:
    return ticket.status in (Status.resolved, Status.closed) and ticket.rated_at is None


def steps(ticket: Ticket) -> list[dict]:
    """The ticket's steps so far (label, time), oldest first, then those still to come of an open
    ticket (`done` False, with the promised time where there is one)."""
    rows = db.session.scalars(select(TicketTransition).where(TicketTransition.ticket_id == ticket.id)
                              .order_by(TicketTransition.id)).all()
    out = [{"action": r.action, "label": _(STEP_LABELS[r.action]), "at": r.at, "done": True, "due_at": None}
           for r in rows if r.action in STEP_LABELS]
    if ticket.status in OPEN:
        reached = _RANK.get(ticket.status, 0)
        due = {"arrive": ticket.arrive_due_at, "resolve": ticket.resolve_due_at}
        for action, status in AHEAD:
            if _RANK[status] > reached:
                out.append({"action": action, "label": _(STEP_LABELS[action]), "at": None, "done": False,
                            "due_at": due.get(action)})
    return out


def _duration(start: datetime, end: datetime | None) -> str | None:
    if end is None:
        return None
    minutes = max(1, round((end - start).total_seconds() / 60))
    if minutes % (24 * 60) == 0:
        return _("%(n)s d", n=minutes // (24 * 60))
    if minutes % 60 == 0:
        return _("%(n)s h", n=minutes // 60)
    return _("%(n)s min", n=minutes)


def promise(ticket: Ticket) -> dict:
    """The promise (the community's SLA, "5341" by default: tickets/sla.py) in words."""
    arrive = _duration(ticket.created_at, ticket.arrive_due_at)
    resolve = _duration(ticket.created_at, ticket.resolve_due_at)
    if arrive and resolve:
        text = _("Promised: on site within %(arrive)s, resolved within %(resolve)s.", arrive=arrive, resolve=resolve)
    elif resolve:
        text = _("Promised: resolved within %(resolve)s.", resolve=resolve)
    elif arrive:
        text = _("Promised: on site within %(arrive)s.", arrive=arrive)
    else:
        text = None
    return {"arrive_due_at": ticket.arrive_due_at, "resolve_due_at": ticket.resolve_due_at, "text": text}


def rate(account: ResidentAccount, ticket: Ticket, rating: int, comment: str | None) -> Ticket:
    """The resident's rating of a resolved ticket (closes it: tickets/service.rate). Once per
    resolution: a second answers 409 — correcting a rating is for staff, with a reason. `ticket`
    locked (my_ticket(lock=True))."""
    if ticket.status in (Status.resolved, Status.closed) and ticket.rated_at is not None:
        raise Conflict(ALREADY_RATED,
                       {"json": {"rating": [N_("Not allowed now.")]}, "status": ticket.status.value})
    return service.rate(ticket, rating, comment, actor(account))
