"""The care lists as both edges show them (the API's routes and the console's pages): which rows a
filter selects, and each row as a reader may see it (names and phones masked, as in every list).
One copy of each query: a filter added here is the same in the API and in the console."""

from __future__ import annotations

import json

from sqlalchemy import func, or_, select

from wuye_core.plugins import Resident, db, get_for_update, invalid, services

from . import clock, vocab
from .access import mask_name, mask_phone
from .i18n import N_
from .models import CarePerson, CarePlanItem, CareReferral, CareVisit

PLAN_FIELDS = ("id", "community_id", "person_id", "period", "kind", "reason", "due_on", "assignee_id", "status",
               "visit_id")


def residents(ids) -> dict[int, Resident]:
    """The residents of these ids, one query."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(select(Resident).where(Resident.id.in_(ids))).all()}


def person_summary(person: CarePerson, resident: Resident | None) -> dict:
    """A person as a list shows them: masked name and phone, level, dates, flags."""
    return {
        "id": person.id,
        "community_id": person.community_id,
        "resident_id": person.resident_id,
        "name_masked": mask_name(resident.name) if resident else None,
        "phone_masked": mask_phone(resident.phone) if resident else None,
        "difficulties": vocab.from_flags(person.difficulty_flags, vocab.DIFFICULTIES),
        "level": person.level,
        "active": person.active,
        "last_visit_on": person.last_visit_on,
        "next_due_on": person.next_due_on,
        "overdue": bool(person.next_due_on and person.next_due_on < clock.today()),
        "high_risk": person.high_risk,
        "erased": person.erased_at is not None,
    }


def person_detail(person: CarePerson) -> dict:
    resident = db.session.get(Resident, person.resident_id) if person.resident_id else None
    out = person_summary(person, resident)
    out.update(
        {
            "name": resident.name if resident else None,
            "phone": resident.phone if resident else None,
            "household_id": resident.household_id if resident else None,
            "id_number": person.id_number or (services.mask_id_card(resident.id_card) if resident else None),
            "health_details": person.health_details,
            "hardship_details": person.hardship_details,
            "emergency_contacts": json.loads(person.emergency_contacts) if person.emergency_contacts else [],
            "consent_visits": person.consent_visits,
            "consent_photos": person.consent_photos,
            "consent_sharing": person.consent_sharing or [],
            "consent_recorded_on": person.consent_recorded_on,
        }
    )
    return out


def people_query(community_id: int, args: dict):
    """The register of a community (erased records left out), by level, difficulty, overdue."""
    stmt = select(CarePerson).where(CarePerson.community_id == community_id, CarePerson.erased_at.is_(None))
    if args.get("level"):
        stmt = stmt.where(CarePerson.level == args["level"])
    if args.get("difficulty"):
        bit = vocab.to_flags([args["difficulty"]], vocab.DIFFICULTIES)
        stmt = stmt.where(CarePerson.difficulty_flags.op("&")(bit) != 0)
    if args.get("overdue") is not None:
        late = CarePerson.next_due_on < clock.today()
        stmt = stmt.where(late if args["overdue"] else ~late | CarePerson.next_due_on.is_(None))
    return stmt


def people_out(people) -> list[dict]:
    found = residents(p.resident_id for p in people)
    return [person_summary(p, found.get(p.resident_id)) for p in people]


def plans_query(community_id: int, args: dict):
    """A community's plan items, by period, status, overdue (planned and due before today)."""
    stmt = select(CarePlanItem).where(CarePlanItem.community_id == community_id)
    if args.get("period"):
        stmt = stmt.where(CarePlanItem.period == args["period"])
    if args.get("status"):
        stmt = stmt.where(CarePlanItem.status == args["status"])
    if args.get("overdue"):
        stmt = stmt.where(CarePlanItem.status == "planned", CarePlanItem.due_on < clock.today())
    return stmt


def plan_items_out(items) -> list[dict]:
    """Plan items with their person's masked name and level (two queries for the whole page)."""
    people = ({p.id: p for p in db.session.scalars(
        select(CarePerson).where(CarePerson.id.in_({i.person_id for i in items}))).all()} if items else {})
    found = residents(p.resident_id for p in people.values())
    today = clock.today()
    out = []
    for item in items:
        person = people.get(item.person_id)
        resident = found.get(person.resident_id) if person else None
        out.append({
            **{k: getattr(item, k) for k in PLAN_FIELDS},
            "name_masked": mask_name(resident.name) if resident else None,
            "level": person.level if person else None,
            "overdue": item.status == "planned" and item.due_on < today,
        })
    return out


def visits_query(community_id: int, args: dict):
    """A community's visits, by person, dates and high risk."""
    stmt = select(CareVisit).where(CareVisit.community_id == community_id)
    if args.get("person_id"):
        stmt = stmt.where(CareVisit.person_id == args["person_id"])
    if args.get("date_from"):
        stmt = stmt.where(CareVisit.visited_on >= args["date_from"])
    if args.get("date_to"):
        stmt = stmt.where(CareVisit.visited_on <= args["date_to"])
    if args.get("high_risk"):
        stmt = stmt.where(or_(*(getattr(CareVisit, f"risk_{k}") == "high" for k in vocab.RISKS)))
    return stmt


def person_to_visit(community_id: int, person_id: int) -> CarePerson:
    """The person a new visit is for, locked (their last visit and due date move); 422 naming
    `person_id` when they are not on this community's register."""
    person = get_for_update(CarePerson, person_id)
    if person is None or person.community_id != community_id:
        invalid("person_id", N_("Not on this community's care register."))
    return person


def count(stmt):
    """A statement counting the rows `stmt` selects."""
    return select(func.count()).select_from(stmt.order_by(None).subquery())


def referrals_query(community_id: int, args: dict):
    """The community's referrals (both edges): `status`, or `open` (open or accepted)."""
    stmt = select(CareReferral).where(CareReferral.community_id == community_id)
    if "status" in args:
        stmt = stmt.where(CareReferral.status == args["status"])
    if args.get("open"):
        stmt = stmt.where(CareReferral.status.in_(("open", "accepted")))
    return stmt
