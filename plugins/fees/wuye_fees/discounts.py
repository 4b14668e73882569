"""Discounts and waivers (减免): part (discount) or all (waiver) of what an open bill owes,
forgiven for a reason (vocab.DISCOUNT_REASONS) with an explanation.

- A cashier or the manager asks (`request_discount`): the bill is open; a discount's amount is more
  than 0 and at most what is owed; a waiver is all that is owed.
- A manager other than who asked approves or rejects it (a tenant admin may decide their own:
  a small company has one person); anyone else: 403.
- Approving locks the bill (`get_for_update`), checks the amount still fits what the bill owes
  now (a payment may have come meanwhile: 409), adds it to `bill.discount_fen` and lets
  `bill_state.settle` set the status — so two approvals at once never forgive more than the bill.
- Revoking an approved one (the manager, with a reason) takes it back off the bill (audited).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from wuye_core.plugins import (
    Conflict,
    Forbidden,
    Identity,
    db,
    get_for_update,
    invalid,
    local_today,
    record_audit,
)

from . import vocab
from .access import NAME
from .bill_state import settle
from .i18n import N_
from .models import Bill, Discount
from .money import yuan


def _conflict(field: str, message) -> Conflict:
    return Conflict(message, errors={"json": {field: [message]}})


def _owed(bill: Bill) -> int:
    return max(bill.amount_fen - bill.discount_fen - bill.paid_fen, 0)


def request_discount(bill_id: int, data: dict, by: str) -> Discount:
    """Ask for a discount or a waiver on an open bill (flushed). `data`: kind, amount_fen
    (discounts), reason, explanation."""
    bill = get_for_update(Bill, bill_id)
    kind, reason = data["kind"], data["reason"]
    if kind not in vocab.DISCOUNT_KINDS:
        invalid("kind", N_("Unknown kind of discount."))
    if reason not in vocab.DISCOUNT_REASONS:
        invalid("reason", N_("Unknown reason."))
    explanation = (data.get("explanation") or "").strip()
    if not explanation:
        invalid("explanation", N_("Explain the household's situation (e.g. the certificate's number)."))
    if bill.status != "open":
        raise Conflict(N_("Only an unpaid bill can be discounted."))
    owed = _owed(bill)
    if kind == "waiver":
        amount = owed
    else:
        amount = data.get("amount_fen")
        if amount is None or amount <= 0:
            invalid("amount_fen", N_("An amount is more than 0."))
        if amount > owed:
            invalid("amount_fen", N_("At most what the bill owes: %(owed)s fen.", owed=owed))
    discount = Discount(community_id=bill.community_id, bill_id=bill.id, kind=kind, amount_fen=amount, reason=reason,
                        explanation=explanation[:500], status="requested", requested_by=by)
    db.session.add(discount)
    db.session.flush()
    return discount


def _decider(discount: Discount, identity: Identity) -> None:
    if discount.requested_by == identity.username and not identity.is_tenant_admin:
        raise Forbidden(N_("Someone other than who asked approves or rejects a discount."))


def _locked(discount_id: int) -> tuple[Discount, Bill]:
    """The bill's lock first, then the discount's (the same order everywhere: no deadlock)."""
    discount = db.session.get(Discount, discount_id)
    bill = get_for_update(Bill, discount.bill_id)
    return get_for_update(Discount, discount_id), bill


def approve(discount_id: int, identity: Identity, note: str | None = None) -> Discount:
    discount, bill = _locked(discount_id)
    _decider(discount, identity)
    if discount.status != "requested":
        raise Conflict(N_("This discount is decided already."))
    if bill.status == "cancelled":
        raise Conflict(N_("The bill is cancelled."))
    if discount.amount_fen > _owed(bill):
        raise _conflict("amount_fen", N_("The bill owes %(owed)s yuan now, less than this discount: reject it and "
                                         "ask again.", owed=yuan(_owed(bill))))
    bill.discount_fen += discount.amount_fen
    settle(bill, local_today())
    discount.status, discount.decided_by, discount.decided_at = "approved", identity.username, datetime.now(UTC)
    discount.decision_note = (note or None) and note[:300]
    db.session.flush()
    record_audit(NAME, "amended", target_type="fees_discount", target_id=discount.id,
                 details={"fields": ["status"], "status": "approved", "bill_id": bill.id})
    return discount


def reject(discount_id: int, identity: Identity, note: str | None = None) -> Discount:
    discount, _bill = _locked(discount_id)
    _decider(discount, identity)
    if discount.status != "requested":
        raise Conflict(N_("This discount is decided already."))
    discount.status, discount.decided_by, discount.decided_at = "rejected", identity.username, datetime.now(UTC)
    discount.decision_note = (note or None) and note[:300]
    db.session.flush()
    record_audit(NAME, "amended", target_type="fees_discount", target_id=discount.id,
                 details={"fields": ["status"], "status": "rejected", "bill_id": discount.bill_id})
    return discount


def revoke(discount_id: int, reason: str, by: str) -> Discount:
    """Take an approved discount back off its bill (the bill owes it again); audited."""
    discount, bill = _locked(discount_id)
    if discount.status != "approved":
        raise Conflict(N_("Only an approved discount can be revoked."))
    reason = (reason or "").strip()
    if not reason:
        invalid("reason", N_("Say why the discount is revoked."))
    if bill.status != "cancelled":
        bill.discount_fen -= discount.amount_fen
        settle(bill, local_today())
    discount.status, discount.revoked_by, discount.revoked_at = "revoked", by, datetime.now(UTC)
    discount.revoke_reason = reason[:300]
    db.session.flush()
    record_audit(NAME, "amended", target_type="fees_discount", target_id=discount.id,
                 details={"fields": ["status", "revoke_reason"], "bill_id": bill.id})
    return discount


def discounts_out(rows) -> list[dict]:
    from wuye_core.plugins import staff_names

    from .money import yuan

    rows = list(rows)
    names = staff_names(sorted({u for d in rows for u in (d.requested_by, d.decided_by, d.revoked_by) if u}))
    return [{
        "id": d.id, "community_id": d.community_id, "bill_id": d.bill_id, "kind": d.kind,
        "kind_label": vocab.label(vocab.DISCOUNT_KINDS, d.kind), "amount_fen": d.amount_fen,
        "amount_yuan": yuan(d.amount_fen), "reason": d.reason, "reason_label": vocab.label(vocab.DISCOUNT_REASONS, d.reason),
        "explanation": d.explanation, "status": d.status, "status_label": vocab.label(vocab.DISCOUNT_STATUSES, d.status),
        "requested_by": d.requested_by, "requested_by_name": names.get(d.requested_by),
        "requested_at": d.requested_at, "decided_by": d.decided_by, "decided_by_name": names.get(d.decided_by),
        "decided_at": d.decided_at, "decision_note": d.decision_note, "revoked_by": d.revoked_by,
        "revoked_at": d.revoked_at, "revoke_reason": d.revoke_reason,
    } for d in rows]


def list_query(community_id: int, args: dict):
    stmt = select(Discount).where(Discount.community_id == community_id)
    if args.get("status"):
        stmt = stmt.where(Discount.status == args["status"])
    if args.get("bill_id"):
        stmt = stmt.where(Discount.bill_id == args["bill_id"])
    return stmt
