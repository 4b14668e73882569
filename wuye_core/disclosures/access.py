"""Who may read and change a disclosure: one place for the API's routes and the console's pages.
Reading: whoever reads its community (`Identity.can_read`); publishing, correcting, withdrawing,
uploading: whoever may write there (community staff, the tenant administrator). A disclosure of
a community the caller cannot read is 404, as another tenant's is."""

from __future__ import annotations

from flask_smorest import abort

from ..api.access import require_staff
from ..auth.roles import Identity
from ..common.locking import get_for_update
from ..extensions import db
from ..households.access import creation_authorizer
from ..i18n import N_
from .models import Disclosure

# `service.publish(authorize=…)` at every edge: the rule of every creation in a community
writer_check = creation_authorizer


def staff_disclosure(disclosure_id: int, *, write: bool = False) -> Disclosure:
    """The disclosure, 404 unless the caller reads its community; with `write`, locked until the
    request commits (common/locking.py) and 403 unless the caller may write there."""
    identity = require_staff()
    disclosure = get_for_update(Disclosure, disclosure_id) if write else db.session.get(Disclosure, disclosure_id)
    if disclosure is None or not identity.can_read(disclosure.community_id):
        abort(404)
    if write and not identity.can_write(disclosure.community_id):
        abort(403)
    return disclosure


def writer() -> Identity:
    """A staff member who may write in some community (uploading a file to publish); else 403."""
    identity = require_staff()
    if identity.writable_communities() == set():
        abort(403, message=N_("Your role does not allow this."))
    return identity
