"""The API of members, their skills and teams (members.py, teams.py)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("volunteers_members", __name__, description="居民服务联盟 · 成员与队伍 / Volunteer alliance: members and teams")
