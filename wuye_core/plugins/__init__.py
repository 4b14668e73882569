# ruff: noqa: I001  (grouped by topic, in the order docs/plugins.md §3 lists them)
"""The public API for plugin authors: everything a plugin may use, from this one import root.

    from wuye_core.plugins import hookimpl, PluginInfo, db, TenantScoped, require_staff, invalid

docs/plugins.md §3 lists every name exported here, and a test in CI fails when a plugin in
this repository imports anything else from wuye_core. Nothing else in wuye_core is public:
it may change without notice. The core itself never imports this package (it is a facade
over the core's features and the plugin host, wuye_core.host), so it may import anything.
"""

# Hooks and the values that cross them
from ..host.hookspecs import HOOK_API_VERSION, hookimpl
from ..host.types import (
    ConsolePart,
    Event,
    Figure,
    Link,
    MenuEntry,
    Panel,
    PersonalDataSection,
    PluginInfo,
    PluginVeto,
    ReportSection,
    ResidentInfo,
    ResidentNavEntry,
    ResidentPart,
    Role,
    Schedule,
    Webhook,
    WebhookRequest,
)
# inbound webhooks (API 1.13): one definition of a provider's HMAC-SHA256 hex signature
from ..common.signatures import sign, verify_signature

# Data: the session, tenant-scoped models, the tenant context, RLS and append-only tables in migrations, row
# locks, encrypted columns
from ..extensions import db
from ..tenancy import TenantScoped, require_tenant_id, tenant_context, tenant_fk
from ..tenancy.rls import append_only, disable_tenant_rls, drop_append_only, enable_tenant_rls
from ..common.locking import get_for_update
from ..common.types import UTCDateTime
from ..common.encryption import EncryptedString, decrypt, encrypt

# Input and output: the strict base schema, bounded fields, errors that name the field
from ..common.schemas import StrictSchema
from ..common.fields import Id, Text
# Figures: one unit per kind (rates 0–1, counts, minutes, 1–5 satisfaction) and the one period argument
from ..common.fields import Count, Minutes, Rate, Satisfaction, minutes_value, rate_value
from ..common.periods import PeriodArgs
from ..errors import Conflict, DomainError, ErrorSchema, Forbidden, Invalid, NotFound, invalid

# Lists: one shape {items, total, page, per_page}, newest first, documented `sort` fields
from ..api.pagination import PageArgs, Sort, page_schema, paginate, ranked

# Spreadsheets: every .xlsx export goes through this writer (user text is never a formula; every
# sheet prints on A4, fitted to the page width); every download's name and response
from ..common.spreadsheets import XLSX, XLSX_DOC, XlsxWriter, download_name, download_response, xlsx_response

# Languages: the plugin's own catalog, messages translated for their reader, a job's locale, stored messages
from ..i18n import Message, Translator, current_locale, show_note, store_note, translator, use_locale

# Who is calling, and what they may do
from ..api.access import current_identity, require_staff, require_tenant_admin
from ..api.throttle import throttle
from ..auth.roles import COMMUNITY_STAFF, READONLY, TENANT_ADMIN, Identity
from ..households.access import readable_community
from ..auth.names import display_names as staff_names

# Routes: what the core's gate found for the request (docs/plugins.md §2)
from ..host.gate import plugin_communities, route_community

# The housing register, to read (change it through the API, which runs the checks and hooks)
from ..households.models import Building, Community, Household, Resident, Site, Unit

# Services: events, the audit trail, plugin config, background jobs, tickets, staff, tenants, Beijing dates
from . import services
from .services import (
    LOCAL_TZ,
    commit,
    emit,
    enqueue_job,
    local_date,
    local_now,
    local_today,
    mask_id_card,
    mask_phone,
    plugin_config,
    plugin_enabled,
    purge_expired,
    record_audit,
    staff_holding,
    staff_identity,
    tenant_ids,
    tenant_name,
    ticket_summaries,
    ticket_summary,
    community_tickets,  # API 1.11
    send_sms,  # API 1.13
)
from .tickets import open_ticket, resolve_ticket  # commit nothing (services.open_ticket, 1.x, commits)
from .tickets import dispatch_ticket  # commits nothing; API 1.11
from .register import ResidentRegistration, register_resident  # commits nothing; API 1.6
from .links import ServiceLinkInfo, service_links  # API 1.8
# hand-offs between linked tenants (API 1.8): a record handed to the partner, its progress
from ..handoffs.facade import HandoffInfo, hand_off, handoff_info
# public disclosures (公示, API 1.9): a document a plugin built, published to residents
from ..disclosures.facade import publish_disclosure
from ..disclosures.facade import DisclosureInfo, correct_disclosure, disclosure_info  # API 1.13
# the web console (API 1.7): a plugin's pages, forms and their errors
from ..console.forms import GENERAL, attempt, console_form, domain_errors, form_values
from ..console.plugins import render_page
from ..console.layout import beijing
# the residents' phone pages (API 1.12): a plugin's pages, the resident signed in, a link to a page
from ..h5.plugin_pages import current_resident, render_resident_page
from ..h5.links import resident_link

__all__ = [
    # hooks
    "HOOK_API_VERSION", "hookimpl", "Event", "Figure", "Link", "PluginInfo", "PluginVeto", "ReportSection", "Role",
    "Schedule", "PersonalDataSection",
    # inbound webhooks (API 1.13)
    "Webhook", "WebhookRequest", "sign", "verify_signature",
    # the web console (API 1.7)
    "ConsolePart", "MenuEntry", "Panel", "render_page", "console_form", "form_values", "attempt", "domain_errors",
    "GENERAL",
    "beijing",
    # the residents' pages (API 1.12)
    "ResidentPart", "ResidentNavEntry", "ResidentInfo", "current_resident", "render_resident_page", "resident_link",
    # data
    "db", "TenantScoped", "tenant_fk", "tenant_context", "require_tenant_id", "enable_tenant_rls",
    "disable_tenant_rls", "append_only", "drop_append_only", "purge_expired", "get_for_update", "UTCDateTime", "EncryptedString", "encrypt", "decrypt",
    # input and output
    "StrictSchema", "Id", "Text", "ErrorSchema", "DomainError", "Invalid", "NotFound", "Forbidden", "Conflict",
    "invalid",
    # figures and periods
    "Rate", "Count", "Minutes", "Satisfaction", "rate_value", "minutes_value", "PeriodArgs",
    # lists
    "PageArgs", "Sort", "page_schema", "paginate", "ranked",
    # spreadsheets
    "XlsxWriter", "xlsx_response", "XLSX", "XLSX_DOC", "download_name", "download_response",
    # languages
    "translator", "Translator", "Message", "current_locale", "use_locale", "store_note", "show_note",
    # access
    "current_identity", "require_staff", "require_tenant_admin", "Identity", "TENANT_ADMIN", "COMMUNITY_STAFF",
    "READONLY", "readable_community", "throttle", "staff_names",
    # routes
    "route_community", "plugin_communities",
    # register
    "Community", "Site", "Building", "Unit", "Household", "Resident",
    # services
    "services", "emit", "commit", "record_audit", "plugin_enabled", "plugin_config", "enqueue_job", "open_ticket", "resolve_ticket",
    "dispatch_ticket", "community_tickets",  # API 1.11
    "register_resident", "ResidentRegistration",
    # hand-offs (API 1.8)
    "service_links", "ServiceLinkInfo", "hand_off", "handoff_info", "HandoffInfo",
    # public disclosures (API 1.9)
    "publish_disclosure", "correct_disclosure", "disclosure_info", "DisclosureInfo",  # the last three: API 1.13
    # text messages (API 1.13)
    "send_sms",
    "ticket_summary", "ticket_summaries", "staff_identity", "staff_holding", "tenant_name", "tenant_ids", "mask_id_card", "mask_phone", "local_today", "local_now", "local_date", "LOCAL_TZ",
]
