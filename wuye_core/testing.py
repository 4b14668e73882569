"""pytest fixtures for wuye and for plugin authors (registered as the `wuye` pytest plugin).

Every test runs once per configured backend:
- SQLite, always (a fresh file per test session, migrated with the real migrations);
- PostgreSQL + Redis, when WUYE_TEST_DATABASE_URL (a superuser URL) and WUYE_TEST_REDIS_URL are
  set. A database is created for the session, migrated as its owner, and the app connects as
  `wuye_app`, a role that owns nothing and has no BYPASSRLS, exactly as in production.

Between tests every table is emptied (as the owner), so tests see real commits, real
transactions and real row-level security rather than a rollback illusion.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from .app import create_app
from .common import dumping
from .config import Settings
from .extensions import db, limiter

APP_ROLE = "wuye_app"


@dataclass
class Backend:
    name: str
    app_url: str
    owner_url: str
    redis_url: str | None = None
    cleanup: list = field(default_factory=list)

    @property
    def is_postgresql(self) -> bool:
        return self.name == "postgresql"


def available_backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get("WUYE_TEST_DATABASE_URL"):
        names.append("postgresql")
    return names


def _postgres_backend() -> Backend:
    admin_url = make_url(os.environ["WUYE_TEST_DATABASE_URL"])
    name = f"wuye_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        exists = conn.execute(text("select 1 from pg_roles where rolname = :r"), {"r": APP_ROLE}).scalar()
        if not exists:
            conn.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"))
    owner_url = admin_url.set(database=name)
    app_url = owner_url.set(username=APP_ROLE, password=None)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Backend(
        "postgresql",
        app_url.render_as_string(hide_password=False),
        owner_url.render_as_string(hide_password=False),
        redis_url=os.environ.get("WUYE_TEST_REDIS_URL"),
        cleanup=[drop],
    )


@pytest.fixture(scope="session", params=available_backends())
def backend(request, tmp_path_factory) -> Backend:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "wuye.sqlite3"
        b = Backend("sqlite", f"sqlite:///{path}", f"sqlite:///{path}")
    else:
        b = _postgres_backend()
    yield b
    for fn in b.cleanup:
        fn()


def _upload_dir() -> str:
    import tempfile

    global _UPLOADS
    if _UPLOADS is None:
        _UPLOADS = tempfile.mkdtemp(prefix="wuye-uploads-")
    return _UPLOADS


_UPLOADS: str | None = None


def settings_for(backend: Backend, **overrides) -> Settings:
    values = dict(
        env="test",
        database_url=backend.app_url,
        migrate_database_url=backend.owner_url,
        redis_url=backend.redis_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        password_time_cost=1,
        password_memory_cost=1024,
        login_limit_per_user="5 per 15 minutes",
        login_limit_per_address="20 per 15 minutes",
        rate_limit_prefix=f"wuye-test-{os.getpid()}",
        jobs_synchronous=True,
        storage_url=f"file://{_upload_dir()}",  # jobs go through rq and Redis, then run at once; worker tests opt out  # parallel test runs may share one Redis
        log_level="WARNING",
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def wuye_plugin_entry_points():
    """Which plugins the test app loads: None means the installed ones (entry points
    `wuye.plugins`). Override it in a conftest.py to add plugins under development."""
    return None


@pytest.fixture(scope="session")
def app(backend, wuye_plugin_entry_points):
    """The app, migrated with the real migrations (core and plugins), connected as a
    non-owner role on PostgreSQL."""
    application = create_app(settings_for(backend), plugin_entry_points=wuye_plugin_entry_points)
    dumping.CHECK = True  # every response of the suite is dumped both ways and compared
    application.config["TESTING"] = True
    with application.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
    owner = create_engine(application.config["WUYE"].sqlalchemy_url(backend.owner_url))
    application.extensions["wuye_test_owner_engine"] = owner
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    owner.dispose()


def _empty_all_tables(app) -> None:
    owner = app.extensions["wuye_test_owner_engine"]
    tables = [t for t in inspect(owner).get_table_names() if t != "alembic_version"]
    with owner.begin() as conn:
        if owner.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Each test starts with empty tables and fresh login limits."""
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            db.session.remove()
            limiter.reset()
        app.extensions["wuye_identity_cache"].clear()  # user ids start over
        app.extensions["wuye_totals_cache"].clear()
        _empty_all_tables(app)
        app.extensions["wuye_plugins"].enabled_cache.clear()  # ids and versions start over
        app.extensions["wuye_plugins"].config_cache.clear()


@pytest.fixture
def owner_engine(app):
    """An engine connected as the table owner (bypasses nothing on PostgreSQL: RLS is FORCEd)."""
    return app.extensions["wuye_test_owner_engine"]


# --- clients -----------------------------------------------------------------------------------


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, flask_client, token: str | None = None, headers: dict | None = None):
        self.client = flask_client
        self.token = token
        self.headers = dict(headers or {})

    def _headers(self, extra):
        headers = dict(self.headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, json=None, headers=None, **kw):
        return self.client.open(path, method=method, json=json, headers=self._headers(headers), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def login(app, tenant: str | None, username: str, password: str) -> ApiClient:
    client = app.test_client()
    response = client.post("/api/v1/auth/token", json={"tenant": tenant, "username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return ApiClient(app.test_client(), response.get_json()["access_token"])


@dataclass
class TenantHandle:
    id: int
    slug: str
    admin: ApiClient
    app: object

    def user(self, username: str, role: str, communities: list[int] | None = None,
             password: str = "password-123") -> ApiClient:
        """Create a staff user through the API and return a client logged in as them."""
        roles = [{"role": role, "community_id": c} for c in communities] if communities else [{"role": role}]
        r = self.admin.post("/api/v1/users", json={"username": username, "password": password, "roles": roles})
        assert r.status_code == 201, r.get_json()
        return login(self.app, self.slug, username, password)


@pytest.fixture
def make_tenant(app):
    """`make_tenant("slug")` creates a tenant with an admin and returns a TenantHandle."""

    def _make(slug: str, kind: str = "company", name: str | None = None) -> TenantHandle:
        from .tenancy.service import create_tenant

        with app.app_context():
            tenant = create_tenant(slug, name or slug, kind, admin_username="admin", admin_password="admin-pass-123")
            tenant_id = tenant.id
            db.session.commit()  # services leave the commit to their caller
            db.session.remove()
        from .tenancy.context import reset_tenant

        reset_tenant()
        return TenantHandle(tenant_id, slug, login(app, slug, "admin", "admin-pass-123"), app)

    return _make


@pytest.fixture
def operator(app) -> ApiClient:
    """A client logged in as a platform operator (platform_admin)."""
    from .auth.models import PlatformOperator
    from .auth.passwords import hash_password

    with app.app_context():
        db.session.add(PlatformOperator(username="op", password_hash=hash_password("op-pass-123")))
        db.session.commit()
    return login(app, None, "op", "op-pass-123")


@pytest.fixture
def register(make_tenant):
    """A tenant with one of everything: community → site → building → unit → household → resident."""

    def _build(tenant: TenantHandle, prefix: str = "") -> dict:
        api = tenant.admin
        ids = {}
        ids["community"] = _created(api.post("/api/v1/communities", json={"name": f"{prefix}社区", "code": "c1"}))
        ids["site"] = _created(api.post("/api/v1/sites", json={"community_id": ids["community"], "name": f"{prefix}小区", "kind": "compound"}))
        ids["building"] = _created(api.post("/api/v1/buildings", json={"site_id": ids["site"], "name": f"{prefix}1栋"}))
        ids["unit"] = _created(api.post("/api/v1/units", json={"building_id": ids["building"], "number": "101", "entrance": "1"}))
        ids["household"] = _created(api.post("/api/v1/households", json={"unit_id": ids["unit"], "kind": "owner"}))
        ids["resident"] = _created(api.post("/api/v1/residents", json={
            "household_id": ids["household"], "name": f"{prefix}张三", "phone": "13800000000", "tags": ["党员"]}))
        return ids

    return _build


@pytest.fixture
def enable_plugin():
    """`enable_plugin(tenant, "name", community_id, config)`: enable a plugin for the tenant and
    one community, through the API, as the tenant's admin."""

    def _enable(tenant: TenantHandle, name: str, community_id: int, config: dict | None = None) -> dict:
        r = tenant.admin.put(f"/api/v1/plugins/{name}", json={"enabled": True})
        assert r.status_code == 200, r.get_json()
        r = tenant.admin.put(f"/api/v1/communities/{community_id}/plugins/{name}",
                             json={"enabled": True, "config": config or {}})
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    return _enable


def _created(response) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


# --- looking behind the API (for plugin tests; nothing here needs an import from wuye_core) -------


@pytest.fixture
def wuye_outbox(app):
    """`wuye_outbox(tenant)`: the events recorded for a tenant so far (`Event` values, oldest
    first), delivered or not — to check what a plugin emitted."""

    def _events(tenant: TenantHandle) -> list:
        from sqlalchemy import select

        from .events.outbox import OutboxEvent
        from .tenancy import tenant_context

        with app.app_context(), tenant_context(tenant.id):
            rows = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
            return [row.to_event() for row in rows]

    return _events


@pytest.fixture
def wuye_run_job(app):
    """`wuye_run_job(tenant, plugin, job, **kwargs)`: run a plugin's job now, as a worker would
    (in the tenant's context, only while the plugin is enabled there); returns what it returns."""

    def _run(tenant: TenantHandle, plugin: str, job: str, **kwargs):
        from .jobs.tasks import run_plugin_job

        with app.app_context():
            return run_plugin_job(tenant_id=tenant.id, plugin=plugin, job=job, **kwargs)

    return _run


@pytest.fixture
def wuye_rotate_keys(app):
    """`wuye_rotate_keys()`: put a new encryption key in front, re-encrypt every encrypted column
    of every tenant (the core's and the plugins'), then drop the old key, as `wuye keys rotate`
    does in production. Returns `(rows rewritten, [(model, attribute), …] encrypted)`. The
    test's keys are restored afterwards."""
    from cryptography.fernet import Fernet

    from .common import encryption
    from .common.key_rotation import encrypted_columns, rotate_all_keys

    old = encryption._fernet

    def _rotate():
        new = Fernet(Fernet.generate_key())
        with app.app_context():
            encryption._fernet = encryption.MultiFernet([new, *old._fernets])  # the old key still decrypts
            rewritten = rotate_all_keys()
        encryption._fernet = encryption.MultiFernet([new])  # and now it is gone
        return rewritten, encrypted_columns()

    yield _rotate
    encryption._fernet = old
