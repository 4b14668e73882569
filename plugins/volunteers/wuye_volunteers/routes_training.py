"""The API of trainings and their attendance (training.py)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("volunteers_training", __name__, description="居民服务联盟 · 培训 / Volunteer alliance: trainings")
