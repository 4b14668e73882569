"""The care register's rules: due dates, recording a visit (high risk → event, ticket), referrals,
plans, erasure. Views call these; the demo data and the benchmark too."""

from __future__ import annotations

import json
from calendar import monthrange
from datetime import UTC, date, datetime, timedelta

from flask_smorest import abort
from sqlalchemy import delete, select, update

from wuye_core.plugins import (
    Conflict,
    DomainError,
    Forbidden,
    Resident,
    db,
    get_for_update,
    invalid,
    open_ticket,
    record_audit,
    register_resident,
    services,
    use_locale,
)

from . import clock, vocab
from .access import NAME, WORKER, care_staff
from .i18n import N_, _
from .models import (
    CareBriefCase,
    CarePerson,
    CarePhoto,
    CarePlanItem,
    CareReferral,
    CareVisit,
    CareVisitAmendment,
)

PERSON_TEXT = ("health_details", "hardship_details", "id_number")
VISIT_TEXT = (
    "main_needs",
    "living_conditions",
    "mental_state",
    "hazards",
    "special_notes",
    "root_cause",
    "help_given",
    "recommendation",
    "followup_plan",
    "ticket_text",
)


def config(community_id: int) -> dict:
    return services.plugin_config(NAME, community_id) or {}


def interval_days(cfg: dict, level: str) -> int:
    return int(cfg.get(f"interval_{level.lower()}") or {"A": 30, "B": 90, "C": 180}[level])


def compute_due(person: CarePerson, cfg: dict, latest_followup: date | None = None) -> date | None:
    """When the next visit is due: the interval of the level after the last visit (or
    `first_visit_days` after registration), earlier if a follow-up plan named an earlier date."""
    if not person.active or not person.consent_visits or person.erased_at:
        return None
    if person.last_visit_on:
        due = person.last_visit_on + timedelta(days=interval_days(cfg, person.level))
    else:
        registered = clock.local_date(person.created_at or datetime.now(UTC))
        due = registered + timedelta(days=int(cfg.get("first_visit_days", 14)))
    if latest_followup and latest_followup < due:
        due = latest_followup
    return due


def _latest_followup(person_id: int) -> date | None:
    return db.session.scalar(
        select(CareVisit.next_visit_on)
        .where(CareVisit.person_id == person_id, CareVisit.outcome == "visited")
        .order_by(CareVisit.visited_on.desc(), CareVisit.id.desc())
        .limit(1)
    )


def refresh_due(person: CarePerson, cfg: dict | None = None) -> None:
    person.next_due_on = compute_due(person, cfg or config(person.community_id), _latest_followup(person.id))


def recompute_person(person: CarePerson, cfg: dict | None = None) -> None:
    """The person's derived state, from their visits: **the latest visit wins**. The latest is the
    visit (outcome `visited`) with the latest date, of two on one day the one recorded last; its
    date is `last_visit_on`, its risks `high_risk`, its follow-up date may bring `next_due_on`
    forward. A visit recorded late, dated before the latest, changes none of them; an amendment
    recomputes them all. Attempts (not at home, refused) move nothing."""
    latest = db.session.execute(
        select(CareVisit.visited_on, CareVisit.risk_health, CareVisit.risk_safety, CareVisit.risk_social)
        .where(CareVisit.person_id == person.id, CareVisit.outcome == "visited")
        .order_by(CareVisit.visited_on.desc(), CareVisit.id.desc())
        .limit(1)
    ).first()
    person.last_visit_on = latest.visited_on if latest else None
    person.high_risk = bool(latest) and "high" in (latest.risk_health, latest.risk_safety, latest.risk_social)
    refresh_due(person, cfg)


# --- register ---------------------------------------------------------------------------------


def apply_person(person: CarePerson, data: dict) -> None:
    for key in ("level", "active", "consent_visits", "consent_photos", "consent_recorded_on", *PERSON_TEXT):
        if key in data:
            setattr(person, key, data[key])
    if "difficulties" in data:
        person.difficulty_flags = vocab.to_flags(data["difficulties"], vocab.DIFFICULTIES)
    if "consent_sharing" in data:
        person.consent_sharing = sorted(set(data["consent_sharing"]))
    if "emergency_contacts" in data:
        person.emergency_contacts = json.dumps(data["emergency_contacts"], ensure_ascii=False)


def add_new_resident(community_id: int, data: dict) -> int:
    """The `new_resident` of a registration, into the core's housing register (the core's rules:
    `register_resident`); its errors named under `new_resident`. Commits nothing."""
    try:
        return register_resident(community_id, **{k: v for k, v in data.items() if v is not None})
    except DomainError as exc:
        fields_ = (exc.errors or {}).get("json")
        if isinstance(fields_, dict):
            exc.errors = {**exc.errors, "json": {"new_resident": fields_}}
        raise


def register_person(community_id: int, data: dict, identity, audit=None) -> CarePerson:
    """Put a resident on the care register (PersonIn): a registered one (`resident_id`), or a new
    one (`new_resident`: into the core's housing register first, by a care worker of the
    community only — 403 otherwise), in one transaction; emits `person_registered`. `audit(person)`
    is called before the commit (the view's access-log row, in the same transaction)."""
    if data.get("new_resident") is not None:  # into the core's register first, on the care worker's role
        if not identity.has_role(WORKER, community_id):
            raise Forbidden(N_("Only a care worker of this community may add a resident to the register."))
        data["resident_id"] = add_new_resident(community_id, data.pop("new_resident"))
    person = create_person(community_id, data)
    services.emit(NAME, "person_registered", community_id, person.id, actor=identity.username, level=person.level)
    if audit is not None:
        audit(person)
    services.commit()
    return person


def create_person(community_id: int, data: dict) -> CarePerson:
    resident = db.session.get(Resident, data["resident_id"])
    if resident is None or resident.community_id != community_id:
        abort(422, errors={"json": {"resident_id": [N_("Not a resident of this community.")]}})
    if db.session.scalar(select(CarePerson.id).where(CarePerson.resident_id == resident.id)):
        abort(409, message=N_("This resident is already on the care register."))
    person = CarePerson(community_id=community_id, resident_id=resident.id, created_at=datetime.now(UTC))
    apply_person(person, data)
    db.session.add(person)
    db.session.flush()
    refresh_due(person)
    return person


def check_alive(person: CarePerson) -> None:
    if person.erased_at is not None:
        abort(409, message=N_("This record was erased at the person's request."), errors={"status": "erased"})


# --- visits -----------------------------------------------------------------------------------


def wants_ticket(visit_high: bool, data: dict, cfg: dict) -> bool:
    want = data.get("open_ticket")
    if want is None:
        want = bool(cfg.get("ticket_on_high_risk"))
    return visit_high and bool(want)


def check_ticket_text(person: CarePerson, text: str | None) -> None:
    """A ticket goes to the property company, whose staff all see tickets: the care worker writes
    what it says (the hazard, not the person). Refused when missing, or when it names the person
    or gives their phone or ID number (what can be checked; the API doc says the rest)."""
    if not text:
        invalid("ticket_text", N_("Required when the visit opens a ticket: describe the hazard for the property "
                                  "company, without personal details."))
    resident = db.session.get(Resident, person.resident_id) if person.resident_id else None
    private = [person.id_number]
    if resident is not None:
        private += [resident.name if resident.name and len(resident.name) >= 2 else None, resident.phone]
    compact = text.replace(" ", "")
    if any(p and p.replace(" ", "") in compact for p in private):
        invalid("ticket_text", N_("Must not name the person, nor give their phone or ID number: the ticket goes to "
                                  "the property company."))


def record_visit(person: CarePerson, data: dict, actor: str, audit=None) -> CareVisit:
    """Save a visit; recompute the person's derived state (latest visit wins: `recompute_person`);
    close their open plan items; on a high risk, emit `care_visits.high_risk` and (if asked, or
    configured) open a ticket that says what the care worker wrote in `ticket_text` (required
    then). `audit(visit)`: called once the visit has its id, before the commit (a view's
    access-log row, in the same transaction). A ticket category the caller chose that is not the
    community's refuses the whole visit (422 on `ticket_category`); a refused ticket otherwise
    (the config's category) keeps the visit, with the reason in `ticket_error`."""
    check_alive(person)
    cfg = config(person.community_id)
    risky = "high" in (data.get("risk_health"), data.get("risk_safety"), data.get("risk_social"))
    want_ticket = wants_ticket(risky, data, cfg)
    if want_ticket:
        check_ticket_text(person, data.get("ticket_text"))
    visit = CareVisit(
        community_id=person.community_id,
        person_id=person.id,
        created_by=actor,
        created_at=datetime.now(UTC),
        need_flags=vocab.to_flags(data.get("needs", []), vocab.NEEDS),
        help_flags=vocab.to_flags(data.get("help", []), vocab.HELP),
    )
    for key in (
        "visited_on",
        "visitors",
        "outcome",
        "risk_health",
        "risk_safety",
        "risk_social",
        "next_visit_on",
        *VISIT_TEXT,
    ):
        setattr(visit, key, data.get(key))
    db.session.add(visit)
    db.session.flush()
    if visit.outcome == "visited":
        recompute_person(person, cfg)
        month_end = visit.visited_on.replace(day=monthrange(visit.visited_on.year, visit.visited_on.month)[1])
        db.session.execute(
            update(CarePlanItem)
            .where(
                CarePlanItem.person_id == person.id,
                CarePlanItem.status == "planned",
                CarePlanItem.due_on <= month_end,
            )
            .values(status="done", visit_id=visit.id)
        )
    if audit is not None:
        audit(visit)
    if visit.has_high_risk:
        _emit_high_risk(visit, actor)
    if want_ticket:
        _open_ticket(visit, person, cfg, actor, data.get("ticket_category"))
    services.commit()
    return visit


def _emit_high_risk(visit: CareVisit, actor: str) -> None:
    risks = [k for k in vocab.RISKS if getattr(visit, f"risk_{k}") == "high"]
    services.emit(NAME, "high_risk", visit.community_id, visit.id, actor=actor, person_id=visit.person_id,
                  risks=risks)


def _open_ticket(visit: CareVisit, person: CarePerson, cfg: dict, actor: str, category: str | None) -> None:
    """Tickets are seen by all staff: the ticket says what the care worker wrote for it
    (`ticket_text`, the hazard) and that a care visit found it, with the visit's number; nothing
    else of the visit (no name, no notes, no health). The household (for the address) is enough
    to send someone; the link back to the visit is shown to care staff only (wuye_ticket_links)."""
    resident = db.session.get(Resident, person.resident_id) if person.resident_id else None
    if resident is None:
        return
    hazard = visit.risk_safety == "high"
    text = visit.ticket_text or ""
    # The ticket's text, in the language of whoever recorded the visit (tickets store text).
    title = _("Care visit: %(text)s", text=text)
    if len(title) > 100:
        title = title[:99] + "…"
    description = text + "\n\n" + _("Opened from care visit #%(id)s (the visit record is visible to care staff "
                                      "only).", id=visit.id)
    savepoint = db.session.begin_nested()  # a refused ticket is rolled back alone: the visit stays
    try:
        ticket_id = open_ticket(
            person.community_id,
            site_id=resident.site_id,
            household_id=resident.household_id,
            title=title,
            description=description,
            category=category or cfg.get("ticket_category") or "其他",
            kind="repair" if hazard else "inquiry",
            priority="urgent" if hazard else "normal",
            channel="liaison_visit",
            actor=actor,
        )
        savepoint.commit()
        visit.ticket_id = ticket_id
    except DomainError as exc:
        savepoint.rollback()
        bad = ((exc.errors or {}).get("json") or {}).get("category")
        if category and bad:  # the care worker's choice: refuse the visit, naming their field
            raise DomainError(errors={"json": {"ticket_category": bad}}) from exc
        # e.g. the configured category is not the community's: keep the visit, say why
        visit.ticket_error = json.dumps(exc.errors or str(exc), ensure_ascii=False, default=str)[:300]


# --- amendments -------------------------------------------------------------------------------


def amendable_until(visit: CareVisit, cfg: dict | None = None) -> datetime | None:
    cfg = cfg if cfg is not None else config(visit.community_id)
    created = visit.created_at
    if created is None:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created + timedelta(days=int(cfg.get("amend_days", 7)))


def _visit_value(visit: CareVisit, key: str):
    if key == "needs":
        return vocab.from_flags(visit.need_flags, vocab.NEEDS)
    if key == "help":
        return vocab.from_flags(visit.help_flags, vocab.HELP)
    return getattr(visit, key)


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def check_amendable(visit: CareVisit, identity, supervisor: bool) -> dict:
    """Who may amend a visit and until when (both edges, before showing a form or changing it):
    its author or a care supervisor of its community (403 otherwise), within `amend_days` of its
    recording (409 after). Gives back the community's config."""
    if visit.created_by != identity.username and not supervisor:
        raise Forbidden(N_("Only the visit's author or a care supervisor may amend it."))
    cfg = config(visit.community_id)
    until = amendable_until(visit, cfg)
    if until is None or datetime.now(UTC) >= until:
        days = int(cfg.get("amend_days", 7))
        raise Conflict(
            N_("This visit can no longer be amended: visits can be amended for %(days)s days after they are "
               "recorded (until %(until)s, Beijing time). Record a new visit instead.",
               days=days, until=clock.local_date(until).isoformat() if until else "—"),
            errors={"status": "amend_window_closed"},
        )
    return cfg


def amend_visit(visit: CareVisit, person: CarePerson, data: dict, identity, supervisor: bool,
                audit=None) -> CareVisitAmendment:
    """更正走访记录: by the visit's author or a care supervisor of its community (403 otherwise),
    within `amend_days` of its recording (409 after), with a reason. Only the fields sent and
    different from the record change; each amendment keeps which fields, their values before and
    after, who, when and why (`care_visits_visit_amendments`), is in the access log (`audit`,
    same transaction) and in the core's audit trail (`care_visits.amended`, field names only).
    The person's derived state is recomputed (latest visit wins). No ticket is opened or changed:
    a ticket already sent is corrected on the ticket. `visit` and `person` locked by the caller."""
    check_alive(person)
    cfg = check_amendable(visit, identity, supervisor)
    reason = data.pop("reason")
    changes = {}
    for key, after in data.items():
        before = _visit_value(visit, key)
        if key in ("needs", "help"):
            after = sorted(set(after), key=list(vocab.NEEDS if key == "needs" else vocab.HELP).index)
        if before != after:
            changes[key] = {"before": _plain(before), "after": _plain(after)}
    if not changes:
        raise DomainError(N_("The amendment changes nothing: send the fields to correct, with their new values."),
                          errors={"json": {"reason": [N_("No field changes.")]}})
    visited_on = data.get("visited_on", visit.visited_on)
    next_visit_on = data.get("next_visit_on", visit.next_visit_on)
    if next_visit_on and next_visit_on < visited_on:
        invalid("next_visit_on", N_("The next visit cannot be before this one."))
    was_high = visit.has_high_risk
    for key in changes:
        if key == "needs":
            visit.need_flags = vocab.to_flags(data["needs"], vocab.NEEDS)
        elif key == "help":
            visit.help_flags = vocab.to_flags(data["help"], vocab.HELP)
        else:
            setattr(visit, key, data[key])
    amendment = CareVisitAmendment(
        community_id=visit.community_id,
        visit_id=visit.id,
        person_id=visit.person_id,
        changed_fields=sorted(changes),
        changes=json.dumps(changes, ensure_ascii=False),
        reason=reason,
        amended_by=identity.username,
        amended_by_id=identity.user_id,
        at=datetime.now(UTC),
    )
    db.session.add(amendment)
    db.session.flush()
    recompute_person(person, cfg)
    if audit is not None:
        audit(amendment)
    record_audit(NAME, "amended", target_type="visit", target_id=visit.id,
                 details={"fields": sorted(changes), "amendment": amendment.id})
    services.emit(NAME, "visit_amended", visit.community_id, visit.id, actor=identity.username,
                  person_id=visit.person_id, fields=sorted(changes))
    if visit.has_high_risk and not was_high:
        _emit_high_risk(visit, identity.username)
    services.commit()
    return amendment


def amendments_of(visit_id: int) -> list[dict]:
    rows = db.session.scalars(
        select(CareVisitAmendment).where(CareVisitAmendment.visit_id == visit_id).order_by(CareVisitAmendment.id)
    ).all()
    return [
        {
            "id": row.id,
            "at": row.at,
            "amended_by": row.amended_by,
            "reason": row.reason,
            "fields": row.changed_fields or [],
            "changes": json.loads(row.changes) if row.changes else None,
        }
        for row in rows
    ]


# --- referrals --------------------------------------------------------------------------------


def add_referral(visit: CareVisit, data: dict, actor: str, audit=None) -> CareReferral:
    """`audit(referral)`: as in record_visit, before the commit."""
    person = db.session.get(CarePerson, visit.person_id)
    check_alive(person)
    referral = CareReferral(
        community_id=visit.community_id,
        visit_id=visit.id,
        person_id=visit.person_id,
        body=data["body"],
        note=data.get("note"),
        status="open",
        created_by=actor,
        referred_on=data.get("referred_on") or visit.visited_on,
    )
    db.session.add(referral)
    db.session.flush()
    if audit is not None:
        audit(referral)
    services.emit(NAME, "referral_opened", visit.community_id, referral.id, actor=actor, body=referral.body)
    services.commit()
    return referral


def move_referral(referral: CareReferral, data: dict, actor: str) -> CareReferral:
    """`referral` locked (care_object(..., lock=True)): of two identical moves, the second sees
    the first's result and is refused, with the current status in errors.status."""
    if data["status"] not in vocab.REFERRAL_NEXT[referral.status]:
        abort(
            409,
            message=N_("A referral cannot go from %(before)s to %(after)s.",
                       before=vocab.label(vocab.REFERRAL_STATES, referral.status),
                       after=vocab.label(vocab.REFERRAL_STATES, data["status"])),
            errors={"status": referral.status},
        )
    _move_referral(referral, data, actor)
    services.commit()
    return referral


def _move_referral(referral: CareReferral, data: dict, actor: str | None) -> None:
    """The move itself (allowed by vocab.REFERRAL_NEXT, checked by the caller); commits nothing."""
    referral.status = data["status"]
    if data.get("outcome") is not None:
        referral.outcome = data["outcome"]
    if referral.status in ("resolved", "declined"):
        referral.closed_on = data.get("closed_on") or clock.today()
    services.emit(
        NAME, "referral_changed", referral.community_id, referral.id, actor=actor, status=referral.status
    )


# the alliance's task of a referral ended: its event → the referral's move and outcome
ALLIANCE_EVENTS = {"volunteers.task_done": "resolved", "volunteers.task_cancelled": "declined"}


def alliance_reported(event) -> bool:
    """`volunteers.task_done` (`task_cancelled`) of a task made from a referral to the alliance: the
    referral resolved (declined) with the alliance's outcome (reason), through the referral's move
    rules. Idempotent and quiet: a referral closed already (by a care worker, or by this event
    delivered before), erased, of another body or community is left as it is. Runs in the event's
    delivery (the core commits). The outcome is written in the platform's language (zh_CN), as the
    care workers' own outcomes are typed; it says what the alliance's organiser wrote, nothing more."""
    status = ALLIANCE_EVENTS.get(event.name)
    data = event.data or {}
    if status is None or data.get("source") != "care_referral" or data.get("source_ref") is None:
        return False
    referral = get_for_update(CareReferral, int(data["source_ref"]))
    if referral is None or referral.community_id != event.community_id or referral.body != "volunteers":
        return False
    if status not in vocab.REFERRAL_NEXT[referral.status]:
        return False
    person = db.session.get(CarePerson, referral.person_id)
    with use_locale("zh_CN"):
        if status == "resolved":
            minutes = data.get("minutes") or 0
            outcome = _("Done by the residents' service alliance: %(outcome)s (%(hours)s hours of service).",
                        outcome=data.get("outcome") or "", hours=f"{minutes / 60:.2f}".rstrip("0").rstrip("."))
        else:
            outcome = _("The residents' service alliance could not do it: %(reason)s", reason=data.get("reason") or "")
    erased = person is None or person.erased_at is not None
    _move_referral(referral, {"status": status, "outcome": None if erased else outcome}, event.actor)
    return True


# --- plans ------------------------------------------------------------------------------------


def assign_plan_item(item: CarePlanItem, assignee_id: int | None, audit) -> CarePlanItem:
    """指派走访人员 (`item` locked): only to a staff user holding a care role in its community
    (422 on assignee_id); None takes the assignment back. `audit(item)` commits the change with it."""
    if assignee_id is not None and not care_staff(assignee_id, item.community_id):
        invalid("assignee_id", N_("This user has no care role in this community."))
    item.assignee_id = assignee_id
    audit(item)
    return item


def period_bounds(period: str) -> tuple[date, date]:
    year, part = period.split("-")
    year = int(year)
    if part.startswith("Q"):
        first = (int(part[1]) - 1) * 3 + 1
        return date(year, first, 1), date(year, first + 2, monthrange(year, first + 2)[1])
    month = int(part)
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def generate_plan(community_id: int, period: str) -> int:
    """One plan item for each active, consenting person due by the end of the period (overdue ones
    included, due at once). Idempotent: an existing item for the person and period is kept."""
    start, end = period_bounds(period)
    cfg = config(community_id)
    # Locked in id order before the existing items are read: a second run at once waits here,
    # then finds this one's items (one item per person and period, however many ask).
    people = db.session.scalars(
        select(CarePerson).where(
            CarePerson.community_id == community_id,
            CarePerson.active.is_(True),
            CarePerson.erased_at.is_(None),
        ).order_by(CarePerson.id).with_for_update()
    ).all()
    have = set(
        db.session.scalars(
            select(CarePlanItem.person_id).where(
                CarePlanItem.community_id == community_id,
                CarePlanItem.period == period,
                CarePlanItem.kind == "regular",
            )
        ).all()
    )
    created = 0
    for person in people:
        refresh_due(person, cfg)  # the interval of the level may have changed in the config
        if person.next_due_on is None or person.next_due_on > end or person.id in have:
            continue
        db.session.add(
            CarePlanItem(
                community_id=community_id,
                person_id=person.id,
                period=period,
                kind="regular",
                due_on=max(person.next_due_on, start),
                status="planned",
            )
        )
        created += 1
    db.session.commit()
    return created


def weather_round(community_id: int, levels: list[str], reason: str, due_on: date, actor: str) -> int:
    """An extra round (极端天气) for the chosen levels, triggered by staff."""
    period = f"weather-{due_on.isoformat()}"
    people = db.session.scalars(
        select(CarePerson).where(
            CarePerson.community_id == community_id,
            CarePerson.active.is_(True),
            CarePerson.erased_at.is_(None),
            CarePerson.consent_visits.is_(True),
            CarePerson.level.in_(levels),
        ).order_by(CarePerson.id).with_for_update()  # as in generate_plan: one item per person and round
    ).all()
    have = set(
        db.session.scalars(
            select(CarePlanItem.person_id).where(
                CarePlanItem.community_id == community_id,
                CarePlanItem.period == period,
                CarePlanItem.kind == "weather",
            )
        ).all()
    )
    created = 0
    for person in people:
        if person.id in have:
            continue
        db.session.add(
            CarePlanItem(
                community_id=community_id,
                person_id=person.id,
                period=period,
                kind="weather",
                reason=reason,
                due_on=due_on,
                status="planned",
            )
        )
        created += 1
    services.emit(
        NAME,
        "weather_round",
        community_id,
        None,
        actor=actor,
        levels=sorted(levels),
        reason=reason,
        due_on=due_on.isoformat(),
        people=created,
    )
    services.commit()
    return created


# --- erasure ----------------------------------------------------------------------------------


def erase_person(person: CarePerson) -> None:
    """删除个人关爱数据 on the person's request: personal texts, contacts, photos and the link to the
    resident go; counts-only fields (dates, levels, risk levels) stay for the statistics; the
    access log is kept whole."""
    check_alive(person)
    erase_person_data(person)
    services.commit()


def erase_person_data(person: CarePerson) -> None:
    """The erasure itself, committing nothing: `erase_person` (a care supervisor's) and the core's
    hook `wuye_resident_erase` (a resident's deletion request approved, rights.py) both call it."""
    for key in PERSON_TEXT:
        setattr(person, key, None)
    person.emergency_contacts = None
    person.consent_sharing = []
    person.resident_id = None
    person.active = False
    person.next_due_on = None
    person.erased_at = datetime.now(UTC)
    visit_ids = select(CareVisit.id).where(CareVisit.person_id == person.id).scalar_subquery()
    db.session.execute(
        update(CareVisit)
        .where(CareVisit.person_id == person.id)
        .values(**{k: None for k in VISIT_TEXT}, visitors="—"),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(CareReferral).where(CareReferral.person_id == person.id).values(note=None, outcome=None),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(CareVisitAmendment).where(CareVisitAmendment.person_id == person.id).values(changes=None, reason=None),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(CarePhoto).where(CarePhoto.visit_id.in_(visit_ids)),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(CarePlanItem).where(CarePlanItem.person_id == person.id, CarePlanItem.status == "planned"),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(  # the lead's case texts about the person (an issued brief's file keeps its anonymised copy)
        delete(CareBriefCase).where(CareBriefCase.person_id == person.id),
        execution_options={"synchronize_session": False},
    )
    services.emit(NAME, "person_erased", person.community_id, person.id)
