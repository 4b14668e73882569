"""The API of tasks: needs handed to the alliance and matched to skilled members (tasks.py)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("volunteers_tasks", __name__, description="居民服务联盟 · 需求对接 / Volunteer alliance: tasks")
