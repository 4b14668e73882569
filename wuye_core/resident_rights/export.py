"""我的信息: a resident's copy of what this tenant holds about them (个人信息保护法 arts. 44, 45).

Found by the account's phone number, in the current tenant only (every query is the tenant's;
another tenant's register may list the same number and is none of this copy's business):

    account        the sign-in account: number, created, last sign-in, the privacy notice agreed to
    consents       each consent to a version of the privacy notice (when, from which address)
    register       the register's rows with that number (name, phone, gender, birth year, tags, the
                   ID-card number MASKED, the household and its flat)
    tickets        tickets they reported (by register row or by number), and tickets of their
                   households; each with its steps, attachments (names and sizes), and — for
                   their own — their ratings and comments. On a household ticket someone else
                   reported, that reporter is masked: it is the other person's data.
    audit          the audit trail's entries about them (their sign-ins, consents, requests)
    requests       their deletion requests and what became of them
    + each plugin's sections (hook `wuye_resident_personal_data`), every installed plugin's

Why the ID-card number is masked although it is the resident's own: the copy is downloaded over
the web by whoever holds the phone for five minutes (a one-time code, one factor), and an ID
number is sensitive personal information (art. 28) that opens bank accounts and SIM cards; the
resident knows their own number, and the copy says that the register holds it (masked, like every
page of the platform shows it). The service window shows it in full to the person with their
ID card. Everything else is theirs in full. Staff's usernames are left out (the steps say what
was done, not by whom: staff's identities are the staff's personal information).

A JSON document (`FORMAT`): portable (art. 45's transfer), and self-describing — every section
has its titles and its fields' names in both languages, so the residents' page can show it as it
is, without a second, human-readable format that could drift from it.

Adding a section: write a function `(Holder) -> PersonalDataSection | None` and put it in
CORE_SECTIONS.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import false, or_, select

from ..audit.actions import ACTIONS
from ..audit.models import AuditEvent
from ..auth.models import ResidentAccount
from ..extensions import db
from ..host.dispatch import call_every_installed
from ..host.types import PersonalDataSection
from ..households.models import Building, Community, Household, Resident, Site, Unit
from ..households.personal_data import mask_id_card
from ..notices.models import Notice, NoticeRead
from ..resident_access.models import ResidentConsent
from ..resident_access.phones import mask_phone, phone_digits_sql
from ..supervision.tickets import mask_name
from ..tenancy import Tenant, require_tenant_id
from ..tickets.models import Ticket, TicketAttachment, TicketRating, TicketTransition
from .models import DeletionRequest

FORMAT = "wuye.personal-data/1"


@dataclass
class Holder:
    """Whom the copy is about: the account, its number, and the register rows with that number."""

    account: ResidentAccount
    phone: str  # digits
    residents: list[Resident]

    @property
    def resident_ids(self) -> list[int]:
        return [r.id for r in self.residents]

    @property
    def household_ids(self) -> list[int]:
        return sorted({r.household_id for r in self.residents})


def register_rows(digits: str) -> list[Resident]:
    """Every row of the tenant's register with this number (duplicates and moved-out households too:
    the copy is of what is held, and the erasure removes what is held)."""
    if not digits:
        return []
    return list(db.session.scalars(select(Resident).where(phone_digits_sql(Resident.phone) == digits)
                                   .order_by(Resident.id)))


def holder(account: ResidentAccount) -> Holder:
    return Holder(account, account.phone, register_rows(account.phone))


def plain(value: Any) -> Any:
    """A value as JSON holds it: dates as ISO 8601, enums as their value."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


# --- the core's sections -----------------------------------------------------------------------


def _account(h: Holder) -> PersonalDataSection:
    a = h.account
    return PersonalDataSection(
        "account", "登录账号", "Sign-in account",
        [{"phone": a.phone, "created_at": a.created_at, "last_sign_in_at": a.last_sign_in_at,
          "consented_version": a.consented_version, "consented_at": a.consented_at}],
        {"phone": ("手机号", "Phone"), "created_at": ("注册时间", "Created"),
         "last_sign_in_at": ("最近登录", "Last sign-in"), "consented_version": ("已同意的规则版本", "Notice agreed to"),
         "consented_at": ("同意时间", "Agreed at")})


def _consents(h: Holder) -> PersonalDataSection:
    rows = db.session.scalars(select(ResidentConsent).where(ResidentConsent.account_id == h.account.id)
                              .order_by(ResidentConsent.id))
    return PersonalDataSection(
        "consents", "同意记录", "Consents to the privacy notice",
        [{"version": c.version, "at": c.at, "address": c.address} for c in rows],
        {"version": ("规则版本", "Version"), "at": ("时间", "At"), "address": ("网络地址", "Address")})


_PLACES = (
    select(Household.id, Household.kind, Household.moved_in_on, Household.moved_out_on, Community.name, Site.name,
           Building.name, Unit.entrance, Unit.number)
    .join(Community, Community.id == Household.community_id)
    .join(Site, Site.id == Household.site_id)
    .join(Building, Building.id == Household.building_id)
    .join(Unit, Unit.id == Household.unit_id)
)


def households(ids: list[int]) -> dict[int, dict]:
    """Household id → its flat in words and its dates."""
    if not ids:
        return {}
    found = {}
    for hid, kind, moved_in, moved_out, community, site, building, entrance, number in \
            db.session.execute(_PLACES.where(Household.id.in_(ids))):
        found[hid] = {"household_id": hid, "community": community, "site": site, "building": building,
                      "entrance": entrance or "", "room": number, "household_kind": kind,
                      "moved_in_on": moved_in, "moved_out_on": moved_out}
    return found


def _register(h: Holder) -> PersonalDataSection:
    places = households(h.household_ids)
    items = [{"name": r.name, "phone": r.phone, "gender": r.gender, "birth_year": r.birth_year,
              "id_card_masked": mask_id_card(r.id_card), "tags": r.tags, **places.get(r.household_id, {})}
             for r in h.residents]
    return PersonalDataSection(
        "register", "住户台账中的登记", "The household register's rows about you", items,
        {"name": ("姓名", "Name"), "phone": ("手机号", "Phone"), "gender": ("性别", "Gender"),
         "birth_year": ("出生年份", "Birth year"),
         "id_card_masked": ("身份证号（已脱敏，完整号码请持身份证到服务窗口查阅）",
                            "ID number (masked; the full number at the service window, with your ID card)"),
         "tags": ("标签", "Tags"), "community": ("社区", "Community"), "site": ("小区", "Compound"),
         "building": ("楼栋", "Building"), "entrance": ("单元", "Entrance"), "room": ("房号", "Room"),
         "household_kind": ("住户类型", "Household kind"), "moved_in_on": ("入住日期", "Moved in"),
         "moved_out_on": ("迁出日期", "Moved out")})


def reported_by(digits: str, resident_ids: list[int]):
    """The condition "this ticket's reporter is the person": by register row or by number."""
    by_phone = phone_digits_sql(Ticket.reporter_phone) == digits if digits else false()
    return or_(Ticket.reporter_resident_id.in_(resident_ids), by_phone)


def _tickets(h: Holder) -> PersonalDataSection:
    mine = reported_by(h.phone, h.resident_ids)
    rows = db.session.execute(select(Ticket, mine.label("mine"))
                              .where(or_(mine, Ticket.household_id.in_(h.household_ids))).order_by(Ticket.id)).all()
    ids = [t.id for t, _ in rows]
    places = households(sorted({t.household_id for t, _ in rows if t.household_id}))
    steps, files, ratings = {}, {}, {}
    if ids:
        for s in db.session.scalars(select(TicketTransition).where(TicketTransition.ticket_id.in_(ids))
                                    .order_by(TicketTransition.id)):
            steps.setdefault(s.ticket_id, []).append({"action": s.action, "to_status": s.to_status, "at": s.at,
                                                      "note": s.note})
        for f in db.session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id.in_(ids))
                                    .order_by(TicketAttachment.id)):
            files.setdefault(f.ticket_id, []).append({"filename": f.filename, "content_type": f.content_type,
                                                      "size": f.size, "created_at": f.created_at})
        for r in db.session.scalars(select(TicketRating).where(TicketRating.ticket_id.in_(ids))
                                    .order_by(TicketRating.id)):
            ratings.setdefault(r.ticket_id, []).append({"rating": r.rating, "comment": r.comment, "at": r.at})
    items = []
    for t, is_mine in rows:
        is_mine = bool(is_mine)
        items.append({
            "ticket_id": t.id, "reported_by_you": is_mine, "created_at": t.created_at, "channel": t.channel,
            "kind": t.kind, "category": t.category, "title": t.title, "description": t.description,
            "location": t.location, "status": t.status,
            "reporter_name": t.reporter_name if is_mine else mask_name(t.reporter_name),
            "reporter_phone": t.reporter_phone if is_mine else (mask_phone(t.reporter_phone)
                                                                if t.reporter_phone else None),
            "household": places.get(t.household_id),
            "resolved_at": t.resolved_at, "closed_at": t.closed_at,
            "rating": t.rating if is_mine else None, "rating_comment": t.rating_comment if is_mine else None,
            "ratings": ratings.get(t.id, []) if is_mine else [],
            "steps": steps.get(t.id, []), "attachments": files.get(t.id, [])})
    return PersonalDataSection(
        "tickets", "报事报修", "Tickets", items,
        {"ticket_id": ("工单号", "Ticket"), "reported_by_you": ("本人报事", "Reported by you"),
         "created_at": ("提交时间", "Submitted"), "channel": ("渠道", "Channel"), "kind": ("类型", "Kind"),
         "category": ("类别", "Category"), "title": ("标题", "Title"), "description": ("描述", "Description"),
         "location": ("位置", "Location"), "status": ("状态", "Status"), "reporter_name": ("报事人", "Reporter"),
         "reporter_phone": ("报事人电话", "Reporter's phone"), "household": ("住户", "Household"),
         "resolved_at": ("办结时间", "Resolved"), "closed_at": ("关闭时间", "Closed"),
         "rating": ("评价", "Rating"), "rating_comment": ("评价意见", "Comment"),
         "ratings": ("历次评价", "Ratings"), "steps": ("办理过程", "Steps"), "attachments": ("附件", "Attachments")})


def _audit(h: Holder) -> PersonalDataSection:
    account = str(h.account.id)
    requests = [str(i) for i in db.session.scalars(select(DeletionRequest.id)
                                                   .where(DeletionRequest.account_id == h.account.id))]
    rows = db.session.scalars(select(AuditEvent).where(or_(
        (AuditEvent.actor_kind == "resident") & (AuditEvent.actor_id == h.account.id),
        (AuditEvent.target_type == "resident_account") & (AuditEvent.target_id == account),
        (AuditEvent.target_type == "deletion_request") & AuditEvent.target_id.in_(requests),
    )).order_by(AuditEvent.id))
    items = []
    for e in rows:
        title = ACTIONS.get(e.action)
        items.append({"at": e.at, "action": e.action, "title_zh": title.zh if title else e.action,
                      "title_en": title.en if title else e.action, "address": e.address})
    return PersonalDataSection(
        "audit", "与您有关的操作记录", "The audit trail's entries about you", items,
        {"at": ("时间", "At"), "action": ("操作代码", "Action"), "title_zh": ("操作", "What"),
         "title_en": ("操作（英文）", "What (English)"), "address": ("网络地址", "Address")})


def _requests(h: Holder) -> PersonalDataSection:
    rows = db.session.scalars(select(DeletionRequest).where(DeletionRequest.account_id == h.account.id)
                              .order_by(DeletionRequest.id))
    return PersonalDataSection(
        "deletion_requests", "删除申请", "Deletion requests",
        [{"request_id": r.id, "created_at": r.created_at, "reason": r.reason, "status": r.status,
          "decided_at": r.decided_at, "refusal_reason": r.refusal_reason} for r in rows],
        {"request_id": ("申请号", "Request"), "created_at": ("申请时间", "Filed"), "reason": ("理由", "Reason"),
         "status": ("状态", "Status"), "decided_at": ("处理时间", "Decided"),
         "refusal_reason": ("不予删除的理由", "Why it was refused")})


def _notices_read(h: Holder) -> PersonalDataSection:
    rows = db.session.execute(
        select(NoticeRead.at, Notice.title, Notice.published_at, NoticeRead.household_id)
        .join(Notice, Notice.id == NoticeRead.notice_id)
        .where(NoticeRead.account_id == h.account.id).order_by(NoticeRead.id)).all()
    return PersonalDataSection(
        "notices_read", "已读公告", "Notices you opened",
        [{"title": r.title, "published_at": r.published_at, "read_at": r.at, "household_id": r.household_id}
         for r in rows],
        {"title": ("公告", "Notice"), "published_at": ("发布时间", "Published"), "read_at": ("阅读时间", "Read at"),
         "household_id": ("住户编号", "Household")})


CORE_SECTIONS = (_account, _consents, _register, _tickets, _notices_read, _audit, _requests)


def _dumped(section: PersonalDataSection, source: str) -> dict:
    return {"key": section.key, "source": source, "title_zh": section.title_zh, "title_en": section.title_en,
            "fields": {k: {"zh": zh, "en": en} for k, (zh, en) in section.fields.items()},
            "items": plain(list(section.items))}


def personal_data(account: ResidentAccount) -> dict:
    """The resident's copy, as the JSON document FORMAT."""
    h = holder(account)
    tenant_id = require_tenant_id()
    sections = [_dumped(build(h), "core") for build in CORE_SECTIONS]
    found, failed = call_every_installed("wuye_resident_personal_data", tenant_id=tenant_id, phone=h.phone,
                                         resident_ids=h.resident_ids)
    for plugin, parts in found:
        for part in parts or ():
            if isinstance(part, PersonalDataSection):
                sections.append(_dumped(part, plugin))
    tenant = db.session.get(Tenant, tenant_id)
    return {"format": FORMAT, "generated_at": plain(datetime.now(UTC)), "tenant": tenant.name if tenant else None,
            "phone": h.phone, "sections": sections, "incomplete": sorted(set(failed))}
