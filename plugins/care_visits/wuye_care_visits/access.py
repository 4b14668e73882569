"""Who may see care data, and the record of every look.

Only holders of `care_worker` or `care_supervisor` in a community (or tenant-wide) see its care
data. A tenant administrator is **not** a care worker by office: to see care data they grant
themselves one of the two roles, and that grant is itself visible in the user list. Everyone
else gets 404 on every care endpoint — the same answer as for a community that does not exist,
so not even the existence of care data leaks.
"""

from __future__ import annotations

from flask import request
from flask_smorest import abort

from wuye_core.plugins import db, get_for_update, require_staff, route_community

from .i18n import _

NAME = "care_visits"
WORKER = "care_worker"
SUPERVISOR = "care_supervisor"


def holds_care_role(identity, community_id: int | None, supervisor: bool = False) -> bool:
    roles = (SUPERVISOR,) if supervisor else (WORKER, SUPERVISOR)
    if community_id is None:  # the whole tenant: only a tenant-wide grant
        return any(r in roles and cid is None for r, cid in identity.grants)
    return any(identity.has_role(role, community_id) for role in roles)


def care_community(community_id: int, supervisor: bool = False) -> int:
    """The community id if the caller holds a care role there (a supervisor's, if asked); else 404.

    A role check only: where the plugin is off, the community is another tenant's or unknown, or
    the caller cannot read it, the core's gate has already answered 404 before any care code ran."""
    if not holds_care_role(require_staff(), community_id, supervisor):
        abort(404)
    return community_id


def care_object(model, object_id: int, supervisor: bool = False, lock: bool = False):
    """A care row the URL addresses by id: the core's gate loaded it and checked its community
    (wuye_route_objects in plugin.py), so this is a look-up in the session; it adds the care role.
    `lock`: for a write, the row locked until the request commits and re-read as committed
    (`get_for_update`), so two identical changes at once have one winner."""
    obj = get_for_update(model, object_id) if lock else db.session.get(model, object_id)
    if obj is None or obj.community_id is None:  # only for an id the gate did not check: still a 404
        abort(404)
    care_community(obj.community_id, supervisor)
    return obj


def audit(
    action: str,
    community_id: int | None,
    person_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> None:
    """Write an access-log row and commit it now, so the read is recorded even if the response fails.
    `why`: the optional `reason` query parameter (e.g. 核实低保申请)."""
    from .models import CareAccessLog

    identity = require_staff()
    reason = (request.args.get("reason") or "").strip()[:200] or None
    db.session.add(
        CareAccessLog(
            community_id=community_id,
            user_id=identity.user_id,
            username=identity.username,
            action=action,
            person_id=person_id,
            object_type=object_type,
            object_id=object_id,
            reason=reason,
        )
    )
    db.session.commit()


def watermark() -> str:
    from . import clock

    identity = require_staff()
    stamp = clock.now().strftime("%Y-%m-%d %H:%M:%S")
    return _("For care work only · exported by %(user)s (#%(id)s) · %(time)s Beijing time",
             user=identity.username, id=identity.user_id, time=stamp)


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def gate() -> None:
    """`before_request` of every care blueprint, after the core's gate: the care role, for the
    community the core found in the URL, is checked before the request body or query is even
    validated, so an outsider gets 404, never a 422 that shows the route is there."""
    community_id = route_community()
    if community_id is None:  # the tenant's briefs: a tenant-wide care role only
        if not holds_care_role(require_staff(), None):
            abort(404)
        return
    care_community(community_id)
