"""The API of bills, rates, fee units, discounts (billing area)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("fees_billing", __name__, description="物业费 / Property fees: billing")
