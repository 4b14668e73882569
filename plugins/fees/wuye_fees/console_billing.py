"""The console pages of the billing area (see console.py). The checks are the API's: cashiers and
the manager read; the manager changes units, rates, generates, cancels and decides discounts
(not their own); a cashier asks for a discount. Refusals are shown next to their field.

- `/communities/<id>/units`     units and rates (tab `units`): units with filters, the site's
                                rates, the rate form, the register's sync
- `/units/<id>`                 a unit: its details, the change form, its bills
- `/communities/<id>/bills`     bills (tab `bills`) with filters and totals
- `/bills/<id>`                 a bill: discounts (ask, approve, reject, revoke), cancel
- `/communities/<id>/billing`   runs and "generate this period"
- `/communities/<id>/discounts` discounts awaiting approval
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from sqlalchemy import func, select

from wuye_core.plugins import GENERAL, attempt, console_form, db, form_values, render_page

from . import billing, discounts, rates, units, vocab
from .access import is_manager, require_cashier, require_manager, routed
from .bill_state import OWED
from .console import choices, community, pages, query, sites
from .i18n import _
from .models import Bill, BillingRun, Discount, FeeRate, FeeUnit
from .routes_billing import bill_detail, bills_page, bills_query, runs_out, units_page
from .schemas_billing import (
    FeesBillQuery,
    FeesCancelIn,
    FeesDecisionIn,
    FeesDiscountIn,
    FeesDiscountQuery,
    FeesRateIn,
    FeesRevokeIn,
    FeesRunIn,
    FeesUnitIn,
    FeesUnitPatch,
    FeesUnitQuery,
)


def _bound(errors: dict, names) -> dict:
    out: dict = {}
    for key, messages in errors.items():
        out.setdefault(key if key in names else GENERAL, []).extend(messages)
    return out


# --- units and rates ------------------------------------------------------------------------------


def _units_page(community_id: int, errors=None, form=None, values=None, status=200):
    identity = require_cashier(community_id)
    args, problems = query(FeesUnitQuery())
    page = units_page(community_id, args, True)
    site_id = args.get("site_id")
    rate_rows = rates.rates_out(db.session.scalars(
        rates.list_query(community_id, {"site_id": site_id}).order_by(FeeRate.site_id, FeeRate.unit_kind,
                                                                      FeeRate.valid_from)))
    return render_page("fees/units_list.html", community=community(community_id), tab="units", page=page, args=args,
                       problems=problems, rates=rate_rows, sites=[(s.id, s.name) for s in sites(community_id)],
                       kinds=choices(vocab.UNIT_KINDS), bases=choices(vocab.RATE_BASES),
                       manager=is_manager(identity, community_id), errors=errors or {}, form=form,
                       values=values or {}), status


@pages.route("/communities/<int:community_id>/units")
def units_list(community_id):
    return _units_page(community_id)


@pages.route("/communities/<int:community_id>/units/new", methods=["POST"])
def units_create(community_id):
    identity = require_manager(community_id)
    data, errors = console_form(FeesUnitIn())
    status = 422
    if not errors:
        _u, errors, status = attempt(lambda: units.create_unit(community_id, data, identity.username))
    if errors:
        return _units_page(community_id, _bound(errors, FeesUnitIn().fields), "unit", request.form, status)
    flash(_("The fee unit is added."), "success")
    return redirect(url_for(".units_list", community_id=community_id), code=303)


@pages.route("/communities/<int:community_id>/units/sync", methods=["POST"])
def units_sync(community_id):
    identity = require_manager(community_id)
    result, errors, status = attempt(lambda: units.sync_from_register(
        community_id, int(request.form["site_id"]) if request.form.get("site_id") else None, identity.username))
    if errors:
        return _units_page(community_id, _bound(errors, ()), "sync", request.form, status)
    flash(_("%(made)s fee units made from the register, %(without)s of them without an area.",
            made=result["made"], without=result["without_area"]), "success")
    return redirect(url_for(".units_list", community_id=community_id), code=303)


@pages.route("/communities/<int:community_id>/rates", methods=["POST"])
def rates_create(community_id):
    identity = require_manager(community_id)
    data, errors = console_form(FeesRateIn())
    status = 422
    if not errors:
        _r, errors, status = attempt(lambda: rates.create_rate(community_id, data, identity.username))
    if errors:
        return _units_page(community_id, _bound(errors, FeesRateIn().fields), "rate", request.form, status)
    flash(_("The rate is added."), "success")
    return redirect(url_for(".units_list", community_id=community_id, site_id=data["site_id"]), code=303)


@pages.route("/rates/<int:rate_id>/end", methods=["POST"])
def rates_end(rate_id):
    rate = routed(FeeRate, rate_id)
    require_manager(rate.community_id)
    community_id = rate.community_id
    from .schemas_billing import FeesRateEndIn

    data, errors = console_form(FeesRateEndIn())
    status = 422
    if not errors:
        _r, errors, status = attempt(lambda: rates.end_rate(rate_id, data["valid_until"]))
    if errors:
        return _units_page(community_id, _bound(errors, ("valid_until",)), f"end-{rate_id}", request.form, status)
    flash(_("The rate ends on %(day)s.", day=data["valid_until"].isoformat()), "success")
    return redirect(url_for(".units_list", community_id=community_id), code=303)


def _unit_page(fee_unit: FeeUnit, errors=None, values=None, status=200):
    identity = require_cashier(fee_unit.community_id)
    bills = bills_page(fee_unit.community_id, FeesBillQuery().load({"fee_unit_id": fee_unit.id, "per_page": 50}))
    return render_page("fees/units_unit.html", community=community(fee_unit.community_id), tab="units",
                       unit=units.units_out([fee_unit], True)[0], bills=bills,
                       manager=is_manager(identity, fee_unit.community_id), errors=errors or {},
                       values=values or {}), status


@pages.route("/units/<int:fee_unit_id>")
def units_unit(fee_unit_id):
    return _unit_page(routed(FeeUnit, fee_unit_id))


@pages.route("/units/<int:fee_unit_id>/edit", methods=["POST"])
def units_edit(fee_unit_id):
    fee_unit = routed(FeeUnit, fee_unit_id)
    require_manager(fee_unit.community_id)
    values = form_values(FeesUnitPatch())
    values["active"] = "active" in request.form  # an unticked checkbox is not sent
    if fee_unit.kind == "residential":
        values.pop("payer_name", None)
        values.pop("payer_phone", None)
    data, errors = console_form(FeesUnitPatch(), values)
    status = 422
    if not errors:
        _u, errors, status = attempt(lambda: units.update_unit(routed(FeeUnit, fee_unit_id, lock=True), data))
    if errors:
        return _unit_page(routed(FeeUnit, fee_unit_id), _bound(errors, FeesUnitPatch().fields), request.form, status)
    flash(_("The fee unit is changed."), "success")
    return redirect(url_for(".units_unit", fee_unit_id=fee_unit_id), code=303)


# --- bills ----------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/bills")
def bills_list(community_id):
    require_cashier(community_id)
    args, problems = query(FeesBillQuery())
    page, totals = None, None
    _p, errors, _s = attempt(lambda: bills_query(community_id, args))
    if errors:
        problems = {**problems, **errors}
        args.pop("period", None)
    page = bills_page(community_id, args)
    stmt = bills_query(community_id, args).where(Bill.status != "cancelled")
    totals = db.session.execute(stmt.with_only_columns(
        func.count(Bill.id), func.coalesce(func.sum(Bill.amount_fen), 0), func.coalesce(func.sum(Bill.discount_fen), 0),
        func.coalesce(func.sum(Bill.paid_fen), 0),
        func.coalesce(func.sum(OWED).filter(Bill.status == "open"), 0)).order_by(None)).one()
    return render_page("fees/bills_list.html", community=community(community_id), tab="bills", page=page, args=args,
                       problems=problems, totals=totals, sites=[(s.id, s.name) for s in sites(community_id)],
                       kinds=choices(vocab.UNIT_KINDS), statuses=choices(vocab.BILL_STATUSES))


def _bill_page(bill: Bill, errors=None, form=None, values=None, status=200):
    identity = require_cashier(bill.community_id)
    return render_page("fees/bills_bill.html", community=community(bill.community_id), tab="bills",
                       bill=bill_detail(bill), reasons=choices(vocab.DISCOUNT_REASONS),
                       discount_kinds=choices(vocab.DISCOUNT_KINDS), me=identity.username,
                       admin=identity.is_tenant_admin, manager=is_manager(identity, bill.community_id),
                       errors=errors or {}, form=form, values=values or {}), status


@pages.route("/bills/<int:bill_id>")
def bills_bill(bill_id):
    return _bill_page(routed(Bill, bill_id))


@pages.route("/bills/<int:bill_id>/discounts", methods=["POST"])
def bills_discount(bill_id):
    bill = routed(Bill, bill_id)
    identity = require_cashier(bill.community_id)
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "amount_yuan")}
    if request.form.get("amount_yuan"):
        from .money import parse_yuan

        try:
            values["amount_fen"] = str(parse_yuan(request.form["amount_yuan"]))
        except ValueError:
            return _bill_page(bill, {"amount_yuan": [_("Write an amount in yuan, e.g. 39.31.")]}, "discount",
                              request.form, 422)
    data, errors = console_form(FeesDiscountIn(), values)
    status = 422
    if not errors:
        _d, errors, status = attempt(lambda: discounts.request_discount(bill_id, data, identity.username))
    if errors:
        errors = {("amount_yuan" if k == "amount_fen" else k): v for k, v in errors.items()}
        return _bill_page(routed(Bill, bill_id), _bound(errors, ("kind", "amount_yuan", "reason", "explanation")),
                          "discount", request.form, status)
    flash(_("The discount is asked for: another manager approves it."), "success")
    return redirect(url_for(".bills_bill", bill_id=bill_id), code=303)


@pages.route("/bills/<int:bill_id>/cancel", methods=["POST"])
def bills_cancel(bill_id):
    bill = routed(Bill, bill_id)
    identity = require_manager(bill.community_id)
    data, errors = console_form(FeesCancelIn())
    status = 422
    if not errors:
        _b, errors, status = attempt(lambda: billing.cancel_bill(bill_id, data["reason"], identity.username))
    if errors:
        return _bill_page(routed(Bill, bill_id), _bound(errors, ("reason",)), "cancel", request.form, status)
    flash(_("The bill is cancelled."), "success")
    return redirect(url_for(".bills_bill", bill_id=bill_id), code=303)


@pages.route("/discounts/<int:discount_id>/approve", methods=["POST"])
def discounts_approve(discount_id):
    return _decide(discount_id, "approve")


@pages.route("/discounts/<int:discount_id>/reject", methods=["POST"])
def discounts_reject(discount_id):
    return _decide(discount_id, "reject")


@pages.route("/discounts/<int:discount_id>/revoke", methods=["POST"])
def discounts_revoke(discount_id):
    return _decide(discount_id, "revoke")


def _decide(discount_id: int, action: str):
    discount = routed(Discount, discount_id)
    identity = require_manager(discount.community_id)
    schema = FeesRevokeIn() if action == "revoke" else FeesDecisionIn()
    data, errors = console_form(schema)
    status = 422
    if not errors:
        if action == "approve":
            _d, errors, status = attempt(lambda: discounts.approve(discount_id, identity, data.get("note")))
        elif action == "reject":
            _d, errors, status = attempt(lambda: discounts.reject(discount_id, identity, data.get("note")))
        else:
            _d, errors, status = attempt(lambda: discounts.revoke(discount_id, data["reason"], identity.username))
    back = request.form.get("back")
    if errors:
        if back == "list":
            flash(" ".join(str(m) for ms in errors.values() for m in ms), "error")
            return redirect(url_for(".discounts_list", community_id=discount.community_id), code=303)
        return _bill_page(routed(Bill, discount.bill_id), _bound(errors, ("reason", "note")),
                          f"{action}-{discount_id}", request.form, status)
    flash({"approve": _("The discount is approved."), "reject": _("The discount is rejected."),
           "revoke": _("The discount is revoked.")}[action], "success")
    if back == "list":
        return redirect(url_for(".discounts_list", community_id=discount.community_id), code=303)
    return redirect(url_for(".bills_bill", bill_id=discount.bill_id), code=303)


@pages.route("/communities/<int:community_id>/discounts")
def discounts_list(community_id):
    identity = require_cashier(community_id)
    args, problems = query(FeesDiscountQuery())
    args.setdefault("status", "requested")
    from wuye_core.plugins import paginate

    page = paginate(discounts.list_query(community_id, args), Discount, args)
    page["items"] = discounts.discounts_out(page["items"])
    return render_page("fees/discounts_list.html", community=community(community_id), tab="bills", page=page,
                       args=args, problems=problems, statuses=choices(vocab.DISCOUNT_STATUSES),
                       me=identity.username, admin=identity.is_tenant_admin,
                       manager=is_manager(identity, community_id))


# --- billing runs ---------------------------------------------------------------------------------


def _billing_page(community_id: int, errors=None, values=None, status=200):
    identity = require_cashier(community_id)
    runs = runs_out(db.session.scalars(select(BillingRun).where(BillingRun.community_id == community_id)
                                       .order_by(BillingRun.id.desc()).limit(50)))
    current = billing.current_period(community_id)
    return render_page("fees/billing_runs.html", community=community(community_id), tab="bills", runs=runs,
                       current=current, done=billing.generated(community_id, current),
                       manager=is_manager(identity, community_id), errors=errors or {},
                       values=values or {"period": current.label}, reasons=billing.SKIP_REASONS), status


@pages.route("/communities/<int:community_id>/billing")
def billing_runs(community_id):
    return _billing_page(community_id)


@pages.route("/communities/<int:community_id>/billing", methods=["POST"])
def billing_generate(community_id):
    identity = require_manager(community_id)
    data, errors = console_form(FeesRunIn())
    status = 422
    run = None
    if not errors:
        run, errors, status = attempt(lambda: billing.generate(
            community_id, billing.check_period(community_id, data["period"]), identity.username))
    if errors:
        return _billing_page(community_id, _bound(errors, ("period",)), request.form, status)
    flash(_("%(made)s bills made, %(already)s already billed.", made=run.bills_made, already=run.already_billed),
          "success")
    return redirect(url_for(".billing_runs", community_id=community_id), code=303)
