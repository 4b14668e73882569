"""Looking up a community on behalf of the caller."""

from __future__ import annotations

from flask_smorest import abort

from ..api.access import require_staff
from ..auth.roles import Identity
from ..errors import invalid
from ..extensions import db
from ..i18n import N_
from .models import Community


def readable_community(community_id: int) -> Community:
    """The community, if the caller may read it; else 404 — another tenant's looks the same."""
    community = db.session.get(Community, community_id)  # tenant-scoped by the framework
    if community is None or not require_staff().can_read(community.id):
        abort(404)
    return community


def creation_authorizer(identity: Identity):
    """What a service that creates something in a community (a ticket, a disclosure) is given as
    `authorize=` at every edge: a community the caller cannot read does not exist (422 on
    community_id); one it reads but may not write in is 403."""

    def authorize(community) -> None:
        if not identity.can_read(community.id):
            invalid("community_id", N_("Does not exist."))
        if not identity.can_write(community.id):
            abort(403)

    return authorize
