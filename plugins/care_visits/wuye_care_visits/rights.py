"""A resident's rights over what the care register holds about them (core hooks
`wuye_resident_personal_data` and `wuye_resident_erase`, API 1.10): their copy, and the erasure
when the tenant approves their deletion request.

The copy gives the person their own record in full — difficulties, level, consents, the health
and hardship notes, every visit's findings and assessments, referrals — with the ID number
masked (it travels over the web) and without other people's data: the visitors are staff, and
the emergency contacts are other people (the copy says how many are recorded). Photos are
counted, not sent. The access log (who opened the record) is the tenant's control, not the
person's data, and stays out.

The erasure is the supervisor's "erase" (service.erase_person_data): the texts, contacts, photos
and the link to the register go, the counts stay; records erased before are left as they are.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from wuye_core.plugins import PersonalDataSection, db, mask_id_card

from . import service, vocab
from .models import CarePerson, CarePhoto, CareReferral, CareVisit

VISIT_FIELDS = {
    "visited_on": ("走访日期", "Visited on"), "outcome": ("结果", "Outcome"), "needs": ("主要诉求", "Needs"),
    "help": ("帮扶措施", "Help given (kinds)"), "main_needs": ("诉求说明", "Needs, in words"),
    "living_conditions": ("居住情况", "Living conditions"), "mental_state": ("精神状态", "Mental state"),
    "hazards": ("安全隐患", "Hazards"), "special_notes": ("特殊情况", "Special notes"),
    "root_cause": ("原因分析", "Root cause"), "help_given": ("帮扶情况", "Help given"),
    "recommendation": ("建议", "Recommendation"), "risk_health": ("健康风险", "Health risk"),
    "risk_safety": ("安全风险", "Safety risk"), "risk_social": ("社会风险", "Social risk"),
    "followup_plan": ("跟进计划", "Follow-up plan"), "next_visit_on": ("下次走访", "Next visit"),
    "photos": ("照片张数", "Photos (count)"),
}
VISIT_TEXTS = ("main_needs", "living_conditions", "mental_state", "hazards", "special_notes", "root_cause",
               "help_given", "recommendation", "followup_plan")


def _people(resident_ids: list[int]) -> list[CarePerson]:
    if not resident_ids:
        return []
    return list(db.session.scalars(select(CarePerson).where(CarePerson.resident_id.in_(resident_ids))
                                   .order_by(CarePerson.id)))


def _contacts(person: CarePerson) -> int:
    try:
        return len(json.loads(person.emergency_contacts or "[]"))
    except ValueError:
        return 0


def personal_data(resident_ids: list[int]) -> list[PersonalDataSection]:
    people = _people(resident_ids)
    if not people:
        return []
    ids = [p.id for p in people]
    record = [{
        "difficulties": [vocab.label(vocab.DIFFICULTIES, c) for c in vocab.from_flags(p.difficulty_flags,
                                                                                    vocab.DIFFICULTIES)],
        "level": p.level, "active": p.active, "health_details": p.health_details,
        "hardship_details": p.hardship_details, "id_number_masked": mask_id_card(p.id_number),
        "emergency_contacts": _contacts(p), "consent_visits": p.consent_visits, "consent_photos": p.consent_photos,
        "consent_sharing": [vocab.label(vocab.BODIES, b) for b in p.consent_sharing or [] if b in vocab.BODIES],
        "consent_recorded_on": p.consent_recorded_on, "last_visit_on": p.last_visit_on, "next_due_on": p.next_due_on,
        "created_at": p.created_at} for p in people]
    photos = dict(db.session.execute(select(CarePhoto.visit_id, func.count()).join(
        CareVisit, CareVisit.id == CarePhoto.visit_id).where(CareVisit.person_id.in_(ids))
        .group_by(CarePhoto.visit_id)).all())
    visits = [{
        "visited_on": v.visited_on, "outcome": vocab.label(vocab.OUTCOMES, v.outcome) if v.outcome in vocab.OUTCOMES
        else v.outcome,
        "needs": [vocab.label(vocab.NEEDS, c) for c in vocab.from_flags(v.need_flags, vocab.NEEDS)],
        "help": [vocab.label(vocab.HELP, c) for c in vocab.from_flags(v.help_flags, vocab.HELP)],
        **{key: getattr(v, key) for key in VISIT_TEXTS},
        "risk_health": v.risk_health, "risk_safety": v.risk_safety, "risk_social": v.risk_social,
        "next_visit_on": v.next_visit_on, "photos": photos.get(v.id, 0)}
        for v in db.session.scalars(select(CareVisit).where(CareVisit.person_id.in_(ids)).order_by(CareVisit.id))]
    referrals = [{"body": vocab.label(vocab.BODIES, r.body) if r.body in vocab.BODIES else r.body,
                  "status": r.status, "referred_on": r.referred_on, "closed_on": r.closed_on, "note": r.note,
                  "outcome": r.outcome}
                 for r in db.session.scalars(select(CareReferral).where(CareReferral.person_id.in_(ids))
                                             .order_by(CareReferral.id))]
    return [
        PersonalDataSection("care_visits.people", "关爱档案", "Care record", record, {
            "difficulties": ("困难类型", "Difficulties"), "level": ("关爱等级", "Level"), "active": ("在册", "Active"),
            "health_details": ("健康情况", "Health"), "hardship_details": ("困难情况", "Hardship"),
            "id_number_masked": ("身份证号（已脱敏）", "ID number (masked)"),
            "emergency_contacts": ("紧急联系人（人数）", "Emergency contacts (count)"),
            "consent_visits": ("同意走访", "Agreed to visits"), "consent_photos": ("同意拍照", "Agreed to photos"),
            "consent_sharing": ("同意转介的机构", "Agreed referrals"),
            "consent_recorded_on": ("同意记录日期", "Consent recorded on"),
            "last_visit_on": ("最近走访", "Last visit"), "next_due_on": ("下次应访", "Next due"),
            "created_at": ("建档时间", "Created")}),
        PersonalDataSection("care_visits.visits", "走访记录", "Visits", visits, VISIT_FIELDS),
        PersonalDataSection("care_visits.referrals", "转介", "Referrals", referrals, {
            "body": ("转介机构", "To"), "status": ("状态", "Status"), "referred_on": ("转介日期", "Referred on"),
            "closed_on": ("结束日期", "Closed on"), "note": ("说明", "Note"), "outcome": ("结果", "Outcome")}),
    ]


def erase(resident_ids: list[int]) -> dict:
    """Erase the care records of these register rows (not yet erased); the counts, for the request's outcome."""
    erased = 0
    for person in _people(resident_ids):
        if person.erased_at is None:
            service.erase_person_data(person)
            erased += 1
    return {"people": erased}
