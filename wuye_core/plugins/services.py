"""Core services a plugin may call (public API, documented in docs/plugins.md).

    from wuye_core.plugins.services import emit, commit, plugin_config, open_ticket, resolve_ticket, ticket_summary

Everything here runs inside the caller's tenant context (a request, or a job the core started
for a tenant). Functions that change data do not commit: the request or job that called them
does (events/edge.py), so a plugin's own rows and the core's change land in one transaction,
with their events. `commit()` commits explicitly. (The 1.x `services.open_ticket` and
`services.resolve_ticket` still commit, with a DeprecationWarning: see plugins/tickets.py.)
"""

from __future__ import annotations

import re
from typing import Any

from ..common.clock import LOCAL_TZ, local_date, local_now, local_today  # noqa: F401  (public: Beijing dates)
from ..common.encryption import EncryptedString, decrypt, encrypt  # noqa: F401  (public: encrypted columns)
from ..i18n import N_


def emit(plugin: str, name: str, community_id: int | None, object_id: int | None = None,
         actor: str | None = None, **data: Any) -> None:
    """Record the event `<plugin>.<name>` in the outbox; it is delivered to `wuye_plugin_event`
    of the plugins enabled in that community after `commit()`. `data`: plain values only."""
    from .. import events

    events.record(f"{plugin}.{name}", community_id, object_id, actor=actor, **data)


def commit() -> None:
    """Commit the session and relay the events recorded in it (use instead of db.session.commit()).
    Requests and jobs commit at their end anyway; commit yourself only what must be kept even if
    the rest of the request fails (an audit row), or before `enqueue_job`."""
    from .. import events

    events.commit()


def plugin_enabled(plugin: str, community_id: int) -> bool:
    """Whether `plugin` is enabled for the current tenant and that community (for jobs, and for
    views that reach a community the gate did not see: one named in the request body)."""
    from ..host.dispatch import enabled_names

    return plugin in enabled_names(community_id)


def plugin_config(plugin: str, community_id: int) -> dict:
    """`plugin`'s config for a community of the current tenant, defaults filled in, as its hooks
    receive it — for views and jobs that are not handed it by a hook. `{}` without a schema.

    In a request it is remembered per process under the tenant's plugins_version, which every
    config change bumps (like the enabled plugins, dispatch.enabled_names): a plugin that reads
    its config for every ticket costs no query. A copy of your own is returned."""
    import copy

    from ..common.caches import cache
    from ..host.dispatch import host, request_plugins_version
    from ..tenancy import require_tenant_id

    loaded = host().get(plugin)
    if loaded is None or loaded.config_schema is None:
        return {}
    version = request_plugins_version()
    if version is None:
        return _read_plugin_config(loaded, community_id)
    key = (require_tenant_id(), community_id, plugin, version)
    configs = cache("plugin_config")
    found = configs.get(key)
    if found is None:
        found = _read_plugin_config(loaded, community_id)
        configs.put(key, found)
    return copy.deepcopy(found)  # the cached value must stay as it was read


def _read_plugin_config(loaded, community_id: int) -> dict:
    from marshmallow import ValidationError
    from sqlalchemy import select

    from ..extensions import db
    from ..host.enablement import CommunityPlugin, _dumpable

    stored = db.session.scalar(select(CommunityPlugin.config).where(
        CommunityPlugin.community_id == community_id, CommunityPlugin.plugin == loaded.name))
    try:
        return _dumpable(loaded.config_schema().load(stored or {}))
    except ValidationError:  # saved under an older, looser schema: the defaults
        return _dumpable(loaded.config_schema().load({}))


def mask_id_card(number: str | None) -> str | None:
    """An ID-card number as the core shows it (first 3 and last 4 digits), None for none."""
    from ..households.personal_data import mask_id_card as core_mask

    return core_mask(number)


def mask_phone(phone: str | None) -> str | None:
    """A phone number as roles that do not see personal data see it: `138****5678` (the first 3
    and last 4 characters; a number of 7 or fewer, all stars), None for none. API 1.5."""
    from ..households.personal_data import mask_phone as core_mask

    return core_mask(phone)


def open_ticket(community_id: int, *, site_id: int, title: str, category: str, actor: str, kind: str = "repair",
                priority: str = "normal", channel: str = "liaison_visit", description: str | None = None,
                location: str | None = None, household_id: int | None = None,
                reporter_resident_id: int | None = None) -> int:
    """1.x: like `wuye_core.plugins.open_ticket`, then commits the session — the plugin's own
    unfinished work with it. Deprecated (DeprecationWarning): import `open_ticket` from
    `wuye_core.plugins`, which commits nothing (the request or job commits; or call `commit()`)."""
    _deprecated("open_ticket")
    from .tickets import open_ticket as open_

    ticket_id = open_(community_id, site_id=site_id, title=title, category=category, actor=actor, kind=kind,
                      priority=priority, channel=channel, description=description, location=location,
                      household_id=household_id, reporter_resident_id=reporter_resident_id)
    commit()
    return ticket_id


def _deprecated(name: str) -> None:
    import warnings

    warnings.warn(f"wuye_core.plugins.services.{name} commits the session and is deprecated: use "
                  f"wuye_core.plugins.{name}, which does not (the request or job commits; commit() if you must)",
                  DeprecationWarning, stacklevel=3)


def ticket_summaries(ticket_ids) -> dict[int, dict]:
    """`{id: {"id", "community_id", "site_id", "title", "status", "kind", "priority", "team",
    "created_at"}}` of the tenant's tickets among `ticket_ids`, in one query (ids of no ticket of
    the tenant are left out). `team`: the team it is dispatched to (None: none); `created_at`: an
    aware datetime (UTC). `site_id`, `team` and `created_at`: API 1.11."""
    from sqlalchemy import select

    from ..extensions import db
    from ..tickets.models import Ticket

    ids = sorted(set(ticket_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(Ticket.id, Ticket.community_id, Ticket.site_id, Ticket.title, Ticket.status,
                                     Ticket.kind, Ticket.priority, Ticket.team, Ticket.created_at)
                              .where(Ticket.id.in_(ids))).all()
    return {row.id: {"id": row.id, "community_id": row.community_id, "site_id": row.site_id, "title": row.title,
                     "status": row.status.value, "kind": row.kind.value, "priority": row.priority.value,
                     "team": row.team, "created_at": row.created_at}
            for row in rows}


def community_tickets(community_id: int, *, site_ids=None, allowing: str | None = None,
                      limit: int = 200) -> list[dict]:
    """The summaries (see `ticket_summaries`) of a community's tickets, oldest first, at most
    `limit`, in one query: only those at `site_ids` when given, and only those whose state allows
    the action `allowing` when given ("dispatch", "resolve", "cancel"…: the core's state machine
    decides, so a plugin never copies it). API 1.11."""
    from sqlalchemy import select

    from ..extensions import db
    from ..tickets.models import Ticket
    from ..tickets.states import TRANSITIONS

    stmt = select(Ticket.id).where(Ticket.community_id == community_id)
    if site_ids is not None:
        stmt = stmt.where(Ticket.site_id.in_(sorted(set(site_ids))))
    if allowing is not None:
        stmt = stmt.where(Ticket.status.in_(sorted(TRANSITIONS[allowing][0])))
    ids = list(db.session.scalars(stmt.order_by(Ticket.created_at, Ticket.id).limit(limit)))
    found = ticket_summaries(ids)
    return [found[i] for i in ids if i in found]


def ticket_summary(ticket_id: int) -> dict | None:
    """One ticket's summary (see `ticket_summaries`), or None."""
    return ticket_summaries([ticket_id]).get(ticket_id)


def resolve_ticket(ticket_id: int, actor: str, note: str | None = None) -> bool:
    """1.x: like `wuye_core.plugins.resolve_ticket`, then commits the session. Deprecated
    (DeprecationWarning): import `resolve_ticket` from `wuye_core.plugins`, which commits nothing."""
    _deprecated("resolve_ticket")
    from .tickets import resolve_ticket as resolve

    resolved = resolve(ticket_id, actor, note)
    commit()
    return resolved


def enqueue_job(plugin: str, job: str, job_id: str | None = None, **kwargs: Any) -> bool:
    """Run the plugin's job `job` (from `wuye_jobs`) for the current tenant in the background:
    on the rq queue in production, at once in the embedded default. Commit first: the job runs in
    another transaction. `kwargs`: plain values. False when Redis could not take it."""
    from ..events.plugin_jobs import run_plugin_job
    from ..jobs import enqueue
    from ..tenancy import require_tenant_id

    return enqueue(run_plugin_job, job_id=job_id, tenant_id=require_tenant_id(),
                   plugin=plugin, job=job, **kwargs)


def staff_identity(user_id: int):
    """An active staff user of the current tenant as an `Identity` (their roles, for
    `can_read`/`can_write`/`has_role`), or None when there is no such active user."""
    from ..auth.identity import staff_identity as identity_of
    from ..auth.models import StaffUser
    from ..extensions import db

    user = db.session.get(StaffUser, user_id)  # tenant-scoped by the framework
    if user is None or not user.active:
        return None
    return identity_of(user)


def staff_holding(roles, community_id: int) -> list[tuple[int, str]]:
    """The active staff users of the current tenant holding one of `roles` for `community_id`
    (or tenant-wide), as (id, the name people read), by name: who a plugin may offer in a choice
    (the plugin's own check still decides, e.g. with `staff_identity`). One query."""
    from sqlalchemy import or_, select

    from ..auth.models import RoleGrant, StaffUser
    from ..extensions import db

    rows = db.session.execute(
        select(StaffUser.id, StaffUser.username, StaffUser.display_name).distinct()
        .join(RoleGrant, RoleGrant.user_id == StaffUser.id)
        .where(StaffUser.active.is_(True), RoleGrant.role.in_(list(roles)),
               or_(RoleGrant.community_id.is_(None), RoleGrant.community_id == community_id))
    ).all()
    return sorted(((i, display or username) for i, username, display in rows), key=lambda row: row[1])


def tenant_name() -> str:
    """The current tenant's name (for a document's letterhead)."""
    from ..extensions import db
    from ..tenancy import Tenant, require_tenant_id

    return db.session.get(Tenant, require_tenant_id()).name


def tenant_ids(active_only: bool = True) -> list[int]:
    """Every tenant's id, for platform-level maintenance commands (a retention purge) that then
    enter each tenant's context with `tenant_context(id)`."""
    from sqlalchemy import select

    from ..extensions import db
    from ..tenancy import Tenant

    stmt = select(Tenant.id).order_by(Tenant.id)
    if active_only:
        stmt = stmt.where(Tenant.active.is_(True))
    return list(db.session.scalars(stmt))


def record_audit(plugin: str, verb: str, *, target_type: str | None = None, target_id: Any = None,
                 details: dict | None = None) -> None:
    """Record `<plugin>.<verb>` in the core's audit trail (the tenant's, read by its admins at
    GET /api/v1/audit), in the caller's transaction: kept when the request succeeds. `verb`:
    "exported" (an export of personal data), "config_changed", or "amended" (a correction of a
    record the plugin keeps, e.g. a care visit; API 1.6); `details`: plain values, never a password
    or the personal data itself (name the changed fields, not their values). Who acted and from
    where come from the request."""
    from ..audit import record
    from ..audit.actions import plugin_action

    record(plugin_action(plugin, verb), target_type=target_type, target_id=target_id, details=details)


def purge_expired(table: str, cutoff) -> int:
    """Delete the rows of an append-only table (`append_only` in its migration, with a retention)
    older than `cutoff` in the current tenant, in the caller's transaction; the database refuses
    to delete any row younger than the table's retention. Returns how many rows went."""
    from ..extensions import db
    from ..tenancy.rls import purge_expired as purge

    return purge(db.session, table, cutoff)


_MOBILE = re.compile(r"^1[0-9]{10}$")
_TYPED_PHONE = re.compile(r"^[0-9+\-() ]{11,20}$")  # as the register keeps one: digits, spaces, +86, hyphens
_PURPOSE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
NOT_A_MOBILE = N_("Not a mainland mobile number (11 digits starting with 1).")
NOT_A_PURPOSE = N_("A short code of lowercase letters, digits and _ (e.g. fees_reminder).")


def send_sms(phone: str, text: str, purpose: str) -> bool:
    """Text `text` to `phone` in the current tenant, through its SMS provider plugins (hook
    `wuye_sms_send`, as the core texts a sign-in code): True when a provider accepted it, False
    when none did and the text only went to the log (the embedded default, a tenant without a
    provider). `phone`: a mainland mobile number (11 digits starting with 1; spaces, hyphens and
    +86 as the register keeps them are fine), else a 422 naming `phone`; `purpose`: the plugin's
    short code for the kind of text (`fees_reminder`), else a 422 naming `purpose`. Writes nothing:
    call it after the commit that stored what the text refers to (in a job, after `commit()`),
    so a rolled-back change never leaves a text behind. API 1.13."""
    from ..errors import invalid
    from ..resident_access.phones import phone_digits
    from ..resident_access.sms import send_text
    from ..tenancy import require_tenant_id

    digits = phone_digits(phone) if isinstance(phone, str) and _TYPED_PHONE.match(phone.strip()) else ""
    if not _MOBILE.match(digits):
        invalid("phone", NOT_A_MOBILE)
    if not isinstance(purpose, str) or not _PURPOSE.match(purpose):
        invalid("purpose", NOT_A_PURPOSE)
    if not isinstance(text, str) or not text.strip():
        invalid("text", N_("Must not be blank."))
    return send_text(require_tenant_id(), digits, text, purpose) is not None
