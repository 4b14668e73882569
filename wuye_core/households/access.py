"""Looking up a community on behalf of the caller."""

from __future__ import annotations

from flask_smorest import abort

from ..api.access import require_staff
from ..extensions import db
from .models import Community


def readable_community(community_id: int) -> Community:
    """The community, if the caller may read it; else 404 — another tenant's looks the same."""
    community = db.session.get(Community, community_id)  # tenant-scoped by the framework
    if community is None or not require_staff().can_read(community.id):
        abort(404)
    return community
