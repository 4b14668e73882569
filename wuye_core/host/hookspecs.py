"""THE public hook API of wuye (version: HOOK_API_VERSION below).

Every hook a plugin may implement is specified here, with what it receives and returns, how
results are combined, and what happens when it raises. `docs/plugins.md` is generated from
this module (`wuye plugin docs`), and a test fails when they drift apart.

Rules for every hook:
- An implementation may accept any subset of the hook's arguments (pluggy passes only the
  ones it names), so new arguments can be added without breaking plugins.
- Hooks marked *contribution* are called once at start-up, for every installed plugin.
- Hooks marked *per tenant* reach only the plugins enabled for that tenant (and community,
  when one is given): the core decides, plugins never check for themselves.
- *contained*: each call runs in a savepoint of its own; an exception rolls back that
  plugin's writes of that call (and nothing else), is logged with the plugin's name, the
  tenant and the hook, counted, and the core operation goes on. A hook neither commits nor
  rolls back: the core commits its writes (a commit of its own would end the savepoint).
  *Value* hooks (those that return something, and the veto hook) must not write: their
  savepoint is lazy — opened only at the hook's first statement or flush through the session,
  just before it, so a hook that runs no SQL costs nothing and a failing statement is rolled
  back alone. If one raises without having run SQL, what it did to the session is undone (added
  objects expunged, deleted ones put back, changed ones expired). Not contained: Core
  statements on `db.session.connection()` (no ORM event): never run them in a value hook.
  *veto*: raising `PluginVeto` refuses the change with a 422 that names the plugin; any other
  exception is contained.
- *delivered* (event hooks): contained, and tracked per (event, plugin). A plugin's writes
  commit with its delivery record; a plugin that raised gets the event again, alone, with
  backoff (`Settings.event_retry_seconds`), and after the last try its delivery is parked for
  an operator (`wuye jobs failed`) or the tenant admin (`/api/v1/plugin-deliveries`); a
  plugin that got the event is not called for it again.

Compatibility: a plugin states the API version it targets in `PluginInfo.api_version`. It is
loaded when the major version equals ours and its minor version is not newer than ours.
Hooks are retired with a deprecation warning for one major version, never removed silently.
"""

from __future__ import annotations

import pluggy

# 1.1: ticket hooks; 1.2: plugin events, ticket links, demo data; 1.3: route objects;
# 1.4: get_for_update (row locks) in the public facade, wuye_core.plugins;
# 1.5: Role.sees_personal_data, services.mask_phone; XlsxWriter, xlsx_response, XLSX, XLSX_DOC
#      (safe spreadsheet exports) in the facade
#      record_audit (the audit trail), append_only / drop_append_only / purge_expired (append-only tables)
#      throttle (per-user job budget)
# 1.6: staff_names (people's display names for stored usernames); download_name, download_response
#      (every download's file name and response); XlsxWriter sheets print (A4, fit to width, title
#      rows repeated, page numbers; `wrap`, `landscape`, `title_rows`, `page_header`)
#      register_resident (a resident added to the register on a plugin role's permission);
#      record_audit's verb "amended" (a correction of a plugin's record)
#      PageArgs, Sort, page_schema, paginate, ranked (paged lists, newest first, `sort`) in the facade
# 1.7: the web console (wuye_console), staff_holding, console forms in the facade
# 1.8: hand-offs between linked tenants: hook wuye_handoff_progressed; service_links, hand_off,
#      handoff_info (ServiceLinkInfo, HandoffInfo) in the facade; hook wuye_ticket_deadlines_changed
# 1.9: residents (#19): hook wuye_sms_send
# 1.10: residents' rights (PIPL arts. 44–47): hooks wuye_resident_personal_data, wuye_resident_erase;
#       PersonalDataSection
# 1.11: dispatch_ticket (a ticket dispatched to a team or a user, as the API would; commits nothing);
#       ticket_summaries / ticket_summary also give site_id, team and created_at; community_tickets (a
#       community's ticket summaries, by site and by the action their state allows); a MenuEntry with
#       `roles` also shows to holders of those roles that read no register (a worker's own page)
# 1.12: residents' pages: hook wuye_resident_pages (ResidentPart, ResidentNavEntry); current_resident
#       (ResidentInfo), render_resident_page, resident_link in the facade
# 1.13: inbound webhooks: hook wuye_webhooks (Webhook, WebhookRequest), sign / verify_signature; send_sms;
#       correct_disclosure, disclosure_info (DisclosureInfo); resident_link outside a request (WUYE_PUBLIC_URL)
HOOK_API_VERSION = "1.13"
PROJECT = "wuye"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- contributions: called once at start-up -----------------------------------------------------


@hookspec(firstresult=True)
def wuye_plugin_info():
    """Describe the plugin. **Required.**

    Kind: contribution. Returns: `PluginInfo(name, version, title_zh, title_en, description,
    api_version)`. `name` must be a lowercase identifier (`[a-z][a-z0-9_]*`); it prefixes the
    plugin's tables and URLs. Exceptions: the plugin is refused at start-up and reported.
    """


@hookspec
def wuye_blueprints():
    """Contribute HTTP endpoints.

    Kind: contribution. Returns: a list of `flask_smorest.Blueprint`. Each is mounted under
    `/api/v1/plugins/<name>` and documented in the OpenAPI document. Before any view runs, the
    core's gate answers 404 where the plugin is off: for every route, where it is not enabled
    for the caller's tenant; for a route with a `community_id` path parameter, where that
    community does not exist in the tenant, the caller cannot read it, or the plugin is not
    enabled there; for a route with an object id in its path, the same for the object's
    community, which the gate finds through `wuye_route_objects` (and 404 when there is no such
    object in the tenant). Authentication is required as for every API route. Exceptions: the
    plugin is refused.
    """


@hookspec
def wuye_console():
    """Contribute pages, menu entries and dashboard panels to the web console.

    Kind: contribution (API 1.7). Returns: a `ConsolePart(blueprint, menu, panels)`. The
    blueprint is a plain `flask.Blueprint` whose templates live in the plugin's own package
    (name them "<plugin>/….html" and extend "console/base.html"); it is mounted under
    `/console/plugins/<name>` and its views are behind the same gate as the plugin's API routes
    (404 where the plugin is off for the caller; `wuye_route_objects` covers their path
    parameters too). A signed-in console user is the request's identity (`current_identity()`);
    every form needs `{{ csrf_token() }}`; `console_form(schema)` loads a form through a
    marshmallow schema and `field_errors` names what is wrong next to each field. Menu entries
    (`MenuEntry`) show only where the plugin is enabled for a community the user can read;
    panels (`Panel`) are drawn on the home dashboard. Exceptions: the plugin is refused.
    """


@hookspec
def wuye_resident_pages():
    """Contribute pages and bottom-navigation entries to the residents' phone pages (/h5).

    Kind: contribution (API 1.12). Returns: a `ResidentPart(blueprint, nav)`. The blueprint is a
    plain `flask.Blueprint` whose templates live in the plugin's own package (name them
    "<plugin>/….html" and extend "h5/base.html"); it is mounted under `/h5/plugins/<name>`.
    Every request to it passes the residents' door exactly like the core's residents' pages: not
    signed in, to the community's sign-in page (and back to the page after it); the privacy
    notice first until the resident agreed to it; a CSRF token on every POST (400 without); the
    residents' error pages. Then a gate: 404 unless the plugin is enabled for the tenant and for
    a community where the signed-in resident has a household. Path parameters are not gated (a
    resident reads no community): the view checks that what an id names is the resident's or
    their community's (`current_resident()`). Render with `render_resident_page`; navigation
    entries (`ResidentNavEntry`) show only to residents where the plugin is enabled for one of
    their communities. Exceptions: the plugin is refused.
    """


@hookspec
def wuye_webhooks():
    """Inbound webhooks: a provider's notification (a payment's) reaching the plugin without a login.

    Kind: contribution (API 1.13). Returns: a tuple of `Webhook(name, handler)`; `name` is
    `[a-z0-9_-]`, 1–40 characters, unique within the plugin. The core answers
    `POST /api/v1/webhooks/<tenant slug>/<plugin>/<name>` with no token, no session and no CSRF
    token (any body, JSON or not, at most 64 KiB: else 413), throttled per client address
    (`WUYE_WEBHOOK_LIMIT_PER_ADDRESS`, 429). 404 (the API's JSON error) when the tenant is unknown
    or inactive, the plugin or the webhook does not exist, or the plugin is not enabled for that
    tenant. Else the core enters the tenant and calls `handler(WebhookRequest)` (`tenant_id`,
    `body` as bytes, `headers` with case-insensitive lookups, `remote_addr`, `json()`). There is no
    caller: anyone on the internet can post, so the handler verifies the request itself
    (`verify_signature` on the raw `body`) before it reads or writes anything else, and checks
    that what the body names (a community, a bill) is of this tenant and enabled. The handler
    returns `(status, payload)`: an HTTP status and a JSON object, answered as they are. Status
    below 400: the core commits the handler's writes and the events it emitted, as a request's
    edge does; 400 or more: rolled back. A `DomainError` is answered as the API answers it (rolled
    back); any other exception is logged with the plugin's name and answered 500 (rolled back).
    Providers retry: a notification that arrives twice must change nothing the second time
    (keep the provider's id on your row with a unique index). Exceptions at start-up: the plugin
    is refused. Not in the OpenAPI document (its bodies are each provider's).
    """


@hookspec
def wuye_route_objects():
    """Say what each path parameter of the plugin's routes addresses, so the gate covers them all.

    Kind: contribution (API 1.3). Returns: a dict path parameter name → what it addresses:
    a model class with an integer primary key and a `community_id` attribute (one of the
    plugin's models, or a register model: `Site`, `Building`, `Unit`, `Household`, `Resident`;
    a `column_property` will do for a child row that lives in its parent's community), the
    string `"ticket"` (the core's tickets), or `None` (the parameter addresses nothing in a
    community, e.g. a year: the tenant's enablement is the only check). The gate loads the object
    by id (tenant-scoped) before the view runs: 404 when there is none; a row whose
    `community_id` is NULL is the tenant's and only the tenant's enablement is checked; else
    404 unless the caller can read its community and the plugin is enabled there. Every id
    in one URL (and `community_id`) must name the same community, else 404. The view may call
    `route_community()` for that community, and `db.session.get(Model, id)` returns the object
    the gate loaded without a query. `community_id` needs no entry. Rule: every other path
    parameter of the plugin's routes is declared; a plugin targeting API 1.3 or later that
    leaves one out, or declares anything else, is refused at start-up. (An older plugin is
    loaded, its undeclared parameters gated by the tenant only, with a deprecation warning.)
    """


@hookspec
def wuye_models():
    """Declare the plugin's SQLAlchemy models.

    Kind: contribution. Returns: a list of model classes. Each must subclass
    `wuye_core.tenancy.TenantScoped` and `wuye_core.extensions.db.Model` (so it is scoped to
    the tenant by the core) and its table name must start with `<name>_`. A model breaking
    these rules refuses the plugin at start-up.
    """


@hookspec
def wuye_migrations():
    """Point to the plugin's Alembic migrations.

    Kind: contribution. Returns: the path of a directory of Alembic revision files. The first
    revision has `branch_labels = ("<name>",)` and `depends_on = "0001_core"`. `wuye db upgrade`
    applies every installed plugin's branch; call `wuye_core.tenancy.rls.enable_tenant_rls(table)`
    for each table you create.
    """


@hookspec
def wuye_config_schema():
    """The schema of the plugin's per-community config.

    Kind: contribution. Returns: a marshmallow `Schema` class. Unknown fields should be
    refused; every field should have a `load_default`. Config sent for a community is loaded
    with it; errors answer 422 naming each field.
    """


@hookspec
def wuye_roles():
    """Roles the plugin adds.

    Kind: contribution. Returns: a list of `Role`. Role names must start with the plugin's name
    or be unique across plugins; a clash refuses the later plugin.

    `Role(name, title_zh, title_en, can_read=True, can_write=False, sees_personal_data=False)`:
    `can_read` / `can_write` concern the core housing register of the communities the role is
    granted for. `sees_personal_data` (API 1.5): whether its holders see residents' phone numbers
    and sensitive tags (低保户, 残疾, 独居老人…) in full; without it (the default) they see phones
    masked (`138****5678`), sensitive tags left out, and cannot search by phone or filter by a
    sensitive tag. Set it only for a role whose work needs it (a care worker who visits at home).
    """


@hookspec
def wuye_cli_commands():
    """Command-line commands.

    Kind: contribution. Returns: a list of `click.Command`; they appear as `wuye <name> <command>`.
    """


@hookspec
def wuye_jobs():
    """Background jobs the plugin can run.

    Kind: contribution. Returns: a dict of job name → function. A job function receives keyword
    arguments only (`tenant_id` and plain values, never ORM objects); it runs inside the tenant's
    context, and only while the plugin is still enabled for that tenant. It must be idempotent.
    """


@hookspec
def wuye_schedules():
    """Periodic work.

    Kind: contribution. Returns: a list of `Schedule(name, job, every_seconds)`; `job` names one
    of the plugin's jobs. It runs for every tenant where the plugin is enabled.
    """


# --- per tenant: core events (delivered) --------------------------------------------------------


@hookspec
def wuye_household_created(event):
    """A household was added to the register.

    Kind: per tenant and community, delivered. Receives: `event` (`Event`; `object_id` is the
    household id; `data` has unit_id, kind). Returns: nothing. Called after the change commits.
    """


@hookspec
def wuye_household_changed(event):
    """A household's data changed.

    Kind: per tenant and community, delivered. Receives: `event` (`data["changed"]` lists the
    changed fields). Returns: nothing. Called after the change commits.
    """


@hookspec
def wuye_household_moved_out(event):
    """A household moved out (its `moved_out_on` date was set).

    Kind: per tenant and community, delivered. Receives: `event` (`data["moved_out_on"]`).
    Returns: nothing. Called after the change commits.
    """


@hookspec
def wuye_resident_created(event):
    """A resident was added to a household.

    Kind: per tenant and community, delivered. Receives: `event` (`object_id` is the resident
    id; `data` has household_id and tags). Returns: nothing. Called after the change commits.
    """


@hookspec
def wuye_resident_changed(event):
    """A resident's data changed.

    Kind: per tenant and community, delivered. Receives: `event` (`data["changed"]` lists the
    changed fields; values are not included, they may be personal). Returns: nothing.
    """


@hookspec
def wuye_resident_moved_out(event):
    """A resident left the register (was removed from their household).

    Kind: per tenant and community, delivered. Receives: `event` (`data["household_id"]`).
    Returns: nothing. Called after the change commits.
    """


# --- per tenant: tickets (API 1.1) ---------------------------------------------------------------


@hookspec
def wuye_ticket_sla_policy(tenant_id, community_id, kind, category, priority, default):
    """Provide or adjust the SLA of a ticket being created (or whose priority changed).

    Kind: per tenant and community, contained. Receives: `tenant_id`, `community_id`, the
    ticket's `kind`, `category` and `priority`, and `default` — the community's policy for
    this priority, a dict `{"name", "arrive_minutes", "resolve_minutes"}` (minutes may be None:
    no deadline). Returns: such a dict to replace it, or None to leave it. The first enabled
    plugin that returns a policy wins; its name is stored on the ticket (`sla_policy`). Value hook: must not write; its savepoint is lazy (docs/plugins.md §5).
    """


@hookspec
def wuye_ticket_created(event):
    """A ticket was submitted.

    Kind: per tenant and community, delivered. Receives: `event` (`object_id` is the ticket id;
    `data` has kind, category, priority, channel). Returns: nothing. Called after the commit.
    """


@hookspec
def wuye_ticket_transitioned(event):
    """A ticket moved in its lifecycle.

    Kind: per tenant and community, delivered. Receives: `event` (`data` has action,
    from_status, to_status). Returns: nothing. Called after the commit.
    """


@hookspec
def wuye_ticket_assigned(event):
    """A ticket was dispatched (or re-dispatched) to a staff user or team.

    Kind: per tenant and community, delivered. Receives: `event` (`data` has assignee_id, team).
    Returns: nothing. Called after the commit.
    """


@hookspec
def wuye_ticket_rated(event):
    """A resident's satisfaction (回访) was recorded, or a recorded one corrected.

    Kind: per tenant and community, delivered. Receives: `event` (`data` has rating 1–5;
    also correction — true when an earlier rating of the same resolution was corrected,
    with a reason in the ticket's history — and previous_rating, the corrected one or None).
    Returns: nothing. Called after the commit.
    """


@hookspec
def wuye_ticket_sla_breached(event):
    """A ticket missed a deadline. Emitted once per deadline by the periodic SLA check.

    Kind: per tenant and community, delivered. Receives: `event` (`data` has deadline
    "arrive" or "resolve", due_at, priority). Returns: nothing.
    """


@hookspec
def wuye_ticket_deadlines_changed(event):
    """A ticket's deadlines moved: its priority was changed (API 1.8). They count again from the
    ticket's submission, and a deadline missed before may be missed again (the SLA check emits
    `wuye_ticket_sla_breached` anew).

    Kind: per tenant and community, delivered. Receives: `event` (`data` has priority,
    arrive_due_at, resolve_due_at — ISO 8601 or None: no deadline). Returns: nothing. Called after
    the commit.
    """


@hookspec
def wuye_handoff_progressed(event):
    """A hand-off this tenant sent moved on at the other side (API 1.8).

    Kind: per tenant and community, delivered — to the plugins of the tenant that SENT the
    hand-off (through its outbox), once per step. Receives: `event` (`object_id` is the hand-off's
    id; `data` has handoff_id, source — "ticket" or what the plugin gave `hand_off`, e.g.
    "red_property.resolution" —, source_id, step — delivered, accepted, dispatched, on_site,
    resolved, rated, closed, cancelled, reopened, breached, deadlines, returned or failed — and
    note: the reason of a return or failure, the deadline missed, the rating, the new priority). Returns: nothing. Called
    after the step commits; may arrive twice (`event.id` is the same).
    """


@hookspec
def wuye_sms_send(tenant_id, phone, text, purpose):
    """Send a text message: an SMS provider plugin (a commercial SMS service) implements it (API 1.9).

    Kind: per tenant, value. Receives: `tenant_id`, `phone` (digits only, a mainland mobile number
    without +86), `text` (zh_CN, ready to send: a sign-in code, an urgent notice) and `purpose`
    ("sign_in_code", "urgent_notice", "deletion_request" — the decision on a resident's request to
    delete their data, API 1.10). Returns: True when the provider accepted it; None or False
    to let the next provider try. The first True ends it; when no plugin sends it, the core writes
    the text to its log (the embedded default, a tenant without a provider). Called after the
    commit that stored what the text refers to; must not write (its savepoint is lazy).
    """


# --- per tenant: residents' rights over their personal information (API 1.10) -----------------


@hookspec
def wuye_resident_personal_data(tenant_id, phone, resident_ids):
    """What the plugin holds about a resident, for their copy of it (个人信息保护法 art. 45, "我的信息").

    Kind: per tenant — every installed plugin, enabled or not (disabling a plugin keeps its data,
    and the resident's right reaches it) —, value. Receives: `tenant_id`, `phone` (digits, the
    signed-in resident's number) and `resident_ids` (the ids of the register's rows with that
    number, possibly empty). Returns: a list of `PersonalDataSection` (empty when the plugin holds
    nothing about them). Give the person's own data in full, except what must not travel over the
    web (an ID-card number: masked, `mask_id_card`); leave out other people's (a visitor's name is
    staff's, a neighbour's is theirs). A plugin that raises is left out and named in the copy's
    `incomplete` list. Value hook: must not write; its savepoint is lazy (docs/plugins.md §5).
    """


@hookspec
def wuye_resident_erase(tenant_id, phone, resident_ids):
    """A resident's request for deletion was approved (个人信息保护法 art. 47): erase or anonymise
    what the plugin holds about them.

    Kind: per tenant — every installed plugin, enabled or not —, all or nothing. Receives:
    `tenant_id`, `phone` (digits) and `resident_ids` (the register rows with that number; the core
    removes them after this call). Returns: nothing (a dict of counts, e.g. `{"people": 1}`, is
    kept with the request as its outcome: counts only, never the erased values). Keep what another
    law requires (counts for statistics, the fact that a visit happened), erase the rest; never
    write the erased values anywhere (not into the audit trail either). Runs in the approval's
    transaction, in a savepoint: do not commit. If it raises, the approval is refused (409 naming
    the plugin), nothing at all is erased and the request stays pending, to be approved again.
    Called once per approval; must cope with finding nothing.
    """


# --- per tenant: validation (veto) --------------------------------------------------------------


@hookspec
def wuye_validate_resident(tenant_id, community_id, data, resident_id):
    """Check a resident before it is created or changed.

    Kind: per tenant and community, veto. Receives: `tenant_id`, `community_id`, `data` (the
    validated fields being written), `resident_id` (None when creating). Raise `PluginVeto(message, field)` to refuse: the user
    gets a 422 naming the plugin. Returns: nothing. Value hook: must not write; its savepoint is lazy (docs/plugins.md §5).
    """


# --- per tenant: dashboards and reports (contained) ---------------------------------------------


@hookspec
def wuye_dashboard_figures(tenant_id, community_id, config):
    """Figures for a community's dashboard.

    Kind: per tenant and community, contained (a failing plugin's figures are left out).
    Receives: `tenant_id`, `community_id`, `config` (the plugin's config for that community).
    Returns: a list of `Figure`. Value hook: must not write; its savepoint is lazy (docs/plugins.md §5).
    """


@hookspec
def wuye_report_sections(tenant_id, community_id, period_start, period_end, config):
    """Sections of a community's report for a period (dates, end inclusive).

    Kind: per tenant and community, contained. Receives: `tenant_id`, `community_id`,
    `period_start` and `period_end` (`date`s), `config` (the plugin's config for that community).
    Returns: a list of `ReportSection`. Value hook: must not write; its savepoint is lazy (docs/plugins.md §5).
    """


# --- per tenant: plugin events, ticket links, demo data (API 1.2) -------------------------------


@hookspec
def wuye_plugin_event(event):
    """An event a plugin emitted (`wuye_core.plugins.services.emit`), e.g. `care_visits.high_risk`.

    Kind: per tenant and community, delivered. Receives: `event` (`event.name` is
    `<plugin>.<name>`; `data` holds what the emitter put in). Delivered through the outbox and the
    job queue like core events, after the emitter's transaction commits; may arrive twice.
    Returns: nothing.
    """


@hookspec
def wuye_ticket_links(tenant_id, community_id, ticket_id):
    """Links from a ticket to what a plugin holds about it (an agenda item, a visit…).

    Kind: per tenant and community, contained. Called when one ticket is read (not for lists).
    Receives: `tenant_id`, `community_id`, `ticket_id`. Returns: a list of `Link(key, label_zh, label_en, href)`; they appear in the ticket's `links`. Value hook: must not write; its savepoint is lazy (docs/plugins.md §5).
    """


@hookspec
def wuye_demo_data(tenant_id, community_id, config, today):
    """Add the plugin's demo data to one community (`wuye demo`, `make run`).

    Kind: per tenant and community; called for each community where the plugin is enabled in
    the demo tenants' files, after the core's demo data exists. Receives: `tenant_id`,
    `community_id`, `config` (the plugin's config there), `today` (a `date`). Must be idempotent and deterministic (seed your random
    numbers from `community_id`). Exceptions are not contained: the demo fails and says why.
    Returns: nothing.
    """
