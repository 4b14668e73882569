"""成员: the alliance's members — register, change, leave and rejoin, list, one member's file — and
their skills.

A member's phone is required (11-digit mainland mobile) and identifies them in the community: one
member per phone, checked under the community's alliance row lock (`alliance_row(lock=True)`)
against the community's phones, decrypted (a few hundred): two clerks registering the same person
at once get one member and a 409. The ID number is optional (18 characters, check digit verified;
it gives the gender). A serving party member (在职党员) needs the party organisation of their
workplace and the day they reported to the community. A member may be linked to their row in
the housing register (`resident_id`, of the same community): the residents' rights reach the
member through it (rights.py).

Skills: `skills` replaces the member's set as a whole (each skill once, with its level). A
skill's confirmation (`confirmed_on`, by a training or the manager) is kept while its level is not
raised; `confirmed: true` confirms it today (the manager), `false` takes the confirmation back.
Trainings confirm with `confirm_skill`.

Who sees what (access.py): the manager everything; organisers the list and a member's file with
the phone only where the member consented to be contacted, the ID number always masked.
Changes to a file are recorded in the core's audit trail (`volunteers.amended`, the fields named).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from sqlalchemy import String, cast, delete, exists, func, or_, select

from wuye_core.plugins import (
    LOCAL_TZ,
    Building,
    Conflict,
    DomainError,
    Household,
    Identity,
    Resident,
    Site,
    Unit,
    db,
    get_for_update,
    local_today,
    mask_id_card,
    mask_phone,
    record_audit,
    staff_names,
)

from . import vocab
from .access import NAME, is_manager, sees_contact
from .alliance import alliance_row
from .i18n import N_
from .models import Member, MemberSkill, ServiceRecord, Team, TeamMember

FIELDS = ("name", "kind", "phone", "id_number", "resident_id", "registry_number", "party_org", "party_org_contact",
          "party_reported_on", "profession", "availability", "consent_contact", "consent_on", "joined_on", "note")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECKS = "10X98765432"
PHONE = re.compile(r"1[3-9]\d{9}")
ERASED_NAME = "已删除"


def conflict(field: str, message) -> Conflict:
    return Conflict(message, {"json": {field: [message]}})


# --- checks ----------------------------------------------------------------------------------------


def id_number_problem(number: str) -> object | None:
    """Why an ID number is not a mainland 18-character one (its form, check digit, birth date), or None."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return N_("An ID number has 17 digits and a check digit (a digit or X).")
    if CHECKS[sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True)) % 11] != number[17]:
        return N_("Not a valid ID-card number.")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > local_today():
        return N_("The ID number holds no possible birth date.")
    return None


def gender_of(number: str | None) -> str | None:
    """male / female from an ID number's 17th digit (odd: male); None without one."""
    return ("male" if int(number[16]) % 2 else "female") if number else None


def problems(community_id: int, values: dict) -> dict[str, list]:
    """Every field of a member's values that the rules refuse, with why (messages, English msgids):
    the same checks for the API, the console's form and each row of an import."""
    out: dict[str, list] = {}

    def add(field, message):
        out.setdefault(field, []).append(message)

    today = local_today()
    if not (values.get("name") or "").strip():
        add("name", N_("Give the member's name."))
    if values.get("kind") not in vocab.MEMBER_KINDS:
        add("kind", N_("Not a kind of member."))
    phone = values.get("phone") or ""
    if not PHONE.fullmatch(phone):
        add("phone", N_("A mobile number has 11 digits and starts with 13–19."))
    if values.get("id_number"):
        problem = id_number_problem(values["id_number"])
        if problem is not None:
            add("id_number", problem)
    if values.get("resident_id") is not None:
        resident = db.session.get(Resident, values["resident_id"])
        if resident is None or resident.community_id != community_id:
            add("resident_id", N_("No such resident lives in this community."))
    if values.get("kind") == "party_member":
        if not (values.get("party_org") or "").strip():
            add("party_org", N_("A serving party member needs the party organisation of their workplace."))
        if values.get("party_reported_on") is None:
            add("party_reported_on", N_("Give the day the party member reported to the community."))
    for field in ("party_reported_on", "joined_on", "consent_on"):
        if values.get(field) is not None and values[field] > today:
            add(field, N_("This day has not come yet."))
    unknown = [code for code in values.get("availability") or [] if code not in vocab.AVAILABILITY]
    if unknown:
        add("availability", N_("Not a time to serve: %(codes)s.", codes=", ".join(unknown)))
    seen: set[str] = set()
    for entry in values.get("skills") or []:
        if entry["skill"] not in vocab.SKILLS or entry.get("level", "basic") not in vocab.SKILL_LEVELS:
            add("skills", N_("Not a skill or level: %(skill)s.", skill=entry["skill"]))
        elif entry["skill"] in seen:
            add("skills", N_("%(skill)s is listed twice.", skill=vocab.label(vocab.SKILLS, entry["skill"])))
        seen.add(entry["skill"])
    return out


def normalised(values: dict) -> dict:
    """Values as stored: text trimmed, the ID number upper-case, the availability once each in the
    vocabulary's order, the consent's day only with a consent (today by default), joined today
    by default; party fields only for party members."""
    out = dict(values)
    for key in ("name", "phone", "registry_number", "party_org", "party_org_contact", "profession", "note"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip() or None
    out["id_number"] = (out.get("id_number") or "").strip().upper() or None
    chosen = set(out.get("availability") or [])
    out["availability"] = [code for code in vocab.AVAILABILITY if code in chosen]
    out["consent_contact"] = bool(out.get("consent_contact"))
    if out["consent_contact"]:
        out["consent_on"] = out.get("consent_on") or local_today()
    else:
        out["consent_on"] = None
    out["joined_on"] = out.get("joined_on") or local_today()
    return out


def refuse(found: dict[str, list]) -> None:
    """422 naming every refused field."""
    if found:
        raise DomainError(None, {"json": found})


def phones(community_id: int, exclude: int | None = None) -> dict[str, int]:
    """{phone: member id} of the community's members (left ones too; erased ones have none),
    decrypted in one query of two columns."""
    rows = db.session.execute(select(Member.id, Member.phone).where(
        Member.community_id == community_id, Member.phone.is_not(None), Member.id != (exclude or 0))).all()
    return {phone: member_id for member_id, phone in rows if phone}


DUPLICATE = N_("A member with this phone number is registered in this community already.")


# --- writing ---------------------------------------------------------------------------------------


def _apply(member: Member, values: dict) -> None:
    for key in FIELDS:
        setattr(member, key, values.get(key))
    member.gender = gender_of(member.id_number)


def set_skills(member: Member, entries: list[dict], actor: str, existing: dict | None = None) -> list[str]:
    """Replace the member's skills by `entries` ({skill, level, confirmed?}); returns the skills
    that changed (added, removed, level or confirmation changed). `existing`: {} for a new member."""
    today = local_today()
    if existing is None:
        existing = {s.skill: s for s in db.session.scalars(select(MemberSkill)
                                                           .where(MemberSkill.member_id == member.id))}
    wanted = {entry["skill"]: entry for entry in entries}
    changed = []
    for skill, row in existing.items():
        if skill not in wanted:
            db.session.delete(row)
            changed.append(skill)
    for skill, entry in wanted.items():
        level, confirmed = entry.get("level") or "basic", entry.get("confirmed")
        row = existing.get(skill)
        if row is None:
            row = MemberSkill(community_id=member.community_id, member_id=member.id, skill=skill, level=level)
            db.session.add(row)
            if confirmed:
                row.confirmed_on, row.confirmed_by = today, actor
            changed.append(skill)
            continue
        before, old_level = (row.level, row.confirmed_on), row.level
        row.level = level
        if confirmed is True:
            if row.confirmed_on is None or old_level != level:  # confirmed now, at this level
                row.confirmed_on, row.confirmed_by, row.confirmed_by_training_id = today, actor, None
        elif confirmed is False or vocab.LEVEL_ORDER.index(level) > vocab.LEVEL_ORDER.index(old_level):
            row.confirmed_on = row.confirmed_by = row.confirmed_by_training_id = None
        if before != (row.level, row.confirmed_on):
            changed.append(skill)
    db.session.flush()
    return changed


def confirm_skill(member: Member, skill: str, level: str, on: date, by: str,
                  training_id: int | None = None) -> MemberSkill:
    """A training (or the manager) confirms `skill` at `level` for the member: the skill is added,
    or raised to `level` (never lowered), and marked confirmed on `on` (flushed)."""
    row = db.session.scalar(select(MemberSkill).where(MemberSkill.member_id == member.id, MemberSkill.skill == skill))
    if row is None:
        row = MemberSkill(community_id=member.community_id, member_id=member.id, skill=skill, level=level)
        db.session.add(row)
    elif vocab.LEVEL_ORDER.index(level) > vocab.LEVEL_ORDER.index(row.level):
        row.level = level
    row.confirmed_on, row.confirmed_by, row.confirmed_by_training_id = on, by, training_id
    db.session.flush()
    return row


def register_member(community_id: int, data: dict, actor: str, known_phones: dict | None = None) -> Member:
    """A new member (AllianceMemberIn's fields), under the alliance's lock: 422 naming every
    refused field, 409 naming `phone` when the phone is a member's already. `known_phones`: the
    community's phones read once by the caller (an import), kept up to date here."""
    if known_phones is None:
        alliance_row(community_id, lock=True)
    values = normalised({key: data.get(key) for key in (*FIELDS, "skills")})
    refuse(problems(community_id, values))
    taken = phones(community_id) if known_phones is None else known_phones
    if values["phone"] in taken:
        raise conflict("phone", DUPLICATE)
    member = Member(community_id=community_id, created_by=actor, status="active")
    _apply(member, values)
    db.session.add(member)
    db.session.flush()
    set_skills(member, values.get("skills") or [], actor, existing={})
    taken[values["phone"]] = member.id
    return member


def _erased(member: Member) -> None:
    if member.erased_at is not None:
        raise conflict("member_id", N_("This member's data were erased."))


def update_member(member: Member, data: dict, actor: str) -> Member:
    """Change some fields of a member's file (PATCH), checked as a whole under the alliance's lock;
    `skills`, when given, replaces the set. The changed fields go to the audit trail (not their
    values). 409 for an erased member or a phone that is another member's."""
    _erased(member)
    alliance_row(member.community_id, lock=True)
    member = get_for_update(Member, member.id)
    current = {key: getattr(member, key) for key in FIELDS}
    values = dict(current)
    values.update({key: value for key, value in data.items() if key in FIELDS})
    values["skills"] = data.get("skills") or []
    values = normalised(values)
    refuse(problems(member.community_id, values))
    if values["phone"] != current["phone"] and values["phone"] in phones(member.community_id, exclude=member.id):
        raise conflict("phone", DUPLICATE)
    changed = [key for key in FIELDS if values.get(key) != current[key]]
    _apply(member, values)
    if "skills" in data and set_skills(member, values["skills"], actor):
        changed.append("skills")
    if changed:
        record_audit(NAME, "amended", target_type="member", target_id=member.id, details={"fields": changed})
    db.session.flush()
    return member


def leave(member: Member, left_on: date | None, actor: str) -> Member:
    """The member leaves the alliance (status left, `left_on`, default today): not before they
    joined nor after today (422 naming `left_on`); 409 naming `status` if they left already. They
    leave their teams too (a team they led has no leader until another is chosen)."""
    _erased(member)
    member = get_for_update(Member, member.id)
    if member.status == "left":
        raise conflict("status", N_("This member has left the alliance already."))
    left_on = left_on or local_today()
    if left_on < member.joined_on:
        refuse({"left_on": [N_("A member cannot leave before the day they joined (%(day)s).",
                               day=member.joined_on.isoformat())]})
    if left_on > local_today():
        refuse({"left_on": [N_("This day has not come yet.")]})
    member.status, member.left_on = "left", left_on
    for team in db.session.scalars(select(Team).where(Team.leader_member_id == member.id)):
        team.leader_member_id = None
    db.session.execute(delete(TeamMember).where(TeamMember.member_id == member.id)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    return member


def rejoin(member: Member, actor: str) -> Member:
    """A member who left is active again (their joining day stays; 409 naming `status` if active)."""
    _erased(member)
    member = get_for_update(Member, member.id)
    if member.status != "left":
        raise conflict("status", N_("This member is active."))
    member.status, member.left_on = "active", None
    db.session.flush()
    return member


# --- reading ---------------------------------------------------------------------------------------


def _phone_matches(community_id: int, digits: str) -> list[int]:
    return [member_id for phone, member_id in phones(community_id).items() if digits in phone]


def list_query(community_id: int, args: dict, identity: Identity | None = None):
    """The members matching the list's filters (q: the name; for the manager, 4–11 digits also
    find phones holding them)."""
    stmt = select(Member).where(Member.community_id == community_id)
    q = (args.get("q") or "").strip()
    if q:
        by_name = Member.name.like(f"%{q}%")
        if re.fullmatch(r"\d{4,11}", q) and identity is not None and is_manager(identity, community_id):
            stmt = stmt.where(or_(by_name, Member.id.in_(_phone_matches(community_id, q))))
        else:
            stmt = stmt.where(by_name)
    if args.get("kind"):
        stmt = stmt.where(Member.kind == args["kind"])
    if args.get("status"):
        stmt = stmt.where(Member.status == args["status"])
    if args.get("consent") is not None:
        stmt = stmt.where(Member.consent_contact.is_(args["consent"]))
    if args.get("skill"):
        stmt = stmt.where(exists().where(MemberSkill.member_id == Member.id, MemberSkill.skill == args["skill"]))
    if args.get("team_id"):
        stmt = stmt.where(exists().where(TeamMember.member_id == Member.id, TeamMember.team_id == args["team_id"]))
    if args.get("availability"):
        # a JSON list of a handful of codes: matched on its text, the same on both databases
        stmt = stmt.where(cast(Member.availability, String).like(f'%"{args["availability"]}"%'))
    return stmt


def skills_of(member_ids) -> dict[int, list[MemberSkill]]:
    ids = list(member_ids)
    out: dict[int, list[MemberSkill]] = {i: [] for i in ids}
    if ids:
        for row in db.session.scalars(select(MemberSkill).where(MemberSkill.member_id.in_(ids))):
            out[row.member_id].append(row)
    order = list(vocab.SKILLS)
    for rows in out.values():
        rows.sort(key=lambda s: order.index(s.skill) if s.skill in order else len(order))
    return out


def teams_of(member_ids) -> dict[int, list[dict]]:
    ids = list(member_ids)
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        rows = db.session.execute(select(TeamMember.member_id, Team.id, Team.name, Team.leader_member_id)
                                  .join(Team, Team.id == TeamMember.team_id)
                                  .where(TeamMember.member_id.in_(ids)).order_by(Team.name, Team.id)).all()
        for member_id, team_id, name, leader in rows:
            out[member_id].append({"id": team_id, "name": name, "leader": leader == member_id})
    return out


def skill_out(row: MemberSkill) -> dict:
    return {"skill": row.skill, "skill_label": vocab.label(vocab.SKILLS, row.skill), "level": row.level,
            "level_label": vocab.label(vocab.SKILL_LEVELS, row.level), "confirmed_on": row.confirmed_on,
            "confirmed_by_training_id": row.confirmed_by_training_id}


def member_row(member: Member, identity: Identity, skills: list[MemberSkill], teams: list[dict]) -> dict:
    return {
        "id": member.id, "community_id": member.community_id, "name": member.name, "kind": member.kind,
        "kind_label": vocab.label(vocab.MEMBER_KINDS, member.kind), "gender": member.gender,
        "phone": member.phone if sees_contact(identity, member) else None, "phone_masked": mask_phone(member.phone),
        "status": member.status, "status_label": vocab.label(vocab.MEMBER_STATUSES, member.status),
        "joined_on": member.joined_on, "left_on": member.left_on, "consent_contact": member.consent_contact,
        "availability": list(member.availability or []), "party_org": member.party_org,
        "skills": [skill_out(s) for s in skills], "teams": teams, "erased": member.erased_at is not None,
    }


def members_out(members: list[Member], identity: Identity) -> list[dict]:
    """A page of members with their skills and teams: three queries, whatever the page's size."""
    ids = [m.id for m in members]
    skills, teams = skills_of(ids), teams_of(ids)
    return [member_row(m, identity, skills[m.id], teams[m.id]) for m in members]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The Beijing calendar year as [start, end) instants."""
    return (datetime.combine(date(year, 1, 1), time(), tzinfo=LOCAL_TZ),
            datetime.combine(date(year + 1, 1, 1), time(), tzinfo=LOCAL_TZ))


def year_minutes(member_ids, year: int | None = None) -> dict[int, int]:
    """{member id: minutes of service records started in the (Beijing) year}: one grouped query."""
    ids = list(member_ids)
    if not ids:
        return {}
    start, end = year_bounds(year or local_today().year)
    rows = db.session.execute(select(ServiceRecord.member_id, func.sum(ServiceRecord.minutes)).where(
        ServiceRecord.member_id.in_(ids), ServiceRecord.started_at >= start, ServiceRecord.started_at < end)
        .group_by(ServiceRecord.member_id)).all()
    return {member_id: int(total or 0) for member_id, total in rows}


def service_sums(member_id: int) -> dict:
    count, total = db.session.execute(select(func.count(ServiceRecord.id), func.sum(ServiceRecord.minutes))
                                      .where(ServiceRecord.member_id == member_id)).one()
    recent = db.session.scalars(select(ServiceRecord).where(ServiceRecord.member_id == member_id)
                                .order_by(ServiceRecord.started_at.desc(), ServiceRecord.id.desc()).limit(10)).all()
    return {"records": int(count or 0), "total_minutes": int(total or 0),
            "year_minutes": year_minutes([member_id]).get(member_id, 0),
            "recent": [{"id": r.id, "content": r.content, "place": r.place, "started_at": r.started_at,
                        "minutes": r.minutes, "organiser": r.organiser} for r in recent]}


def where_they_live(resident_id: int | None) -> str | None:
    """小区 1栋 1-101: the resident's home in the register."""
    resident = db.session.get(Resident, resident_id) if resident_id is not None else None
    if resident is None:
        return None
    site = db.session.get(Site, resident.site_id)
    building = db.session.get(Building, resident.building_id)
    household = db.session.get(Household, resident.household_id)
    unit = db.session.get(Unit, household.unit_id) if household else None
    room = (f"{unit.entrance}-{unit.number}" if unit.entrance else unit.number) if unit else ""
    return " ".join(part for part in (site.name if site else "", building.name if building else "", room) if part)


def member_detail(member: Member, identity: Identity) -> dict:
    """A member's file: the manager sees it whole; an organiser the phone only with the member's
    consent, the ID number masked, not where they live."""
    out = members_out([member], identity)[0]
    manager = is_manager(identity, member.community_id)
    out.update(
        masked=not manager, id_number=member.id_number if manager else None,
        id_number_masked=mask_id_card(member.id_number), resident_id=member.resident_id,
        resident_where=where_they_live(member.resident_id) if manager else None,
        registry_number=member.registry_number, party_org_contact=member.party_org_contact,
        party_reported_on=member.party_reported_on, profession=member.profession, consent_on=member.consent_on,
        note=member.note, created_by=member.created_by,
        created_by_name=staff_names([member.created_by])[member.created_by], service=service_sums(member.id))
    return out


def active_members(community_id: int, exclude_team: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the community's active members by name, for a form's choice (not those in
    `exclude_team`)."""
    stmt = select(Member.id, Member.name).where(Member.community_id == community_id, Member.status == "active")
    if exclude_team is not None:
        stmt = stmt.where(~exists().where(TeamMember.member_id == Member.id, TeamMember.team_id == exclude_team))
    return [(i, n) for i, n in db.session.execute(stmt.order_by(Member.name, Member.id)).all()]
