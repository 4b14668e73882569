"""People as others read them: a staff user's display name (张丽) where a username (zhangli) was
stored — in ticket histories (`actor`), on tickets (`created_by`), attachments (`uploaded_by`),
exports and the plugins' records.

Stored records keep the username (it does not change, and it is what the audit trail names);
the name is looked up when the record is read, for a whole response at once (one query,
`display_names`), never one query per row. A username with no display name, or no longer a
staff user of the tenant (deleted, a command's "cli", the demo's "demo"), is shown as stored;
"system" (a job, a command, the scheduler) is shown as 系统 / System in the reader's language, a
resident ("resident:<account id>", who reported on the residents' pages: no username has a colon)
as 居民 / Resident.

Schemas add the names with `add_display_names` in a `post_dump(pass_collection=True)` hook:

    actor_name = fields.String(allow_none=True, dump_only=True)

    @post_dump(pass_collection=True)
    def _names(self, data, many, **kwargs):
        return add_display_names(data, many, actor="actor_name")
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..i18n import N_
from .models import StaffUser

SYSTEM = "system"
SYSTEM_NAME = N_("System")
RESIDENT_PREFIX = "resident:"  # + the resident's account id (resident_access/tickets.actor)
RESIDENT_NAME = N_("Resident")
_CHUNK = 500  # usernames per IN list


def system_name() -> str:
    """What "system" is shown as: 系统 / System (the reader's language)."""
    return SYSTEM_NAME.translate()


def display_names(usernames: Iterable[str | None]) -> dict[str, str]:
    """{username: the name people read} for the given usernames of the current tenant (None and
    "" skipped): the display name, else the username; "system" as `system_name()`. One query
    (per 500 usernames)."""
    wanted = {name for name in usernames if name}
    names = {}
    if SYSTEM in wanted:
        names[SYSTEM] = system_name()
        wanted.discard(SYSTEM)
    for name in [n for n in wanted if n.startswith(RESIDENT_PREFIX)]:
        names[name] = RESIDENT_NAME.translate()
        wanted.discard(name)
    ordered = sorted(wanted)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        for username, display in db.session.execute(
                select(StaffUser.username, StaffUser.display_name).where(StaffUser.username.in_(chunk))):
            names[username] = display or username
    for username in wanted - names.keys():
        names[username] = username
    return names


def add_display_names(data: dict | list[dict], many: bool, **fields: str) -> dict | list[dict]:
    """A dumped record (or list of them) with a name beside each username field:
    `add_display_names(data, many, actor="actor_name")` sets data["actor_name"] from data["actor"]
    (None where there is none), all of them resolved in one query."""
    items = data if many else [data]
    names = display_names(item.get(source) for item in items for source in fields)
    for item in items:
        for source, target in fields.items():
            username = item.get(source)
            item[target] = names.get(username) if username else None
    return data


__all__ = ["RESIDENT_PREFIX", "SYSTEM", "add_display_names", "display_names", "system_name"]
