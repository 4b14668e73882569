"""Values that cross the plugin boundary. Part of the public hook API (see hookspecs.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class PluginInfo:
    """Who a plugin is. `name` is its identifier in URLs, config and table prefixes."""

    name: str
    version: str
    title_zh: str
    title_en: str
    description: str = ""
    api_version: str = "1.0"  # the hook API version the plugin was written against


@dataclass(frozen=True)
class Role:
    """A role a plugin adds (e.g. care_worker). Granted like core roles, tenant-wide or per community."""

    name: str
    title_zh: str
    title_en: str
    can_read: bool = True  # the core housing register
    can_write: bool = False
    # API 1.5: residents' phone numbers and sensitive tags unmasked (households/personal_data.py)
    sees_personal_data: bool = False


@dataclass(frozen=True)
class Schedule:
    """Run the plugin's job `job` every `every_seconds`, once per tenant where the plugin is enabled."""

    name: str
    job: str
    every_seconds: int


@dataclass(frozen=True)
class Event:
    """Something that happened in the core. Delivered after the change is committed.

    `id` is unique per event: handlers use it to stay idempotent (an event may be delivered
    more than once). `data` holds plain values only (ids, strings, numbers), never ORM objects.
    """

    name: str  # e.g. "household_created"
    tenant_id: int
    community_id: int | None
    object_id: int | None
    data: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


@dataclass(frozen=True)
class Figure:
    """A number on a community dashboard. Its key's ending gives its unit (README, "API
    conventions"): `…_rate` a fraction 0–1 rounded to four decimals (not a percentage),
    `…_minutes` a duration in minutes, `…_satisfaction` the mean of 1–5 ratings; any other key is
    a count, an `int`. `unit` is the word shown after a count (人, 件, 次), empty for a rate."""

    key: str
    label_zh: str
    label_en: str
    value: float | int | None
    unit: str = ""


@dataclass(frozen=True)
class ReportSection:
    """A section of a community report: a title and rows of label/value pairs or free text."""

    key: str
    title_zh: str
    title_en: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""


@dataclass(frozen=True)
class PersonalDataSection:
    """A part of a resident's copy of their personal information (API 1.10, hook
    `wuye_resident_personal_data`): what the plugin holds about them, one dict per record.
    `items` hold plain values only (str, int, float, bool, None, ISO dates as text, lists and
    dicts of those); `fields` may name each key for a reader (`{"visited_on": ("走访日期",
    "Visited on")}`), so the resident's page can show the section without knowing the plugin."""

    key: str  # e.g. "care_visits.visits"
    title_zh: str
    title_en: str
    items: list[dict[str, Any]] = field(default_factory=list)
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """A link from a core object (a ticket) to something a plugin holds about it."""

    key: str  # e.g. "agenda_item:12"
    label_zh: str
    label_en: str
    href: str  # an API path, e.g. /api/v1/plugins/red_property/agenda-items/12


@dataclass(frozen=True)
class MenuEntry:
    """An entry of the web console's menu (API 1.7). `endpoint` names a view of the plugin's
    console blueprint ("meetings" for its view `meetings`). Shown only where the plugin is enabled
    for a community the user can read, and, when `roles` is given, to users holding one of them
    (a tenant administrator sees every entry). API 1.11: an entry given `roles` also shows to a
    holder of one of them where the plugin is enabled for a community the grant covers, though
    the role reads no register (`Role(can_read=False)`, e.g. a worker's own phone page)."""

    key: str
    label_zh: str
    label_en: str
    endpoint: str
    roles: tuple[str, ...] | None = None
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A panel of the console's home dashboard (API 1.7). `render(community_ids)` returns the
    panel's HTML (e.g. `render_template("myplugin/panel.html", ...)`) for the communities shown
    where the plugin is enabled; it must not write. Contained: a failing panel is left out; an
    empty one is not drawn."""

    key: str
    title_zh: str
    title_en: str
    render: Any


@dataclass(frozen=True)
class ConsolePart:
    """What a plugin adds to the web console (API 1.7, hook `wuye_console`): a Flask blueprint of
    pages mounted under /console/plugins/<name> (its templates in its own package, named
    "<name>/….html", extending "console/base.html"), menu entries and dashboard panels."""

    blueprint: Any = None
    menu: tuple[MenuEntry, ...] = ()
    panels: tuple[Panel, ...] = ()


@dataclass(frozen=True)
class ResidentNavEntry:
    """An entry of the residents' pages' bottom navigation (API 1.12). `endpoint` names a view of
    the plugin's residents' blueprint ("checkin" for its view `checkin`). Shown, after the core's
    entries and by `order`, only to a resident with a household in a community where the plugin
    is enabled."""

    key: str
    label_zh: str
    label_en: str
    endpoint: str
    order: int = 100


@dataclass(frozen=True)
class ResidentPart:
    """What a plugin adds to the residents' phone pages (API 1.12, hook `wuye_resident_pages`): a
    Flask blueprint of pages mounted under /h5/plugins/<name> (its templates in its own package,
    named "<name>/….html", extending "h5/base.html") and its entries in the bottom navigation."""

    blueprint: Any = None
    nav: tuple[ResidentNavEntry, ...] = ()


@dataclass(frozen=True)
class ResidentInfo:
    """The resident signed in at a residents' page (API 1.12, `current_resident()`): their
    account, their phone (digits) and the register's rows with that phone in the tenant — moved-out
    households and duplicate rows left out — with their households and communities (ids, sorted).
    On a plugin's page, only those in communities where the plugin is enabled."""

    account_id: int
    phone: str
    resident_ids: tuple[int, ...] = ()
    household_ids: tuple[int, ...] = ()
    community_ids: tuple[int, ...] = ()


class WebhookHeaders(dict):
    """A request's headers as a plain dict whose lookups ignore case (`headers["x-signature"]` and
    `headers.get("X-Signature")` find the same header); keys are kept lower-case."""

    def __init__(self, items=()):
        super().__init__((str(k).lower(), v) for k, v in (items.items() if hasattr(items, "items") else items))

    def __getitem__(self, key):
        return super().__getitem__(str(key).lower())

    def __contains__(self, key):
        return super().__contains__(str(key).lower())

    def get(self, key, default=None):
        return super().get(str(key).lower(), default)


@dataclass(frozen=True)
class WebhookRequest:
    """What a plugin's webhook handler receives (API 1.13): the tenant it runs in (already entered:
    every query is that tenant's), the body exactly as sent (verify its signature on these bytes),
    the headers and the client's address. `json()` parses the body, or raises a 400 naming `body`."""

    tenant_id: int
    body: bytes
    headers: WebhookHeaders = field(default_factory=WebhookHeaders)
    remote_addr: str | None = None

    def json(self) -> Any:
        import json

        from ..errors import DomainError
        from ..i18n import N_

        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            error = DomainError(errors={"body": [N_("Invalid JSON body.")]})
            error.status = 400  # not the body's values (a 422): the body is no JSON at all
            raise error from None


@dataclass(frozen=True)
class Webhook:
    """An inbound webhook of a plugin (API 1.13, hook `wuye_webhooks`): the core answers
    POST /api/v1/webhooks/<tenant slug>/<plugin>/<name> with `handler(WebhookRequest)`, which
    returns `(status, payload)` — an HTTP status and a JSON object. `name`: [a-z0-9_-], 1–40."""

    name: str
    handler: Any


class PluginVeto(Exception):
    """Raised by a validation hook to refuse a change; the user gets a 422 naming the plugin."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
