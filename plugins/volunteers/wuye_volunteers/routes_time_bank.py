"""The API of the time bank (time_bank.py has the rules). Where the community has it off, every
route answers 409 ("本社区未启用时间银行").

    GET  /communities/<id>/time-bank/balances        members with their balance (page)
    GET  /communities/<id>/time-bank/balances.xlsx   the balances (Excel; audited "exported")
    GET  /members/<member_id>/time-bank              a member's balance and totals
    GET  /members/<member_id>/time-bank/ledger       a member's ledger (page, newest first)
    POST /members/<member_id>/time-bank/spend        spend points on a service (409: not enough)
    POST /members/<member_id>/time-bank/adjust       add or take points with a reason (the manager)
    GET  /time-bank/entries/<entry_id>               one line

Reading and spending: the manager and the activity organisers; adjusting and exporting: the manager.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from wuye_core.plugins import (
    XLSX_DOC,
    Community,
    ErrorSchema,
    XlsxWriter,
    db,
    download_name,
    invalid,
    local_today,
    page_schema,
    paginate,
    record_audit,
    xlsx_response,
)

from . import time_bank as bank
from .access import NAME, require_manager, require_organiser, routed
from .i18n import N_, _
from .models import LedgerEntry, Member

blp = Blueprint("volunteers_time_bank", __name__, description="居民服务联盟 · 时间银行 / Volunteer alliance: time bank")


class TimeBankEntryOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String(metadata={"description": "earn 服务所得 / spend 兑换服务 / adjust 调整"})
    kind_label = fields.String()
    points = fields.Integer(metadata={"description": "积分变动（正数增加，负数减少）/ points (+ in, − out)"})
    balance = fields.Integer(metadata={"description": "本条之后的余额（不小于 0）/ the balance after this line (≥ 0)"})
    record_id = fields.Integer(allow_none=True, metadata={"description": "earn：服务记录 / the service record"})
    provider_member_id = fields.Integer(allow_none=True, metadata={
        "description": "spend：提供服务的成员 / the member who gave the service"})
    provider_name = fields.String(allow_none=True)
    description = fields.String()
    by = fields.String()
    by_name = fields.String(allow_none=True)
    at = fields.DateTime(metadata={"description": "UTC"})


class TimeBankBalanceOut(Schema):
    member_id = fields.Integer()
    member_name = fields.String()
    member_active = fields.Boolean()
    balance = fields.Integer(metadata={"description": "积分余额 / the balance"})
    earned = fields.Integer(metadata={"description": "服务所得合计 / earned in all"})
    spent = fields.Integer(metadata={"description": "兑换合计（正数）/ spent in all (a positive number)"})
    adjusted = fields.Integer(metadata={"description": "调整合计（可为负）/ adjustments in all (may be negative)"})
    lines = fields.Integer(metadata={"description": "记录条数 / lines in the ledger"})
    points_per_hour = fields.Integer(metadata={"description": "本社区每服务一小时得到的积分 / points per hour here"})


class TimeBankBalanceRowOut(Schema):
    member_id = fields.Integer()
    member_name = fields.String()
    member_kind = fields.String()
    member_kind_label = fields.String()
    member_active = fields.Boolean()
    balance = fields.Integer()
    earned = fields.Integer()
    spent = fields.Integer()
    adjusted = fields.Integer()
    lines = fields.Integer()


def balances_page(community_id: int, args: dict) -> dict:
    page = paginate(bank.balances_statement(community_id, args), Member, args, columns=bank.BALANCE_COLUMNS)
    page["items"] = bank.balances_out(page["items"])
    return page


def ledger_page(member: Member, args: dict) -> dict:
    page = paginate(bank.ledger_statement(member.id), LedgerEntry, args)
    page["items"] = bank.entries_out(page["items"])
    return page


@blp.route("/communities/<int:community_id>/time-bank/balances")
class Balances(MethodView):
    @blp.arguments(bank.TimeBankBalanceQuery, location="query")
    @blp.response(200, page_schema(TimeBankBalanceRowOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, community_id):
        """成员积分余额（默认余额多的在前；只列有积分记录的成员，everyone=true 时也列其他在册成员）/ Members'
        balances (highest first; members with a line, or with everyone=true every active member)"""
        require_organiser(community_id)
        bank.require_on(community_id)
        return balances_page(community_id, args)


def balances_download(community_id: int):
    """Every member with a line, their totals and balance, as an .xlsx; audited "exported"."""
    args = {"everyone": False}
    stmt = bank.balances_statement(community_id, args).order_by(Member.name, Member.id)
    rows = bank.balances_out(db.session.execute(stmt).all())
    community = db.session.get(Community, community_id)
    title = _("Time bank balances")
    book = XlsxWriter()
    sheet = book.sheet(title, header=[_("No."), _("Name"), _("Kind"), _("Earned"), _("Spent"), _("Adjusted"),
                                      _("Balance"), _("Left")],
                       widths=[5, 14, 12, 9, 9, 9, 9, 7], freeze="A2",
                       page_header=f"{community.name} · {title} · {local_today().isoformat()}")
    for number, row in enumerate(rows, 1):
        sheet.append([number, row["member_name"], row["member_kind_label"], row["earned"], row["spent"],
                      row["adjusted"], row["balance"], None if row["member_active"] else _("Yes")])
    record_audit(NAME, "exported", target_type="time_bank_balances", target_id=community_id,
                 details={"rows": len(rows), "community_id": community_id})
    day = local_today().isoformat()
    return xlsx_response(book.save, download_name("volunteers-time-bank", community_id, day, ext="xlsx"),
                         download_name(title, community.name, day, ext="xlsx"))


@blp.route("/communities/<int:community_id>/time-bank/balances.xlsx")
class BalancesXlsx(MethodView):
    @blp.response(200, description="积分余额表 / the balances (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def get(self, community_id):
        """导出积分余额表（Excel，记入审计）/ Export the balances (.xlsx, audited)"""
        require_manager(community_id)
        bank.require_on(community_id)
        return balances_download(community_id)


@blp.route("/members/<int:member_id>/time-bank")
class MemberBalance(MethodView):
    @blp.response(200, TimeBankBalanceOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def get(self, member_id):
        """成员的积分余额与合计 / A member's balance and totals"""
        member = routed(Member, member_id)
        require_organiser(member.community_id)
        bank.require_on(member.community_id)
        return bank.balance_out(member)


@blp.route("/members/<int:member_id>/time-bank/ledger")
class MemberLedger(MethodView):
    @blp.arguments(bank.TimeBankLedgerQuery, location="query")
    @blp.response(200, page_schema(TimeBankEntryOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, member_id):
        """成员的积分明细（新的在前）/ A member's ledger (newest first)"""
        member = routed(Member, member_id)
        require_organiser(member.community_id)
        bank.require_on(member.community_id)
        return ledger_page(member, args)


def provider_member(provider_id: int | None) -> Member | None:
    """The member a spend names as the provider (422 on the field when there is none such)."""
    if provider_id is None:
        return None
    found = db.session.get(Member, provider_id)
    if found is None:
        invalid("provider_member_id", N_("No active member of this community has this id."))
    return found


@blp.route("/members/<int:member_id>/time-bank/spend")
class Spend(MethodView):
    @blp.arguments(bank.TimeBankSpendIn)
    @blp.response(201, TimeBankEntryOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data, member_id):
        """兑换服务：扣减积分（余额不足 409，并说明余额）/ Spend points on a service (409 with the balance
        when there are not enough)"""
        member = routed(Member, member_id)
        identity = require_organiser(member.community_id)
        bank.require_on(member.community_id)
        entry = bank.spend(member, data["points"], provider_member(data.get("provider_member_id")), data["description"],
                           identity.username)
        return bank.entries_out([entry])[0]


@blp.route("/members/<int:member_id>/time-bank/adjust")
class Adjust(MethodView):
    @blp.arguments(bank.TimeBankAdjustIn)
    @blp.response(201, TimeBankEntryOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data, member_id):
        """调整积分（联盟管理员；写明原因；余额不能小于 0；记入审计）/ Add or take points (the manager; with a
        reason; never below 0; audited)"""
        member = routed(Member, member_id)
        identity = require_manager(member.community_id)
        entry = bank.adjust(member, data["points"], data["reason"], identity.username)
        return bank.entries_out([entry])[0]


@blp.route("/time-bank/entries/<int:entry_id>")
class OneEntry(MethodView):
    @blp.response(200, TimeBankEntryOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def get(self, entry_id):
        """积分明细中的一条 / One line of the ledger"""
        entry = routed(LedgerEntry, entry_id)
        require_organiser(entry.community_id)
        bank.require_on(entry.community_id)
        return bank.entries_out([entry])[0]
