"""Who could take a task: the community's active members with the task's skill (any active member
when the task names none), in one grouped query — confirmed skills first (a training or the
manager confirmed it), then the higher level, then those holding fewer open tasks, then by name.

Members who consented to be contacted are the candidates proper (their phone: in full for the
manager and, as they consented, the organisers — access.sees_contact —, masked for other staff);
the others are listed apart, without any phone: staff may still give them the task when they come
by or call in themselves.
"""

from __future__ import annotations

from sqlalchemy import case, func, literal, select

from wuye_core.plugins import Identity, db, mask_phone

from . import vocab
from .access import sees_contact
from .models import Member, MemberSkill, Task

LEVEL_RANK = {code: rank for rank, code in enumerate(vocab.LEVEL_ORDER, start=1)}  # basic 1 … expert 3


def _rows(task: Task):
    """(Member, level, confirmed_on, open tasks) of the community's active members who could take it."""
    held = (select(Task.member_id.label("member_id"), func.count(Task.id).label("n"))
            .where(Task.community_id == task.community_id, Task.status == "accepted", Task.member_id.is_not(None))
            .group_by(Task.member_id).subquery())
    open_tasks = func.coalesce(held.c.n, 0)
    stmt = select(Member)
    if task.skill is None:
        level, confirmed_on, rank, unconfirmed = (literal(None), literal(None), literal(0), literal(0))
    else:
        stmt = stmt.join(MemberSkill, (MemberSkill.member_id == Member.id) & (MemberSkill.skill == task.skill))
        level, confirmed_on = MemberSkill.level, MemberSkill.confirmed_on
        rank = case(LEVEL_RANK, value=MemberSkill.level, else_=0)
        unconfirmed = case((MemberSkill.confirmed_on.is_(None), 1), else_=0)
    stmt = (stmt.add_columns(level.label("level"), confirmed_on.label("confirmed_on"), open_tasks.label("open_tasks"))
            .outerjoin(held, held.c.member_id == Member.id)
            .where(Member.community_id == task.community_id, Member.status == "active", Member.erased_at.is_(None))
            .order_by(unconfirmed, rank.desc(), open_tasks, Member.name, Member.id))
    return db.session.execute(stmt).all()


def candidates(task: Task, identity: Identity) -> dict:
    """`{"task_id", "skill", "candidates": [...], "without_consent": [...]}`, each list in the order
    above; a member's phone only among the candidates (masked unless the caller sees contacts)."""
    found, others = [], []
    for member, level, confirmed_on, open_tasks in _rows(task):
        row = {
            "member_id": member.id, "name": member.name, "kind": member.kind,
            "kind_label": vocab.label(vocab.MEMBER_KINDS, member.kind),
            "level": level, "level_label": vocab.label(vocab.SKILL_LEVELS, level) if level else None,
            "confirmed": confirmed_on is not None, "confirmed_on": confirmed_on,
            "availability": [code for code in vocab.AVAILABILITY if code in (member.availability or [])],
            "availability_labels": [vocab.label(vocab.AVAILABILITY, code) for code in vocab.AVAILABILITY
                                    if code in (member.availability or [])],
            "open_tasks": int(open_tasks), "holds": task.member_id == member.id,
        }
        if member.consent_contact:
            row["phone"] = member.phone if sees_contact(identity, member) else mask_phone(member.phone)
            found.append(row)
        else:
            others.append(row)
    return {"task_id": task.id, "skill": task.skill,
            "skill_label": vocab.label(vocab.SKILLS, task.skill) if task.skill else None,
            "candidates": found, "without_consent": others}


def offered_for(member: Member, limit: int = 50) -> list[Task]:
    """The other side of matching, for the member's own pages: the community's offered tasks the
    member could accept (those naming one of their skills, or none), the soonest wanted first."""
    skills = select(MemberSkill.skill).where(MemberSkill.member_id == member.id)
    stmt = (select(Task).where(Task.community_id == member.community_id, Task.status == "offered",
                               Task.skill.is_(None) | Task.skill.in_(skills))
            .order_by(Task.wanted_by.is_(None), Task.wanted_by, Task.id).limit(limit))
    return list(db.session.scalars(stmt))
