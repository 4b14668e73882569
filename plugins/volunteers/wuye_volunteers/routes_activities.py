"""The API of activities, series, sign-ups, check-in and hours (activities.py, series.py, signups.py, checkin.py)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("volunteers_activities", __name__, description="居民服务联盟 · 活动 / Volunteer alliance: activities")
