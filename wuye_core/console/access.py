"""Who may open a console page, beyond being signed in (door.py): the checks several pages share."""

from __future__ import annotations

from flask import abort

from ..api.access import require_staff
from ..auth.roles import Identity


def community_reader() -> Identity:
    """A staff member who reads at least one community. A field worker reads only the tickets
    dispatched to them, no register: 403, as the API's lists show them nothing."""
    identity = require_staff()
    if identity.readable_communities() == set():
        abort(403)
    return identity
