"""Who may do what with property fees.

- **Fee manager** (`fees_manager`, 收费主管) of a community, or a tenant admin: rates, fee units,
  generating and cancelling bills, approving discounts and waivers, refunds and reversals, other
  income and spending, the quarterly statements and their publication, imports and exports.
- **Cashier** (`fees_cashier`, 收费员): records payments and issues receipts, looks up what a
  household owes, asks for a discount (someone else approves it), sends reminders.
- Anyone else who reads the community: the collection figures (no names, no amounts per household).
- **Residents** see their own household's bills, payments and receipts on their phone pages.

Money moved by one person is approved or reversed by another where it matters: a discount is
approved by a manager other than who asked for it (a tenant admin may approve their own: a small
company has one person). The core's route gate has already answered 404 where the plugin is off
or the community is not the caller's to read; these checks answer 403 with the reason.
"""

from __future__ import annotations

from flask import abort

from wuye_core.plugins import Forbidden, Identity, db, get_for_update, require_staff

from .i18n import N_

NAME = "fees"
MANAGER = "fees_manager"
CASHIER = "fees_cashier"


def is_manager(identity: Identity, community_id: int | None) -> bool:
    """A tenant admin, or the fee manager of the community (tenant-wide: a tenant-wide grant)."""
    if identity.is_operator:
        return False
    if identity.is_tenant_admin:
        return True
    if community_id is None:
        return any(role == MANAGER and cid is None for role, cid in identity.grants)
    return identity.has_role(MANAGER, community_id)


def is_cashier(identity: Identity, community_id: int) -> bool:
    """The manager, or a cashier of the community."""
    return is_manager(identity, community_id) or identity.has_role(CASHIER, community_id)


def require_manager(community_id: int | None) -> Identity:
    """The caller, if they manage the community's fees; else 403."""
    identity = require_staff()
    if not is_manager(identity, community_id):
        raise Forbidden(N_("Only the fee manager of this community may do this."))
    return identity


def require_cashier(community_id: int) -> Identity:
    """The caller, if they take payments in the community (a cashier or the manager); else 403."""
    identity = require_staff()
    if not is_cashier(identity, community_id):
        raise Forbidden(N_("Only a cashier or the fee manager of this community may do this."))
    return identity


def sees_payers(identity: Identity, community_id: int) -> bool:
    """Payers' names and phones, amounts per household: cashiers and managers (the figures are for all)."""
    return is_cashier(identity, community_id)


def routed(model, object_id: int, lock: bool = False):
    """A row the URL addresses by id: the core's gate loaded it and checked its community
    (wuye_route_objects in plugin.py), so this is a look-up in the session. `lock`: for a write,
    the row locked until the request commits and re-read as committed (`get_for_update`)."""
    obj = get_for_update(model, object_id) if lock else db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj
