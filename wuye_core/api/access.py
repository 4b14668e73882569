"""Who may call what. Every /api/ endpoint requires a token unless marked `@public`."""

from __future__ import annotations

from flask import g
from flask_smorest import abort

from ..auth.identity import is_public_view  # noqa: F401 (re-exported: api.contract, idempotency)
from ..auth.roles import Identity
from ..i18n import N_


def public(view):
    """Mark a view (function or MethodView class) as callable without a token."""
    view._wuye_public = True
    return view


def for_residents(view):
    """Mark a view a resident's token may call (resident_access/). A resident's token opens these
    and nothing else: every other endpoint answers it 403 (auth/identity.py), the views need not
    think of residents at all."""
    view._wuye_residents = True
    return view


def not_replayed(view):
    """Mark a POST whose answer carries a credential (a fresh token): its Idempotency-Key is
    ignored, so that answer is never stored with the key (idempotency/guard.py) nor replayed."""
    view._wuye_not_replayed = True
    return view


def is_not_replayed(view) -> bool:
    return bool(getattr(view, "_wuye_not_replayed", False)
                or getattr(getattr(view, "view_class", None), "_wuye_not_replayed", False))


def current_identity() -> Identity:
    identity = getattr(g, "identity", None)
    if identity is None:  # authentication runs before every API view; this is a bug guard
        abort(401)
    return identity


def require_staff() -> Identity:
    identity = current_identity()
    if identity.is_operator:
        abort(403, message=N_("Platform operators cannot read tenant data."))
    if identity.kind != "staff":  # a resident never reaches here (auth/identity.py): twice is cheap
        abort(403, message=N_("This needs a staff account."))
    return identity


def require_tenant_admin() -> Identity:
    identity = require_staff()
    if not identity.is_tenant_admin:
        abort(403, message=N_("Only a tenant administrator may do this."))
    return identity


def require_operator() -> Identity:
    identity = current_identity()
    if not identity.is_operator:
        abort(403, message=N_("Only a platform administrator may do this."))
    return identity
