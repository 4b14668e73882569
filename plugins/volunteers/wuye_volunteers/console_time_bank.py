"""The console's pages of the time bank (tab `time_bank`, shown where the community has it on;
the rules are time_bank.py's, the checks the API's: the manager and the organisers read and
record spends, the manager adjusts and exports). Where the time bank is off, the pages say so.

- `/communities/<id>/time-bank`          the members' balances (paged; a name search over every
                                          active member), the Excel export
- `/communities/<id>/time-bank.xlsx`     the export (audited "exported")
- `/members/<id>/time-bank`              a member's balance and ledger, the spend form and the
                                          manager's adjustment form; refusals next to their field
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import GENERAL, attempt, console_form, db, render_page, require_staff

from . import time_bank as bank
from .access import is_manager, require_manager, require_organiser, routed
from .console import community, pages, query
from .i18n import _
from .models import Member
from .routes_time_bank import balances_download, balances_page, ledger_page, provider_member


def _frame(community_id: int) -> dict:
    on = bank.is_on(community_id)
    return {"community": community(community_id), "time_bank": on, "tab": "time_bank", "on": on}


@pages.route("/communities/<int:community_id>/time-bank")
def time_bank_balances(community_id):
    identity = require_organiser(community_id)
    frame = _frame(community_id)
    if not frame["on"]:
        return render_page("volunteers/time_bank_balances.html", **frame, page=None, args={}, problems={})
    args, problems = query(bank.TimeBankBalanceQuery())
    if args.get("q"):
        args["everyone"] = True  # a name search finds members without points too
    page = balances_page(community_id, args)
    return render_page("volunteers/time_bank_balances.html", **frame, page=page, args=args, problems=problems,
                       manager=is_manager(identity, community_id), per_hour=bank.settings(community_id)[1])


@pages.route("/communities/<int:community_id>/time-bank.xlsx")
def time_bank_export(community_id):
    require_manager(community_id)
    frame = _frame(community_id)
    if not frame["on"]:
        return render_page("volunteers/time_bank_balances.html", **frame, page=None, args={}, problems={}), 409
    return balances_download(community_id)


SPEND_FIELDS = ("points", "description", "provider_member_id")
ADJUST_FIELDS = ("points", "reason")


def bound(errors: dict, names) -> dict:
    """Errors by the form's fields; any other (a refusal about the member) is the form's own."""
    out: dict = {}
    for key, messages in errors.items():
        out.setdefault(key if key in names else GENERAL, []).extend(messages)
    return out


def _member_page(member: Member, errors: dict | None = None, form: str | None = None, values=None,
                 status: int = 200):
    identity = require_staff()
    frame = _frame(member.community_id)
    if not frame["on"]:
        return render_page("volunteers/time_bank_member.html", **frame, member=member, page=None), status
    args, problems = query(bank.TimeBankLedgerQuery())
    providers = [(m.id, m.name) for m in db.session.scalars(
        select(Member).where(Member.community_id == member.community_id, Member.id != member.id,
                             Member.status == "active", Member.erased_at.is_(None)).order_by(Member.name, Member.id))]
    return render_page("volunteers/time_bank_member.html", **frame, member=member, page=ledger_page(member, args),
                       problems=problems, balance=bank.balance_out(member), providers=providers,
                       manager=is_manager(identity, member.community_id), errors=errors or {}, form=form,
                       values=values or {}), status


@pages.route("/members/<int:member_id>/time-bank")
def time_bank_member(member_id):
    member = routed(Member, member_id)
    require_organiser(member.community_id)
    return _member_page(member)


@pages.route("/members/<int:member_id>/time-bank/spend", methods=["POST"])
def time_bank_spend(member_id):
    member = routed(Member, member_id)
    identity = require_organiser(member.community_id)
    data, errors = console_form(bank.TimeBankSpendIn())
    status = 422
    if not errors:
        _entry, errors, status = attempt(lambda: bank.spend(
            routed(Member, member_id), data["points"], provider_member(data.get("provider_member_id")),
            data["description"], identity.username))
    if errors:
        return _member_page(routed(Member, member_id), bound(errors, SPEND_FIELDS), "spend", request.form, status)
    flash(_("%(points)s points spent.", points=data["points"]), "success")
    return redirect(url_for(".time_bank_member", member_id=member_id), code=303)


@pages.route("/members/<int:member_id>/time-bank/adjust", methods=["POST"])
def time_bank_adjust(member_id):
    member = routed(Member, member_id)
    identity = require_manager(member.community_id)
    data, errors = console_form(bank.TimeBankAdjustIn())
    status = 422
    if not errors:
        _entry, errors, status = attempt(lambda: bank.adjust(routed(Member, member_id), data["points"], data["reason"],
                                                             identity.username))
    if errors:
        return _member_page(routed(Member, member_id), bound(errors, ADJUST_FIELDS), "adjust", request.form, status)
    flash(_("The balance is adjusted by %(points)s points.", points=f"{data['points']:+d}"), "success")
    return redirect(url_for(".time_bank_member", member_id=member_id), code=303)
