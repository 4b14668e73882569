"""The API of the time bank (time_bank.py)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("volunteers_time_bank", __name__, description="居民服务联盟 · 时间银行 / Volunteer alliance: time bank")
