"""The API of collection figures and reminders (figures area)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("fees_figures", __name__, description="物业费 / Property fees: figures")
