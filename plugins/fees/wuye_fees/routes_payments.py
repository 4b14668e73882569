"""The API of payments, receipts, refunds, arrears (payments area)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("fees_payments", __name__, description="物业费 / Property fees: payments")
