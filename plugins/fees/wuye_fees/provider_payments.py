"""Online payments reported by a payment-provider plugin (微信支付、支付宝、银行代收…).

The contract — what a payment-provider plugin does so that fees records a payment:

1. It receives the provider's notification (its own webhook, API 1.13: `wuye_webhooks`), checks
   the provider's signature (`verify_signature`, or the provider's own scheme) and refuses
   anything unsigned or wrongly signed. Only a verified notification goes on.
2. It emits, in the community the payment is for, an event named `payment_reported`:

       services.emit("<provider>", "payment_reported", community_id, None,
                     txn_id="4200001234202611150123456789",   # the provider's transaction id (≤ 100)
                     payment_code="0001234-5",                 # the fee unit's 缴费编号 (payment_codes.py)
                     amount_fen=39310,                         # int fen, > 0
                     paid_at="2026-11-15T10:23:45+08:00",      # ISO-8601; no zone = Beijing time
                     payer_name="张三",                         # optional (≤ 50)
                     method="wechat")                          # wechat | alipay | transfer | pos (optional)
       services.commit()   # or let the request/job commit

   `<provider>` is the emitting plugin's name; the event reaches this plugin as
   `<provider>.payment_reported` (docs/plugins.md §5: after the commit, at least once).
3. Fees records it where the plugin is on and the community's config `provider_payments` is true
   (otherwise the event is ignored): a journal row of kind "payment", `provider` = the plugin's
   name, `provider_txn_id` = `txn_id`, `recorded_by` = the plugin's name, a receipt number, set
   against the unit's open bills oldest due first; what is left is the unit's credit.
   **Once per (provider, txn_id)**: the event delivered twice, or the provider notifying twice —
   even at the same moment — records one payment; the repeats are ignored, not errors.
4. A payment code that is not a code (its check digit is wrong) or names no fee unit of that
   community is recorded **unmatched** (no unit): staff see it in the console (Payments →
   unmatched) and match it to a unit (`payments.match_payment`), or refund it.
5. An event that breaks the contract (no txn_id, an amount that is not a positive int, a time
   that is not ISO-8601) raises: the core keeps the delivery for retry and then parks it, so the
   provider plugin's mistake is seen (`GET /api/v1/plugin-deliveries?state=parked`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import LOCAL_TZ, db, local_now, plugin_config

from .access import NAME
from .models import FeeUnit, Payment
from .payment_codes import unit_of
from .payments import _record

EVENT = "payment_reported"
METHODS = ("wechat", "alipay", "transfer", "pos")


class ContractError(ValueError):
    """A `payment_reported` event that does not keep the contract (see the module)."""


def _data(data: dict) -> dict:
    txn_id = data.get("txn_id")
    if not isinstance(txn_id, str | int) or not str(txn_id).strip() or len(str(txn_id)) > 100:
        raise ContractError("txn_id: a non-empty string of at most 100 characters")
    amount = data.get("amount_fen")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ContractError("amount_fen: an int > 0")
    try:
        paid_at = datetime.fromisoformat(str(data.get("paid_at")))
    except ValueError:
        raise ContractError("paid_at: ISO-8601") from None
    if paid_at.tzinfo is None:
        paid_at = paid_at.replace(tzinfo=LOCAL_TZ)  # no zone: Beijing time
    payer = data.get("payer_name")
    payer = str(payer).strip()[:50] if payer else None
    method = data.get("method") if data.get("method") in METHODS else "provider"
    return {"txn_id": str(txn_id).strip(), "amount_fen": amount, "paid_at": paid_at, "payer_name": payer or None,
            "method": method, "payment_code": str(data.get("payment_code") or "").strip()[:100]}


def on_plugin_event(event) -> None:
    """`<provider>.payment_reported` → a payment (once per provider and transaction id)."""
    provider, _, name = (event.name or "").partition(".")
    if name != EVENT or not provider or provider == NAME or event.community_id is None:
        return
    if not plugin_config(NAME, event.community_id).get("provider_payments", True):
        return
    record_reported(provider, event.community_id, event.data or {})


def record_reported(provider: str, community_id: int, data: dict) -> Payment | None:
    """Record a provider's payment (the contract above); None when it was recorded before."""
    d = _data(data)
    if _existing(provider, d["txn_id"]) is not None:
        return None
    fee_unit_id = unit_of(d["payment_code"])
    if fee_unit_id is not None:
        unit = db.session.get(FeeUnit, fee_unit_id)
        if unit is None or unit.community_id != community_id:
            fee_unit_id = None
    paid_at = min(d["paid_at"], local_now())  # a provider's clock ahead of ours: not "in the future"
    try:
        with db.session.begin_nested():
            return _record(fee_unit_id, d["amount_fen"], d["method"], payer_name=d["payer_name"],
                           reference=d["payment_code"] or None, paid_at=paid_at, by=provider, provider=provider,
                           provider_txn_id=d["txn_id"], community_id=community_id)
    except IntegrityError:
        return None  # the same transaction recorded at the same moment by another delivery


def _existing(provider: str, txn_id: str) -> int | None:
    return db.session.scalar(select(Payment.id).where(Payment.provider == provider,
                                                      Payment.provider_txn_id == txn_id))
