"""The API of service records, corrections, certificates, yearly hours and the 在职党员 report."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("volunteers_records", __name__, description="居民服务联盟 · 服务记录与证明 / Volunteer alliance: service records and certificates")
