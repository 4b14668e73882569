"""A resident's rights over what the alliance holds about them (core hooks
`wuye_resident_personal_data` and `wuye_resident_erase`, API 1.10). A member is the resident's
when the member links their register row (`Member.resident_id`).

The copy: the member's file (the ID number masked, the phone in full: it is their own), their
skills, their teams and their service records.

The erasure anonymises the member — name 已删除; phone, ID number, gender, the link to the
register, the registry number, the party organisation, profession, availability, consent and
note cleared; status left (today, unless they had left) — deletes their skills and takes them out
of their teams (a team they led has no leader then), and keeps their service records: the
community's hours stay counted, with nobody's name on them. All in the approval's transaction
(the core's savepoint): a failure erases nothing.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from wuye_core.plugins import PersonalDataSection, db, local_now, local_today, mask_id_card

from . import vocab
from .i18n import _
from .members import ERASED_NAME
from .models import Member, MemberSkill, ServiceRecord, Team, TeamMember


def _members(resident_ids) -> list[Member]:
    ids = list(resident_ids or [])
    if not ids:
        return []
    return list(db.session.scalars(select(Member).where(Member.resident_id.in_(ids), Member.erased_at.is_(None))
                                   .order_by(Member.id)))


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def personal_data(resident_ids, phone: str | None = None) -> list[PersonalDataSection]:
    """The member files the resident's register rows link, and the requests they made by phone."""
    from .tasks import requester_data

    requests = requester_data(phone) if phone else []
    request_section = [PersonalDataSection("volunteers.requests", "向居民服务联盟提出的求助", "Requests to the alliance",
                                           requests, {
        "task_id": ("编号", "Number"), "title": ("求助事项", "Request"), "place": ("地点", "Place"),
        "requester_name": ("求助人", "Name"), "requester_phone": ("联系电话", "Phone"), "status": ("状态", "Status"),
        "created_at": ("提出时间", "Made at")})] if requests else []
    found = _members(resident_ids)
    if not found:
        return request_section
    ids = [m.id for m in found]
    files = [{
        "name": m.name, "kind": vocab.label(vocab.MEMBER_KINDS, m.kind), "phone": m.phone,
        "id_number_masked": mask_id_card(m.id_number), "registry_number": m.registry_number,
        "party_org": m.party_org, "party_org_contact": m.party_org_contact, "party_reported_on": m.party_reported_on,
        "profession": m.profession,
        "availability": "、".join(vocab.label(vocab.AVAILABILITY, code) for code in m.availability or []),
        "consent_contact": _yes(m.consent_contact), "consent_on": m.consent_on, "joined_on": m.joined_on,
        "status": vocab.label(vocab.MEMBER_STATUSES, m.status), "left_on": m.left_on, "note": m.note,
    } for m in found]
    skills = [{"skill": vocab.label(vocab.SKILLS, s.skill), "level": vocab.label(vocab.SKILL_LEVELS, s.level),
               "confirmed_on": s.confirmed_on}
              for s in db.session.scalars(select(MemberSkill).where(MemberSkill.member_id.in_(ids))
                                          .order_by(MemberSkill.member_id, MemberSkill.id))]
    teams = [{"team": name, "joined_on": joined, "leader": _yes(leader == member_id)}
             for member_id, name, joined, leader in db.session.execute(
                 select(TeamMember.member_id, Team.name, TeamMember.joined_on, Team.leader_member_id)
                 .join(Team, Team.id == TeamMember.team_id).where(TeamMember.member_id.in_(ids))
                 .order_by(Team.name, Team.id))]
    records = [{"content": r.content, "place": r.place, "started_at": r.started_at, "ended_at": r.ended_at,
                "minutes": r.minutes, "organiser": r.organiser, "evaluation": vocab.label(vocab.EVALUATIONS,
                                                                                          r.evaluation) or None}
               for r in db.session.scalars(select(ServiceRecord).where(ServiceRecord.member_id.in_(ids))
                                           .order_by(ServiceRecord.started_at, ServiceRecord.id))]
    return [
        PersonalDataSection("volunteers.members", "居民服务联盟成员档案", "Volunteer alliance member's file", files, {
            "name": ("姓名", "Name"), "kind": ("类别", "Kind"), "phone": ("手机号", "Phone"),
            "id_number_masked": ("身份证号（已脱敏）", "ID number (masked)"),
            "registry_number": ("志愿服务信息系统编号", "Volunteer register number"),
            "party_org": ("所在单位党组织", "Workplace party organisation"),
            "party_org_contact": ("党组织联系人", "Party organisation contact"),
            "party_reported_on": ("进社区报到日期", "Reported to the community on"),
            "profession": ("职业或专长", "Profession"), "availability": ("可服务时间", "When they can serve"),
            "consent_contact": ("同意接收任务联系", "Consents to be contacted"), "consent_on": ("同意日期", "Consent on"),
            "joined_on": ("加入日期", "Joined on"), "status": ("状态", "Status"), "left_on": ("退出日期", "Left on"),
            "note": ("备注", "Note")}),
        PersonalDataSection("volunteers.skills", "志愿服务技能", "Skills", skills, {
            "skill": ("技能", "Skill"), "level": ("水平", "Level"), "confirmed_on": ("确认日期", "Confirmed on")}),
        PersonalDataSection("volunteers.teams", "所在队伍", "Teams", teams, {
            "team": ("队伍", "Team"), "joined_on": ("入队日期", "Joined on"), "leader": ("队长", "Leader")}),
        PersonalDataSection("volunteers.records", "志愿服务记录", "Volunteer service records", records, {
            "content": ("服务内容", "Service"), "place": ("服务地点", "Place"), "started_at": ("开始时间", "Started"),
            "ended_at": ("结束时间", "Ended"), "minutes": ("服务时长（分钟）", "Minutes"),
            "organiser": ("组织单位", "Organiser"), "evaluation": ("评价", "Evaluation")}),
        *request_section,
    ]


def erase_member(member: Member) -> None:
    """Anonymise one member (see the module); their service records stay."""
    member.name = ERASED_NAME
    for key in ("phone", "id_number", "gender", "resident_id", "registry_number", "party_org", "party_org_contact",
                "party_reported_on", "profession", "consent_on", "note"):
        setattr(member, key, None)
    member.availability, member.consent_contact = [], False
    if member.status != "left":
        member.status, member.left_on = "left", max(local_today(), member.joined_on)
    member.erased_at = local_now()
    for team in db.session.scalars(select(Team).where(Team.leader_member_id == member.id)):
        team.leader_member_id = None
    for table in (TeamMember, MemberSkill):
        db.session.execute(delete(table).where(table.member_id == member.id)
                           .execution_options(synchronize_session=False))


def erase(resident_ids, phone: str | None = None) -> dict | None:
    """The members the resident's rows link, anonymised; their name and phone off their requests."""
    from .tasks import erase_requester

    found = _members(resident_ids)
    for member in found:
        erase_member(member)
    db.session.flush()
    requests = erase_requester(phone) if phone else 0
    counts = {key: n for key, n in (("members", len(found)), ("requests", requests)) if n}
    return counts or None  # nothing of theirs here: no line in the outcome
