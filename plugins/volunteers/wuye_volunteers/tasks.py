"""Needs handed to the alliance as tasks offered to members with the skill (issue item 4).

A task comes from one of three sources (vocab.TASK_SOURCES):

- **a ticket** staff mark "for the alliance" (the ticket's page links to the form; the API's
  `source: "ticket"`): the ticket must be in the community and open; one task per ticket (the
  unique index (tenant, source, source_ref); a second is a 409 naming the first). When the task is
  done the ticket is resolved with a note in its history, if its state allows (a ticket still only
  submitted, or resolved meanwhile, is left as it is: the task is done all the same and shows the
  ticket's status, for staff to finish it on the ticket's page);
- **a care-visit referral** to the body `volunteers` (the care_visits plugin emits
  `care_visits.referral_opened`; plugins never import each other). The event carries the referral's
  id and body only, and the task says no more: "a person the care workers look after needs help,
  see referral #id", with the name of the care worker who referred it, who tells the details by
  phone. The organiser then sets the skill, place and date (`update`). Done, the task emits
  `volunteers.task_done` (cancelled: `volunteers.task_cancelled`) and care_visits closes the
  referral;
- **a resident's request** taken by staff at the window or on the phone: the requester's name and
  phone (encrypted; masked but for the alliance's organisers), the place, what is needed.

The moves follow vocab.TASK_NEXT, each under the task's row lock (`get_for_update`: of two members
accepting at once one wins, the other gets a 409 naming the status). `accept`, `give_up`,
`complete`, `cancel` and `update` are the services the API, the console and the members' own pages
call; they flush, never commit. Done means a service record (records.add_record) for the member.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask import has_request_context, request
from sqlalchemy import func, select

from wuye_core.plugins import (
    Community,
    Conflict,
    Identity,
    Link,
    current_identity,
    db,
    get_for_update,
    invalid,
    local_today,
    mask_phone,
    resolve_ticket,
    services,
    staff_names,
    ticket_summaries,
    ticket_summary,
    use_locale,
)

from . import alliance, vocab
from .access import NAME, is_organiser
from .i18n import N_, _
from .models import Member, MemberSkill, Task
from .records import add_record

CONSOLE = f"/console/plugins/{NAME}"
API = f"/api/v1/plugins/{NAME}"
CARE_BODY = "volunteers"  # the body care_visits refers to (its vocab.BODIES)

# The ticket's states in words (the core's codes; the core's state machine decides what may happen).
TICKET_STATUSES = {
    "submitted": N_("Submitted"),
    "accepted": N_("Accepted"),
    "dispatched": N_("Dispatched"),
    "on_site": N_("On site"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
    "reopened": N_("Reopened"),
    "cancelled": N_("Cancelled"),
}
TICKET_OPEN = frozenset({"submitted", "accepted", "dispatched", "on_site", "reopened"})
PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")
EDITABLE = ("title", "description", "skill", "place", "wanted_by")


def _now() -> datetime:
    return datetime.now(UTC)


def ticket_status_label(code: str | None) -> str:
    return vocab.label(TICKET_STATUSES, code)


def status_label(code: str | None) -> str:
    return vocab.label(vocab.TASK_STATUSES, code)


def sees_requester(identity: Identity, community_id: int) -> bool:
    """The requester's phone in full: the alliance's manager and organisers, who arrange the visit."""
    return is_organiser(identity, community_id)


def may_make_tasks(identity: Identity, community_id: int) -> bool:
    """As access.require_task_maker: an organiser, or staff who write in the community."""
    return is_organiser(identity, community_id) or identity.can_write(community_id)


def _refused(task: Task, message) -> Conflict:
    """409: the task's status does not allow the move (the status named in the message and errors)."""
    return Conflict(message, {"status": task.status})


def _locked(task: Task) -> Task:
    """The task re-read as committed and locked until the transaction ends."""
    found = get_for_update(Task, task.id)
    if found is None:  # pragma: no cover - the caller found it in this tenant
        invalid("task_id", N_("No such task."))
    return found


def _check_wanted_by(value: date | None) -> None:
    if value is not None and value < local_today():
        invalid("wanted_by", N_("The date is in the past."))


def _check_phone(value: str | None) -> str | None:
    phone = (value or "").replace(" ", "")
    if not phone:
        return None
    if not PHONE.fullmatch(phone):
        invalid("requester_phone", N_("A mobile number (11 digits) or a landline with its area code (027-12345678)."))
    return phone


def existing(source: str, source_ref: int) -> Task | None:
    return db.session.scalar(select(Task).where(Task.source == source, Task.source_ref == source_ref))


# --- making tasks ----------------------------------------------------------------------------------


def create_task(community_id: int, data: dict, by: str) -> Task:
    """A task from a ticket (`source` "ticket", `ticket_id`) or a resident's request (`source`
    "request": requester's name and phone, what is needed). The community's alliance row is locked
    first, so the same ticket handed twice at once makes one task (the other: 409 naming it)."""
    source = data["source"]
    alliance.alliance_row(community_id, lock=True)
    _check_wanted_by(data.get("wanted_by"))
    values = {key: data.get(key) for key in EDITABLE}
    if source == "ticket":
        ticket_id = data.get("ticket_id")
        if ticket_id is None:
            invalid("ticket_id", N_("Name the ticket to hand to the alliance."))
        for key in ("requester_name", "requester_phone"):
            if data.get(key):
                invalid(key, N_("Only a resident's request has a requester: the ticket has its own."))
        ticket = ticket_summary(ticket_id)
        if ticket is None or ticket["community_id"] != community_id:
            invalid("ticket_id", N_("Does not exist in this community."))
        found = existing("ticket", ticket_id)
        if found is not None:
            message = N_("This ticket was handed to the alliance already: task #%(id)s (%(status)s).",
                         id=found.id, status=status_label(found.status))
            raise Conflict(message, {"json": {"ticket_id": [message]}})
        if ticket["status"] not in TICKET_OPEN:
            message = N_("The ticket is %(status)s: only an open ticket can be handed to the alliance.",
                         status=ticket_status_label(ticket["status"]))
            raise Conflict(message, {"json": {"ticket_id": [message]}})
        values["title"] = values["title"] or (ticket["title"] or "")[:100]
        task = Task(community_id=community_id, source="ticket", source_ref=ticket_id, **values)
    elif source == "request":
        if data.get("ticket_id") is not None:
            invalid("ticket_id", N_("A resident's request names no ticket: choose the source \"ticket\"."))
        if not data.get("requester_name"):
            invalid("requester_name", N_("Who asked for help?"))
        phone = _check_phone(data.get("requester_phone"))
        if phone is None:
            invalid("requester_phone", N_("A phone number to reach the resident who asked."))
        if not values["title"]:
            invalid("title", N_("Say in a few words what is needed."))
        task = Task(community_id=community_id, source="request", source_ref=None,
                    requester_name=data["requester_name"], requester_phone=phone, **values)
    else:
        invalid("source", N_("Tasks from care-visit referrals come from the care visits plugin."))
    task.status = "offered"
    task.created_by = by
    db.session.add(task)
    db.session.flush()
    return task


def update(task: Task, data: dict, by: str) -> Task:
    """Change what an offered task says (its skill, place, date, title, description): a referral's
    task arrives without a skill; the organiser sets it once the care worker told them."""
    task = _locked(task)
    if task.status != "offered":
        raise _refused(task, N_("The task is %(status)s: only an offered task can be changed.",
                                status=status_label(task.status)))
    if "wanted_by" in data:
        _check_wanted_by(data["wanted_by"])
    if "title" in data and not data["title"]:
        invalid("title", N_("Say in a few words what is needed."))
    for key in EDITABLE:
        if key in data:
            setattr(task, key, data[key])
    db.session.flush()
    return task


def from_referral(community_id: int, referral_id: int, actor: str | None) -> Task:
    """The task of a care-visit referral to the alliance (idempotent: the event may arrive twice).
    Written in the platform's language (zh_CN): the title and description are content, as typed."""
    alliance.alliance_row(community_id, lock=True)
    found = existing("care_referral", referral_id)
    if found is not None:
        return found
    worker = staff_names([actor])[actor] if actor else None
    with use_locale("zh_CN"):
        title = _("Care-visit referral #%(id)s", id=referral_id)
        if worker:
            description = _("A person the care workers look after needs help (see care-visit referral #%(id)s). "
                            "%(worker)s, who referred it, tells the details.", id=referral_id, worker=worker)
        else:
            description = _("A person the care workers look after needs help (see care-visit referral #%(id)s). "
                            "The care workers tell the details.", id=referral_id)
    task = Task(community_id=community_id, source="care_referral", source_ref=referral_id, title=title[:100],
                description=description[:1000], status="offered", created_by=actor or "system")
    db.session.add(task)
    db.session.flush()
    return task


def on_plugin_event(event) -> None:
    """care_visits.referral_opened to the body `volunteers` → a task (once per referral)."""
    if event.name != "care_visits.referral_opened":
        return
    data = event.data or {}
    if data.get("body") != CARE_BODY or event.community_id is None or event.object_id is None:
        return
    from_referral(event.community_id, int(event.object_id), event.actor)


# --- the moves -------------------------------------------------------------------------------------


def _member_for(task: Task, member: Member) -> Member:
    if member.community_id != task.community_id:
        invalid("member_id", N_("Not a member of this community's alliance."))
    if member.status != "active" or member.erased_at is not None:
        invalid("member_id", N_("This member has left the alliance."))
    if task.skill is not None:
        has = db.session.scalar(select(func.count()).select_from(MemberSkill).where(
            MemberSkill.member_id == member.id, MemberSkill.skill == task.skill))
        if not has:
            invalid("member_id", N_("This member does not have the skill the task needs: %(skill)s.",
                                    skill=vocab.label(vocab.SKILLS, task.skill)))
    return member


def accept(task: Task, member: Member, by: str) -> Task:
    """`member` takes the offered task (on their phone, or staff for them: they agreed by phone).
    Under the task's lock: of two members at once, one wins, the other gets 409 naming the status.
    422 on member_id: another community's member, one who left, one without the task's skill."""
    task = _locked(task)
    if "accepted" not in vocab.TASK_NEXT[task.status]:
        raise _refused(task, N_("The task is %(status)s: only an offered task can be accepted.",
                                status=status_label(task.status)))
    _member_for(task, member)
    task.status = "accepted"
    task.member_id = member.id
    task.accepted_at = _now()
    db.session.flush()
    services.emit(NAME, "task_accepted", task.community_id, task.id, actor=by, member_id=member.id,
                  source=task.source, source_ref=task.source_ref)
    return task


def give_up(task: Task, member: Member | None) -> Task:
    """The member who accepted the task gives it back: it is offered again (409 when the task is not
    accepted, or accepted by someone else). `member` None: staff give it back for whoever holds it."""
    task = _locked(task)
    if task.status != "accepted" or "offered" not in vocab.TASK_NEXT[task.status]:
        raise _refused(task, N_("The task is %(status)s: only an accepted task can be given up.",
                                status=status_label(task.status)))
    if member is not None and task.member_id != member.id:
        message = N_("Another member accepted this task.")
        raise Conflict(message, {"json": {"member_id": [message]}})
    task.status = "offered"
    task.member_id = None
    task.accepted_at = None
    db.session.flush()
    return task


def complete(task: Task, minutes: int, outcome: str, by: str, started_at: datetime | None = None) -> Task:
    """The accepted task is done: `minutes` of service (from `started_at`, by default `minutes` ago,
    to now) recorded for its member (records.add_record, confirmed by `by`); a ticket's task resolves
    the ticket with a note in its history when its state allows (else the ticket is left, and the
    task shows its status); `volunteers.task_done` tells the source's plugin (care_visits).
    Locks: the task, then (resolve_ticket) the ticket."""
    task = _locked(task)
    if "done" not in vocab.TASK_NEXT[task.status]:
        raise _refused(task, N_("The task is %(status)s: only an accepted task can be done.",
                                status=status_label(task.status)))
    if not outcome or not outcome.strip():
        invalid("outcome", N_("Say what was done."))
    if minutes is None or minutes < 1:
        invalid("minutes", N_("At least one minute of service."))
    ended_at = _now()
    if started_at is None:
        started_at = ended_at - timedelta(minutes=minutes)
    else:
        started_at = started_at.astimezone(UTC) if started_at.tzinfo else started_at.replace(tzinfo=UTC)
        if started_at >= ended_at:
            invalid("started_at", N_("The start must be before now."))
        if started_at < ended_at - timedelta(days=60):
            invalid("started_at", N_("The start is more than 60 days ago: enter the record by hand."))
        ended_at = min(ended_at, started_at + timedelta(minutes=minutes))
    member = db.session.get(Member, task.member_id)
    place = task.place or db.session.get(Community, task.community_id).name
    record = add_record(member, source="task", source_id=task.id, content=task.title, place=place,
                        started_at=started_at, ended_at=ended_at, minutes=minutes,
                        organiser=alliance.names(task.community_id)[0], confirmed_by=by)
    task.status = "done"
    task.done_at = _now()
    task.minutes = minutes
    task.outcome = outcome.strip()[:500]
    task.record_id = record.id
    db.session.flush()
    if task.source == "ticket" and task.source_ref is not None:
        resolve_ticket(task.source_ref, by, N_("Done by the volunteer alliance: %(outcome)s", outcome=task.outcome))
    services.emit(NAME, "task_done", task.community_id, task.id, actor=by, source=task.source,
                  source_ref=task.source_ref, minutes=minutes, outcome=task.outcome)
    return task


def cancel(task: Task, reason: str, by: str) -> Task:
    """The task will not be done (nobody can, the need went away): its reason kept as its outcome;
    `volunteers.task_cancelled` tells the source's plugin. 409 when done or cancelled already."""
    task = _locked(task)
    if "cancelled" not in vocab.TASK_NEXT[task.status]:
        raise _refused(task, N_("The task is %(status)s: it cannot be cancelled.", status=status_label(task.status)))
    if not reason or not reason.strip():
        invalid("reason", N_("Say why the task is cancelled."))
    task.status = "cancelled"
    task.outcome = reason.strip()[:500]
    task.done_at = _now()
    db.session.flush()
    services.emit(NAME, "task_cancelled", task.community_id, task.id, actor=by, source=task.source,
                  source_ref=task.source_ref, reason=task.outcome)
    return task


# --- reading ---------------------------------------------------------------------------------------


def list_query(community_id: int, args: dict):
    stmt = select(Task).where(Task.community_id == community_id)
    for key in ("status", "skill", "source"):
        if args.get(key):
            stmt = stmt.where(getattr(Task, key) == args[key])
    return stmt


def tasks_out(tasks, identity: Identity) -> list[dict]:
    """Tasks as the API and the console show them: labels, the member's name, the ticket's status
    (one query each for the page), the requester's phone masked unless the caller organises."""
    tasks = list(tasks)
    member_ids = {t.member_id for t in tasks if t.member_id}
    members = dict(db.session.execute(select(Member.id, Member.name).where(Member.id.in_(member_ids))).all()) \
        if member_ids else {}
    tickets = ticket_summaries([t.source_ref for t in tasks if t.source == "ticket" and t.source_ref])
    names = staff_names(sorted({t.created_by for t in tasks}))
    out = []
    for t in tasks:
        full = sees_requester(identity, t.community_id)
        ticket = tickets.get(t.source_ref) if t.source == "ticket" else None
        out.append({
            "id": t.id, "community_id": t.community_id, "source": t.source,
            "source_label": vocab.label(vocab.TASK_SOURCES, t.source), "source_ref": t.source_ref,
            "ticket": {"id": ticket["id"], "title": ticket["title"], "status": ticket["status"],
                       "status_label": ticket_status_label(ticket["status"])} if ticket else None,
            "title": t.title, "description": t.description, "skill": t.skill,
            "skill_label": vocab.label(vocab.SKILLS, t.skill) if t.skill else None, "place": t.place,
            "requester_name": t.requester_name,
            "requester_phone": t.requester_phone if full else mask_phone(t.requester_phone),
            "wanted_by": t.wanted_by, "status": t.status, "status_label": status_label(t.status),
            "member_id": t.member_id, "member_name": members.get(t.member_id), "accepted_at": t.accepted_at,
            "done_at": t.done_at, "minutes": t.minutes, "outcome": t.outcome, "record_id": t.record_id,
            "created_by": t.created_by, "created_by_name": names.get(t.created_by, t.created_by),
            "created_at": t.created_at, "next": sorted(vocab.TASK_NEXT[t.status]),
        })
    return out


def task_out(task: Task, identity: Identity) -> dict:
    return tasks_out([task], identity)[0]


# --- the ticket's page -----------------------------------------------------------------------------


def ticket_links(community_id: int, ticket_id: int) -> list[Link]:
    """On a ticket: its task (at the console the task's page, at the API the task), or — for those
    who may hand needs to the alliance, while the ticket is open — the console's form 交给服务联盟."""
    identity = current_identity()
    if identity is None or identity.is_operator or not identity.can_read(community_id):
        return []
    at_console = has_request_context() and request.path.startswith("/console/")
    task = existing("ticket", ticket_id)
    if task is not None:
        href = f"{CONSOLE}/tasks/{task.id}" if at_console else f"{API}/tasks/{task.id}"
        return [Link(f"volunteers_task:{task.id}", f"服务联盟任务 #{task.id}", f"Volunteer alliance task #{task.id}",
                     href)]
    if not at_console or not may_make_tasks(identity, community_id):
        return []
    ticket = ticket_summary(ticket_id)
    if ticket is None or ticket["status"] not in TICKET_OPEN:
        return []
    return [Link("volunteers_task:new", "交给服务联盟", "Hand to the volunteer alliance",
                 f"{CONSOLE}/tickets/{ticket_id}/task")]


# --- a requester's rights (for rights.py: the hooks get the resident's phone) ----------------------


def _requests_by_phone(phone: str) -> list[Task]:
    """The residents' requests whose requester's phone is `phone` (digits; a landline's dash
    ignored). The phone is Fernet ciphertext (no equality in SQL): the tenant's requests are read
    and compared here."""
    wanted = re.sub(r"\D", "", phone or "")
    if not wanted:
        return []
    rows = db.session.scalars(select(Task).where(Task.source == "request", Task.requester_phone.is_not(None))
                              .order_by(Task.id)).all()
    return [t for t in rows if re.sub(r"\D", "", t.requester_phone or "") == wanted]


def requester_data(phone: str) -> list[dict]:
    """What the alliance holds about a resident as a requester, for their copy of their data: one
    dict per request (plain values; their own name and phone in full)."""
    return [{"task_id": t.id, "title": t.title, "place": t.place, "requester_name": t.requester_name,
             "requester_phone": t.requester_phone, "status": status_label(t.status),
             "created_at": t.created_at.isoformat() if t.created_at else None}
            for t in _requests_by_phone(phone)]


def erase_requester(phone: str) -> int:
    """The resident's deletion was approved: their name and phone leave their requests (what was
    asked and done stays, without them: the members' service records refer to it). Returns how
    many requests were anonymised."""
    found = _requests_by_phone(phone)
    for task in found:
        task.requester_name = None
        task.requester_phone = None
    db.session.flush()
    return len(found)
