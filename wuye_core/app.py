"""The application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from . import __version__
from .api import security_headers
from .api.contract import ContractDoc
from .auth import identity
from .auth.passwords import configure_hasher
from .common.encryption import configure_encryption
from .common.fields import IdConverter
from .config import Settings
from .db_pool import ping_idle_connections
from .errors import WuyeApi, register_error_handlers
from .events import edge
from .extensions import babel, db, limiter, migrate
from .host import dispatch
from .households import totals
from .i18n import select_locale
from .idempotency import guard as idempotency
from .idempotency.openapi import IdempotencyKeyDoc
from .supervision import grant as supervised_links
from .tenancy.context import TenantContextError, refuse_without_context
from .tenancy.scoping import install_tenant_scoping

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: Settings | None = None, plugin_entry_points=None, **overrides) -> Flask:
    """Build the app. `plugin_entry_points` replaces the installed `wuye.plugins` entry points
    (tests use it to load plugins through the very same path without installing them)."""
    settings = settings or Settings.from_env(**overrides)
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"))
    app.url_map.converters["int"] = IdConverter  # before any route is added
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app.config.update(
        WUYE=settings,
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.sqlalchemy_url(),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        RATELIMIT_STORAGE_URI=settings.rate_limit_storage_url or settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis away must not lock everyone out: fall back to per-process limits meanwhile.
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_KEY_PREFIX=settings.rate_limit_prefix,
        API_TITLE="wuye 物业服务平台 API",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs/assets/",  # served by the app: api/docs_assets.py
        API_SPEC_OPTIONS={
            "info": {"description": "多租户物业服务平台 / A multi-tenant platform for property services"},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "security": [{"bearer": []}],
        },
    )
    app.json.ensure_ascii = False  # Chinese stays readable (and shorter) on the wire
    # Fields in the order the schemas declare them (id first), without sorting every response.
    # (JSON_SORT_KEYS, which said the same, has been ignored since Flask 2.3.)
    app.json.sort_keys = False
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)

    configure_encryption(settings.encryption_keys, settings.secret_key)
    from .storage import storage_from_settings

    app.extensions["wuye_storage"] = storage_from_settings(settings)
    configure_hasher(settings.password_time_cost, settings.password_memory_cost)
    install_tenant_scoping()

    _load_plugins(app, plugin_entry_points)
    dispatch.declare_caches(app)

    db.init_app(app)
    edge.install(app)  # first after_request hook registered: its commit runs after all others
    with app.app_context():
        _configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    _limit_decorated_routes_only(app)
    # one per app: its OpenAPI document describes this app's routes only (every POST: Idempotency-Key)
    api = WuyeApi(app, spec_kwargs={"extra_plugins": [IdempotencyKeyDoc(app), ContractDoc(app)]})
    register_error_handlers(app, api)
    app.register_error_handler(TenantContextError, refuse_without_context)
    identity.init_app(app)
    totals.install(app)
    supervised_links.install(app)
    _register_jobs(app)

    _register_blueprints(app, api)
    # after the blueprints (the plugin gate's before_request first) and after the edge (its
    # after_request then runs before the edge's commit): idempotency/guard.py
    idempotency.install(app)
    security_headers.install(app)  # last after_request hook registered: runs first, on every answer

    from .cli import register_commands

    register_commands(app)
    return app


def _limit_decorated_routes_only(app: Flask) -> None:
    """Flask-Limiter checks default, application and blueprint limits before every request; wuye
    sets none (only login is throttled, by its route's own decorator, which checks its limits
    itself). That check found nothing to do on every request and cost 6 % of a ticket's CPU
    instructions (bench/README.md), so it is dropped unless app-wide limits are configured. (A
    limit on a whole blueprint, `limiter.limit(...)(blueprint)`, would need it too: there is none.)"""
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return
    checks = app.before_request_funcs.get(None, [])
    checks[:] = [f for f in checks if getattr(f, "__self__", None) is not limiter]


def _register_jobs(app: Flask) -> None:
    """Each feature registers its jobs and periodic work by function (jobs/__init__.py)."""
    from .events import plugin_jobs, relay
    from .handoffs import delivery as handoff_delivery
    from .idempotency import purge as idempotency_purge
    from .imports import tasks as import_tasks
    from .jobs import JobRegistry
    from .notices import texts as notice_texts
    from .tickets import jobs as ticket_jobs

    jobs = app.extensions["wuye_jobs"] = JobRegistry()
    relay.register_jobs(jobs)
    plugin_jobs.register_jobs(jobs, app.extensions["wuye_plugins"])
    ticket_jobs.register_jobs(jobs)
    import_tasks.register_jobs(jobs)
    idempotency_purge.register_jobs(jobs)
    handoff_delivery.register_jobs(jobs)
    notice_texts.register_jobs(jobs)


def _load_plugins(app: Flask, entry_points) -> None:
    from .host.manager import PluginHost
    from .households.dashboard import core_plugin

    host = PluginHost()
    from .tickets.models import Ticket

    host.core_objects["ticket"] = Ticket  # plugin routes may address a ticket by id (wuye_route_objects)
    host.add_core(core_plugin)
    from .auth.notices import register_writer
    from .tickets.notifications.hooks import TicketNotifications, write_account_notice

    host.add_core(TicketNotifications(), "core_notifications")
    from .handoffs.progress import HandoffProgress

    host.add_core(HandoffProgress(), "core_handoffs")  # a ticket's progress mirrored on its hand-off
    from .tickets.figures import ticket_figures

    core_plugin.contribute(ticket_figures)  # the tickets' dashboard figures, as the core's ("core")
    register_writer(app, write_account_notice)  # staff tells a user of an admin's password reset
    host.discover(entry_points)
    app.extensions["wuye_plugins"] = host


@migrate.configure
def _migration_locations(config):
    """Core migrations plus every installed plugin's branch."""
    from flask import current_app

    host = current_app.extensions["wuye_plugins"]
    locations = [str(MIGRATIONS / "versions")]
    locations += [str(p.migrations) for p in host.plugins.values() if p.migrations]
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


def make_sqlite_folder_on_connect(engine) -> None:
    """The SQLite file's folder (`instance/` by default) is made when the database is first
    connected to, not when the app is built: commands that need no database (`wuye plugin new`,
    `wuye --help`) leave nothing behind in the current directory."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return
    folder = Path(path).parent

    @event.listens_for(engine, "do_connect")
    def _make_folder(*_args):
        folder.mkdir(parents=True, exist_ok=True)


def _configure_engine(engine) -> None:
    ping_idle_connections(engine)
    make_sqlite_folder_on_connect(engine)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")  # composite tenant foreign keys depend on it
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()


def _register_blueprints(app: Flask, api: WuyeApi) -> None:
    from . import health
    from .api import docs_assets
    from .host import gate as plugin_gate
    from .households import dashboard
    from .households.routes import build_blueprints
    from .plugin_settings import routes as plugin_routes
    from .staff import routes as staff_routes
    from .tenants import routes as tenant_routes
    from .tickets import attachments, kpi_routes
    from .tickets import routes as ticket_routes

    app.register_blueprint(health.blp)
    app.register_blueprint(docs_assets.blp)
    from .host import webhooks

    webhooks.install(app)  # plugins' inbound webhooks: public, outside the OpenAPI document (host/webhooks.py)
    api.register_blueprint(plugin_routes.blp)
    api.register_blueprint(dashboard.blp)
    api.register_blueprint(staff_routes.blp)
    api.register_blueprint(staff_routes.users)
    api.register_blueprint(tenant_routes.blp)
    api.register_blueprint(ticket_routes.blp)
    api.register_blueprint(attachments.blp)
    from .tickets.notifications import routes as notification_routes

    api.register_blueprint(notification_routes.blp)
    api.register_blueprint(kpi_routes.blp)
    from .imports import routes as import_routes

    api.register_blueprint(import_routes.blp)
    from .events import routes as delivery_routes

    api.register_blueprint(delivery_routes.blp)
    from .audit import routes as audit_routes

    api.register_blueprint(audit_routes.blp)
    from .links import routes as link_routes

    api.register_blueprint(link_routes.blp)
    from .supervision import routes as supervision_routes

    api.register_blueprint(supervision_routes.blp)
    from .handoffs import routes as handoff_routes

    api.register_blueprint(handoff_routes.blp)
    from .resident_access import routes as resident_routes

    api.register_blueprint(resident_routes.blp)
    from .notices import routes as notice_routes

    api.register_blueprint(notice_routes.blp)
    api.register_blueprint(notice_routes.residents)
    from .disclosures import residents as resident_disclosures
    from .disclosures import routes as disclosure_routes

    api.register_blueprint(disclosure_routes.blp)
    api.register_blueprint(resident_disclosures.blp)
    from .resident_rights import routes as rights_routes

    api.register_blueprint(rights_routes.mine)
    api.register_blueprint(rights_routes.staff)
    for blp in build_blueprints():
        api.register_blueprint(blp)
    from . import console

    console.install(app)  # the web console: its door before the plugin gate, plugins' pages gated too
    from . import h5

    h5.install(app)  # the residents' pages: the console's session cookie and CSRF, their own door
    plugin_gate.mount_plugin_blueprints(app, api)
