"""The API of the ledger's import and the exports (exchange area)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("fees_exchange", __name__, description="物业费 / Property fees: exchange")
