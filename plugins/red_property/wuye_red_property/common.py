"""What every module of the plugin shares: its name, the objects its routes address, the write
check, Beijing's date, and small schema helpers."""

from __future__ import annotations

from datetime import date

from flask_smorest import abort
from marshmallow import validate

from wuye_core.plugins import Text, db, get_for_update, require_staff, services

NAME = "red_property"
BEIJING = services.LOCAL_TZ  # Beijing time, the core's clock
SIDE = validate.OneOf(("community", "property", "residents"))


def today() -> date:
    """Deadlines are calendar dates in Beijing, where the meetings happen."""
    return services.local_today()


def config(community_id: int) -> dict:
    """The plugin's config for the community (defaults filled in)."""
    return services.plugin_config(NAME, community_id)


def readable(model, object_id: int):
    """The object the URL addresses by id. The core's gate has loaded it before the view ran and
    answered 404 unless the caller may read its community and the plugin is on there (see
    `wuye_route_objects` in plugin.py), so this is a look-up in the session, not a query."""
    obj = db.session.get(model, object_id)
    if obj is None:  # only for an id the gate did not check (a programming error): still a 404
        abort(404)
    return obj


def writable(model, object_id: int):
    """The object a write changes, locked until the request commits (`get_for_update`, re-read
    as committed): of two identical changes at once, the second waits and then sees the first's
    result, so its status check refuses it (409 with the current status)."""
    obj = locked(model, object_id)
    require_write(obj.community_id)
    return obj


def locked(model, object_id: int):
    """The object, locked and re-read (404 when it is gone meanwhile). Lock in this order: the
    meeting, the resolution, the agenda item; the ticket (resolve_ticket) last."""
    obj = get_for_update(model, object_id)
    if obj is None:
        abort(404)
    return obj


def conflict(message, status: str):
    """409 with the object's current status (errors.status), like the core's ticket conflicts."""
    abort(409, message=message, errors={"status": status})


def require_write(community_id: int) -> str:
    """403 unless the caller may write in the community; returns the actor (username)."""
    identity = require_staff()
    if not identity.can_write(community_id):
        abort(403)
    return identity.username


def txt(max_length: int, **kwargs) -> Text:
    """A trimmed string field with a maximum length (NUL refused: PostgreSQL cannot store it)."""
    return Text(max_length, **kwargs)


def label(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}
