"""The API of other income, spending and the quarterly statements (ledger area)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("fees_ledger", __name__, description="物业费 / Property fees: ledger")
