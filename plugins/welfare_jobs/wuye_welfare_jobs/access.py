"""Who may do what with the roster.

- **Roster manager** (`welfare_jobs_manager`, 公益岗管理员) of a community, or a tenant admin: posts,
  workers' files (ID number, phone, bank account unmasked), placements, attendance, insurance,
  health checks, subsidies, assessments, exports.
- **Team leader** (`welfare_jobs_team_leader`, 公益岗组长): the attendance of the posts they lead
  (`Post.leader_user_id`) and their teams' tickets; workers' names, no personal data.
- **Worker** (`welfare_jobs_worker`, 公益岗人员): a worker's own sign-in (`Worker.staff_user_id`):
  their clock-in, their attendance and their team's tickets on the phone page.
- Anyone else who reads the community (community staff, read-only): the posts and the figures.

The core's route gate has already answered 404 where the plugin is off or the community is not
the caller's to read; these checks answer 403 with the reason.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from wuye_core.plugins import Forbidden, Identity, db, get_for_update, require_staff

from .i18n import N_

NAME = "welfare_jobs"
MANAGER = "welfare_jobs_manager"
TEAM_LEADER = "welfare_jobs_team_leader"
WORKER = "welfare_jobs_worker"


def is_manager(identity: Identity, community_id: int | None) -> bool:
    """A tenant admin, or a roster manager of the community (tenant-wide: a tenant-wide grant)."""
    if identity.is_operator:
        return False
    if identity.is_tenant_admin:
        return True
    if community_id is None:
        return any(role == MANAGER and cid is None for role, cid in identity.grants)
    return identity.has_role(MANAGER, community_id)


def require_manager(community_id: int | None) -> Identity:
    """The caller, if they manage the community's roster; else 403."""
    identity = require_staff()
    if not is_manager(identity, community_id):
        raise Forbidden(N_("Only the roster manager of this community may do this."))
    return identity


def leads(identity: Identity, post) -> bool:
    """The caller is the team leader of the post (and holds the role in its community)."""
    return post.leader_user_id == identity.user_id and identity.has_role(TEAM_LEADER, post.community_id)


def require_attendance_keeper(post) -> Identity:
    """The caller may keep the post's attendance: its community's roster manager or its team leader."""
    identity = require_staff()
    if not (is_manager(identity, post.community_id) or leads(identity, post)):
        raise Forbidden(N_("Only the roster manager or the post's team leader may keep its attendance."))
    return identity


def own_worker(identity: Identity):
    """The worker whose sign-in this is (`Worker.staff_user_id`), or None."""
    from .models import Worker

    return db.session.scalar(
        select(Worker).where(Worker.staff_user_id == identity.user_id, Worker.erased_at.is_(None)).limit(1)
    )


def routed(model, object_id: int, lock: bool = False):
    """A row the URL addresses by id: the core's gate loaded it and checked its community
    (wuye_route_objects in plugin.py), so this is a look-up in the session. `lock`: for a write,
    the row locked until the request commits and re-read as committed (`get_for_update`)."""
    obj = get_for_update(model, object_id) if lock else db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj
