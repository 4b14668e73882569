"""The API of fee units, rates, billing runs, bills and discounts (billing area).

    GET/POST   /communities/<id>/units                 fee units (page) / a new one (manager)
    POST       /communities/<id>/units/sync            a home fee unit per register unit without one
    GET/PATCH  /units/<fee_unit_id>                    one / change it (manager; active=false stops billing)
    GET/POST   /communities/<id>/rates                 rates (page) / a new one (manager)
    GET/PATCH  /rates/<rate_id>                        one / change or end it (manager)
    GET/POST   /communities/<id>/billing-runs          runs (page) / generate a period {period} (manager)
    GET/POST   /communities/<id>/bills                 bills (page, filters) / a manual bill (manager)
    GET        /bills/<bill_id>                        one, with its discounts and allocations
    POST       /bills/<bill_id>/cancel                 作废 (manager; 409 once something was paid)
    POST       /bills/<bill_id>/discounts              ask for a discount or waiver (cashier or manager)
    POST       /discounts/<discount_id>/approve|reject a manager other than who asked
    POST       /discounts/<discount_id>/revoke         the manager, with a reason
    GET        /communities/<id>/discounts             discounts (page; ?status=requested)

Reading: cashiers and the manager (amounts per household are theirs to see).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from wuye_core.plugins import (
    ErrorSchema,
    Site,
    db,
    invalid,
    local_today,
    page_schema,
    paginate,
    require_staff,
)

from . import billing, discounts, rates, units, vocab
from .access import is_manager, require_cashier, require_manager, routed, sees_payers
from .bill_state import overdue
from .i18n import N_
from .models import Allocation, Bill, BillingRun, Discount, FeeRate, FeeUnit
from .money import yuan
from .periods import parse_label
from .schemas_billing import (
    FeesBillDetailOut,
    FeesBillOut,
    FeesBillQuery,
    FeesCancelIn,
    FeesDecisionIn,
    FeesDiscountIn,
    FeesDiscountOut,
    FeesDiscountQuery,
    FeesManualBillIn,
    FeesRateIn,
    FeesRateOut,
    FeesRatePatch,
    FeesRateQuery,
    FeesRevokeIn,
    FeesRunIn,
    FeesRunOut,
    FeesRunQuery,
    FeesSyncIn,
    FeesSyncOut,
    FeesUnitIn,
    FeesUnitOut,
    FeesUnitPatch,
    FeesUnitQuery,
)

blp = Blueprint("fees_billing", __name__, description="物业费 / Property fees: billing")

ERRORS = (403, 404, 409, 422)


def _errors(view):
    for status in ERRORS:
        view = blp.alt_response(status, schema=ErrorSchema)(view)
    return view


# --- output helpers (the console's pages use them too) ----------------------------------------------


def runs_out(rows) -> list[dict]:
    from .periods import Period

    out = []
    for r in rows:
        months = {"monthly": 1, "quarterly": 3, "yearly": 12}[r.cycle]
        out.append({
            "id": r.id, "community_id": r.community_id, "cycle": r.cycle, "period_start": r.period_start,
            "period_end": r.period_end, "period_label": Period(r.cycle, r.period_start, r.period_end, months).label,
            "bills_made": r.bills_made, "already_billed": r.already_billed, "skipped": dict(r.skipped or {}),
            "amount_fen": r.amount_fen, "amount_yuan": yuan(r.amount_fen), "started_by": r.started_by,
            "started_at": r.started_at, "finished_at": r.finished_at,
        })
    return out


def bills_out(rows) -> list[dict]:
    """Bills with their unit's label and site's name: two queries for the whole page."""
    rows = list(rows)
    today = local_today()
    unit_ids = {b.fee_unit_id for b in rows}
    fee_units = {u.id: (u.label, u.kind) for u in db.session.execute(
        select(FeeUnit.id, FeeUnit.label, FeeUnit.kind).where(FeeUnit.id.in_(unit_ids)))} if unit_ids else {}
    site_ids = {b.site_id for b in rows}
    sites = dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all()) if site_ids else {}
    return [{
        "id": b.id, "community_id": b.community_id, "site_id": b.site_id, "site_name": sites.get(b.site_id),
        "fee_unit_id": b.fee_unit_id, "fee_unit_label": fee_units.get(b.fee_unit_id, (None, None))[0],
        "fee_unit_kind": fee_units.get(b.fee_unit_id, (None, None))[1], "household_id": b.household_id,
        "rate_id": b.rate_id, "run_id": b.run_id, "source": b.source, "period_start": b.period_start,
        "period_end": b.period_end, "period_label": b.period_label, "months": b.months, "area_m2": b.area_m2,
        "price": b.price, "amount_fen": b.amount_fen, "discount_fen": b.discount_fen, "paid_fen": b.paid_fen,
        "owed_fen": b.owed_fen, "amount_yuan": yuan(b.amount_fen), "owed_yuan": yuan(b.owed_fen),
        "status": b.status, "status_label": vocab.label(vocab.BILL_STATUSES, b.status),
        "overdue": b.status == "open" and b.due_on < today, "due_on": b.due_on, "settled_on": b.settled_on,
        "cancelled_by": b.cancelled_by, "cancel_reason": b.cancel_reason, "note": b.note,
        "created_at": b.created_at,
    } for b in rows]


def bill_detail(bill: Bill) -> dict:
    out = bills_out([bill])[0]
    out["discounts"] = discounts.discounts_out(db.session.scalars(
        select(Discount).where(Discount.bill_id == bill.id).order_by(Discount.id)))
    out["allocations"] = [{"id": a.id, "payment_id": a.payment_id, "amount_fen": a.amount_fen,
                           "amount_yuan": yuan(a.amount_fen), "by": a.by, "at": a.at}
                          for a in db.session.scalars(select(Allocation).where(Allocation.bill_id == bill.id)
                                                      .order_by(Allocation.id))]
    return out


def bills_query(community_id: int, args: dict, location: str = "query"):
    stmt = select(Bill).where(Bill.community_id == community_id)
    if args.get("period"):
        try:
            period = parse_label(args["period"])
        except ValueError:
            invalid("period", N_("A period is written 2026-11 (monthly), 2026Q4 (quarterly) or 2026 (yearly)."),
                    location)
        stmt = stmt.where(Bill.period_start == period.start, Bill.period_end == period.end)
    if args.get("status"):
        stmt = stmt.where(Bill.status == args["status"])
    if args.get("site_id"):
        stmt = stmt.where(Bill.site_id == args["site_id"])
    if args.get("household_id"):
        stmt = stmt.where(Bill.household_id == args["household_id"])
    if args.get("fee_unit_id"):
        stmt = stmt.where(Bill.fee_unit_id == args["fee_unit_id"])
    if args.get("kind"):
        stmt = stmt.where(Bill.fee_unit_id.in_(select(FeeUnit.id).where(
            FeeUnit.community_id == community_id, FeeUnit.kind == args["kind"])))
    if args.get("overdue") is True:
        stmt = stmt.where(overdue(local_today()))
    elif args.get("overdue") is False:
        stmt = stmt.where(~overdue(local_today()))
    return stmt


def bills_page(community_id: int, args: dict) -> dict:
    page = paginate(bills_query(community_id, args), Bill, args)
    page["items"] = bills_out(page["items"])
    return page


def units_page(community_id: int, args: dict, payers: bool) -> dict:
    page = paginate(units.list_query(community_id, args), FeeUnit, args)
    page["items"] = units.units_out(page["items"], payers)
    return page


# --- fee units ------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/units")
class Units(MethodView):
    @blp.arguments(FeesUnitQuery, location="query")
    @blp.response(200, page_schema(FeesUnitOut))
    @_errors
    def get(self, args, community_id):
        """收费单元（分页）/ Fee units (page)"""
        identity = require_cashier(community_id)
        return units_page(community_id, args, sees_payers(identity, community_id))

    @blp.arguments(FeesUnitIn)
    @blp.response(201, FeesUnitOut)
    @_errors
    def post(self, data, community_id):
        """新建收费单元（收费主管；同一小区同类名称唯一，重复 409）/ A new fee unit (the manager; 409 naming
        `label` when the site has one of that kind and label)"""
        identity = require_manager(community_id)
        return units.units_out([units.create_unit(community_id, data, identity.username)], True)[0]


@blp.route("/communities/<int:community_id>/units/sync")
class UnitsSync(MethodView):
    @blp.arguments(FeesSyncIn)
    @blp.response(200, FeesSyncOut)
    @_errors
    def post(self, data, community_id):
        """按房屋台账补建住宅收费单元（已有的不重复）/ A home fee unit for each register unit without one"""
        identity = require_manager(community_id)
        return units.sync_from_register(community_id, data.get("site_id"), identity.username, data.get("billing_from"))


@blp.route("/units/<int:fee_unit_id>")
class OneUnit(MethodView):
    @blp.response(200, FeesUnitOut)
    @_errors
    def get(self, fee_unit_id):
        """一个收费单元 / One fee unit"""
        fee_unit = routed(FeeUnit, fee_unit_id)
        identity = require_cashier(fee_unit.community_id)
        return units.units_out([fee_unit], sees_payers(identity, fee_unit.community_id))[0]

    @blp.arguments(FeesUnitPatch)
    @blp.response(200, FeesUnitOut)
    @_errors
    def patch(self, data, fee_unit_id):
        """修改收费单元（收费主管；active=false 停止出账）/ Change a fee unit (the manager)"""
        fee_unit = routed(FeeUnit, fee_unit_id)
        require_manager(fee_unit.community_id)
        fee_unit = routed(FeeUnit, fee_unit_id, lock=True)
        return units.units_out([units.update_unit(fee_unit, data)], True)[0]


# --- rates ----------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/rates")
class Rates(MethodView):
    @blp.arguments(FeesRateQuery, location="query")
    @blp.response(200, page_schema(FeesRateOut))
    @_errors
    def get(self, args, community_id):
        """收费标准（分页）/ Rates (page)"""
        require_cashier(community_id)
        page = paginate(rates.list_query(community_id, args), FeeRate, args)
        page["items"] = rates.rates_out(page["items"])
        return page

    @blp.arguments(FeesRateIn)
    @blp.response(201, FeesRateOut)
    @_errors
    def post(self, data, community_id):
        """新建收费标准（同一小区同类单元的有效期不能重叠，409 指明 valid_from）/ A new rate (periods of one site
        and kind never overlap: 409 naming `valid_from`)"""
        identity = require_manager(community_id)
        return rates.rates_out([rates.create_rate(community_id, data, identity.username)])[0]


@blp.route("/rates/<int:rate_id>")
class OneRate(MethodView):
    @blp.response(200, FeesRateOut)
    @_errors
    def get(self, rate_id):
        """一个收费标准 / One rate"""
        rate = routed(FeeRate, rate_id)
        require_cashier(rate.community_id)
        return rates.rates_out([rate])[0]

    @blp.arguments(FeesRatePatch)
    @blp.response(200, FeesRateOut)
    @_errors
    def patch(self, data, rate_id):
        """修改或终止收费标准（已出账的不能改单价：先终止再新建，409）/ Change or end a rate (one used by bills
        keeps its price: 409)"""
        rate = routed(FeeRate, rate_id)
        require_manager(rate.community_id)
        return rates.rates_out([rates.update_rate(rate_id, data)])[0]


# --- billing runs ---------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/billing-runs")
class Runs(MethodView):
    @blp.arguments(FeesRunQuery, location="query")
    @blp.response(200, page_schema(FeesRunOut))
    @_errors
    def get(self, args, community_id):
        """出账批次（分页）/ Billing runs (page)"""
        require_cashier(community_id)
        page = paginate(select(BillingRun).where(BillingRun.community_id == community_id), BillingRun, args)
        page["items"] = runs_out(page["items"])
        return page

    @blp.arguments(FeesRunIn)
    @blp.response(201, FeesRunOut)
    @_errors
    def post(self, data, community_id):
        """出账：生成一个账期的账单（重复出账不会多出账单）/ Generate a period's bills (idempotent)"""
        identity = require_manager(community_id)
        period = billing.check_period(community_id, data["period"])
        return runs_out([billing.generate(community_id, period, identity.username)])[0]


# --- bills ----------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/bills")
class Bills(MethodView):
    @blp.arguments(FeesBillQuery, location="query")
    @blp.response(200, page_schema(FeesBillOut))
    @_errors
    def get(self, args, community_id):
        """账单（分页；按账期、状态、小区、类型、住户、是否逾期筛选）/ Bills (page, filtered)"""
        require_cashier(community_id)
        return bills_page(community_id, args)

    @blp.arguments(FeesManualBillIn)
    @blp.response(201, FeesBillDetailOut)
    @_errors
    def post(self, data, community_id):
        """手工开账单（收费主管；一次性收费，自定金额）/ A bill entered by hand (the manager)"""
        identity = require_manager(community_id)
        fee_unit = db.session.get(FeeUnit, data["fee_unit_id"])
        if fee_unit is None or fee_unit.community_id != community_id:
            invalid("fee_unit_id", N_("No fee unit of this community has this id."))
        try:
            period = parse_label(data["period"])
        except ValueError:
            invalid("period", N_("A period is written 2026-11 (monthly), 2026Q4 (quarterly) or 2026 (yearly)."))
        bill = billing.manual_bill(fee_unit, period, data["amount_fen"], identity.username, data["note"],
                                   data.get("due_on"))
        return bill_detail(bill)


@blp.route("/bills/<int:bill_id>")
class OneBill(MethodView):
    @blp.response(200, FeesBillDetailOut)
    @_errors
    def get(self, bill_id):
        """一张账单，含减免与核销 / One bill, with its discounts and allocations"""
        bill = routed(Bill, bill_id)
        require_cashier(bill.community_id)
        return bill_detail(bill)


@blp.route("/bills/<int:bill_id>/cancel")
class CancelBill(MethodView):
    @blp.arguments(FeesCancelIn)
    @blp.response(200, FeesBillDetailOut)
    @_errors
    def post(self, data, bill_id):
        """作废账单（收费主管；已有缴款的先退款，409；记入审计）/ Cancel a bill (the manager; 409 once something
        was paid; audited)"""
        bill = routed(Bill, bill_id)
        identity = require_manager(bill.community_id)
        return bill_detail(billing.cancel_bill(bill_id, data["reason"], identity.username))


# --- discounts ------------------------------------------------------------------------------------


@blp.route("/bills/<int:bill_id>/discounts")
class BillDiscounts(MethodView):
    @blp.arguments(FeesDiscountIn)
    @blp.response(201, FeesDiscountOut)
    @_errors
    def post(self, data, bill_id):
        """申请减免（收费员或收费主管；由另一位收费主管批准）/ Ask for a discount or waiver"""
        bill = routed(Bill, bill_id)
        identity = require_cashier(bill.community_id)
        return discounts.discounts_out([discounts.request_discount(bill_id, data, identity.username)])[0]


def _decide(discount_id: int, action: str, data: dict):
    discount = routed(Discount, discount_id)
    identity = require_manager(discount.community_id)
    if action == "approve":
        found = discounts.approve(discount_id, identity, data.get("note"))
    elif action == "reject":
        found = discounts.reject(discount_id, identity, data.get("note"))
    else:
        found = discounts.revoke(discount_id, data["reason"], identity.username)
    return discounts.discounts_out([found])[0]


@blp.route("/discounts/<int:discount_id>/approve")
class ApproveDiscount(MethodView):
    @blp.arguments(FeesDecisionIn)
    @blp.response(200, FeesDiscountOut)
    @_errors
    def post(self, data, discount_id):
        """批准减免（申请人以外的收费主管；账单已不欠这么多时 409）/ Approve (a manager other than who asked)"""
        return _decide(discount_id, "approve", data)


@blp.route("/discounts/<int:discount_id>/reject")
class RejectDiscount(MethodView):
    @blp.arguments(FeesDecisionIn)
    @blp.response(200, FeesDiscountOut)
    @_errors
    def post(self, data, discount_id):
        """驳回减免 / Reject"""
        return _decide(discount_id, "reject", data)


@blp.route("/discounts/<int:discount_id>/revoke")
class RevokeDiscount(MethodView):
    @blp.arguments(FeesRevokeIn)
    @blp.response(200, FeesDiscountOut)
    @_errors
    def post(self, data, discount_id):
        """撤销已批准的减免（收费主管，写明原因；记入审计）/ Revoke an approved discount (audited)"""
        return _decide(discount_id, "revoke", data)


@blp.route("/communities/<int:community_id>/discounts")
class CommunityDiscounts(MethodView):
    @blp.arguments(FeesDiscountQuery, location="query")
    @blp.response(200, page_schema(FeesDiscountOut))
    @_errors
    def get(self, args, community_id):
        """减免（分页；status=requested 为待批准）/ Discounts (page; status=requested: awaiting approval)"""
        require_cashier(community_id)
        page = paginate(discounts.list_query(community_id, args), Discount, args)
        page["items"] = discounts.discounts_out(page["items"])
        return page


def can_manage(community_id: int) -> bool:
    return is_manager(require_staff(), community_id)
