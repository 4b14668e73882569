"""Who may do what with the alliance.

- **Alliance manager** (`volunteers_manager`, 联盟管理员) of a community, or a tenant admin:
  members (phones and ID numbers unmasked), teams, activities, hours, corrections, certificates,
  tasks, trainings, the time bank, exports and reports.
- **Activity organiser** (`volunteers_organiser`, 活动组织者): creates and runs activities (sign-ups,
  check-in, confirming hours), offers and follows tasks; members' names and skills, phones masked
  unless the member consented to be contacted.
- **Community staff** who may write in the community (the core's role): mark a ticket or a
  resident's request "for the alliance" (a task) and follow it.
- Anyone else who reads the community: the figures, activities and teams (no personal data).
- **Members** are residents: on the residents' pages (their phone) they sign up, check in by the
  activity's QR code, accept tasks, and see their hours, certificates and points.

The core's route gate has already answered 404 where the plugin is off or the community is not
the caller's to read; these checks answer 403 with the reason.
"""

from __future__ import annotations

from flask import abort

from wuye_core.plugins import Forbidden, Identity, db, get_for_update, require_staff

from .i18n import N_

NAME = "volunteers"
MANAGER = "volunteers_manager"
ORGANISER = "volunteers_organiser"


def is_manager(identity: Identity, community_id: int | None) -> bool:
    """A tenant admin, or the alliance manager of the community (tenant-wide: a tenant-wide grant)."""
    if identity.is_operator:
        return False
    if identity.is_tenant_admin:
        return True
    if community_id is None:
        return any(role == MANAGER and cid is None for role, cid in identity.grants)
    return identity.has_role(MANAGER, community_id)


def is_organiser(identity: Identity, community_id: int) -> bool:
    """The manager, or an activity organiser of the community."""
    return is_manager(identity, community_id) or identity.has_role(ORGANISER, community_id)


def require_manager(community_id: int | None) -> Identity:
    """The caller, if they manage the community's alliance; else 403."""
    identity = require_staff()
    if not is_manager(identity, community_id):
        raise Forbidden(N_("Only the alliance manager of this community may do this."))
    return identity


def require_organiser(community_id: int) -> Identity:
    """The caller, if they manage the alliance or organise its activities; else 403."""
    identity = require_staff()
    if not is_organiser(identity, community_id):
        raise Forbidden(N_("Only the alliance manager or an activity organiser may do this."))
    return identity


def require_task_maker(community_id: int) -> Identity:
    """The caller, if they may hand a need to the alliance: an organiser, or staff who write there."""
    identity = require_staff()
    if not (is_organiser(identity, community_id) or identity.can_write(community_id)):
        raise Forbidden(N_("Only staff of this community may hand a need to the alliance."))
    return identity


def sees_contact(identity: Identity, member) -> bool:
    """Phones unmasked: the manager always; an organiser when the member consented to be contacted."""
    if is_manager(identity, member.community_id):
        return True
    return bool(member.consent_contact) and identity.has_role(ORGANISER, member.community_id)


def routed(model, object_id: int, lock: bool = False):
    """A row the URL addresses by id: the core's gate loaded it and checked its community
    (wuye_route_objects in plugin.py), so this is a look-up in the session. `lock`: for a write,
    the row locked until the request commits and re-read as committed (`get_for_update`)."""
    obj = get_for_update(model, object_id) if lock else db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj
