"""pytest fixtures for wuye and for plugin authors (registered as the `wuye` pytest plugin).

Installing wuye registers this module with pytest (entry point `pytest11`), so the fixtures
below are there in every project of the environment. That is why every one of them is named
`wuye_…` and nothing here is autouse: a project with fixtures of its own (an `app`, a
`backend`…) is not touched. docs/plugins.md §6 lists them all, with what each returns.

Every test that uses `wuye_app` runs once per configured backend:
- SQLite, always (a fresh file per test session, migrated with the real migrations);
- PostgreSQL + Redis, when WUYE_TEST_DATABASE_URL (a superuser URL) and WUYE_TEST_REDIS_URL are
  set. A database is created for the session (named WUYE_TEST_DATABASE_PREFIX + random hex),
  migrated as its owner, and the app connects as WUYE_TEST_APP_ROLE (default `wuye_app`), a
  role that owns nothing and has no BYPASSRLS, exactly as in production.

After every test that uses `wuye_app` every table is emptied (as the owner), so tests see real
commits, real transactions and real row-level security rather than a rollback illusion.

The names of hook API 1.x (`app`, `backend`, `make_tenant`, `register`, `enable_plugin`,
`operator`, `owner_engine`) still work and warn (DeprecationWarning naming the new fixture);
a project's own fixture of the same name wins over them, as pytest prefers conftest fixtures.
"""

from __future__ import annotations

import os
import re
import uuid
import warnings
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from .app import create_app
from .common import caches, dumping
from .config import Settings
from .extensions import db, limiter

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class BackendSettings:
    """Where the PostgreSQL backend of a test session lives, from the environment:

    - WUYE_TEST_DATABASE_URL: a superuser URL; unset, tests run on SQLite only;
    - WUYE_TEST_REDIS_URL: Redis for jobs and login limits (PostgreSQL backend only);
    - WUYE_TEST_DATABASE_PREFIX (default `wuye_test_`): each session creates, and drops at its
      end, a database named this + 8 hex digits;
    - WUYE_TEST_APP_ROLE (default `wuye_app`): the role the app connects as (created once per
      server, NOSUPERUSER NOBYPASSRLS, without a password: it must be able to log in as the
      superuser URL does, e.g. trust on 127.0.0.1).
    """

    database_url: str | None = None
    redis_url: str | None = None
    database_prefix: str = "wuye_test_"
    app_role: str = "wuye_app"

    @classmethod
    def from_env(cls, environ=None) -> BackendSettings:
        environ = os.environ if environ is None else environ
        settings = cls(
            database_url=environ.get("WUYE_TEST_DATABASE_URL") or None,
            redis_url=environ.get("WUYE_TEST_REDIS_URL") or None,
            database_prefix=environ.get("WUYE_TEST_DATABASE_PREFIX") or cls.database_prefix,
            app_role=environ.get("WUYE_TEST_APP_ROLE") or cls.app_role,
        )
        # Both end up in SQL as identifiers: plain lowercase names only.
        for name, value in (("WUYE_TEST_DATABASE_PREFIX", settings.database_prefix),
                            ("WUYE_TEST_APP_ROLE", settings.app_role)):
            if not _IDENTIFIER.match(value):
                raise pytest.UsageError(f"{name}={value!r}: use a lowercase name, [a-z_][a-z0-9_]*, at most 40")
        return settings


@dataclass
class Backend:
    """`wuye_backend`: `name` ("sqlite" or "postgresql"), `app_url` (the app's role),
    `owner_url` (the tables' owner, who migrates), `redis_url` (None on SQLite), `is_postgresql`."""

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
    if os.environ.get("WUYE_TEST_DATABASE_URL"):  # checked when the backend is made, not at import
        names.append("postgresql")
    return names


def postgres_backend(settings: BackendSettings | None = None) -> Backend:
    """Create the session's database (and the app role, once per server); `cleanup` drops the
    database again (the role stays: other sessions may be using it)."""
    settings = settings or BackendSettings.from_env()
    admin_url = make_url(settings.database_url)
    name = f"{settings.database_prefix}{uuid.uuid4().hex[:8]}"
    role = settings.app_role
    admin = create_engine(admin_url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        exists = conn.execute(text("select 1 from pg_roles where rolname = :r"), {"r": role}).scalar()
        if not exists:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'))
    owner_url = admin_url.set(database=name)
    app_url = owner_url.set(username=role, password=None)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Backend(
        "postgresql",
        app_url.render_as_string(hide_password=False),
        owner_url.render_as_string(hide_password=False),
        redis_url=settings.redis_url,
        cleanup=[drop],
    )


@pytest.fixture(scope="session", params=available_backends())
def wuye_backend(request, tmp_path_factory) -> Backend:
    """The database the session's app uses: a `Backend` (see the class). Parametrized: every
    test that uses it, directly or through `wuye_app`, runs on SQLite and, when configured,
    again on PostgreSQL + Redis (test ids end in `[sqlite]` / `[postgresql]`)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "wuye.sqlite3"
        b = Backend("sqlite", f"sqlite:///{path}", f"sqlite:///{path}")
    else:
        b = postgres_backend()
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
def wuye_app(wuye_backend, wuye_plugin_entry_points):
    """The Flask app of the session: migrated with the real migrations (the core's and every
    plugin's branch), connected as the app role (a non-owner on PostgreSQL), `TESTING` on.
    One app per backend for the whole session; after each test that uses it (directly or
    through another fixture) every table is emptied and the caches are reset."""
    application = create_app(settings_for(wuye_backend), plugin_entry_points=wuye_plugin_entry_points)
    dumping.CHECK = True  # every response of the suite is dumped both ways and compared
    application.config["TESTING"] = True
    with application.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
    owner = create_engine(application.config["WUYE"].sqlalchemy_url(wuye_backend.owner_url))
    application.extensions["wuye_test_owner_engine"] = owner
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    owner.dispose()


def _empty_all_tables(app) -> None:
    owner = app.extensions["wuye_test_owner_engine"]
    from .tenancy.rls import without_append_only_guards

    tables = [t for t in inspect(owner).get_table_names() if t != "alembic_version"]

    def empty(conn):
        if owner.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))

    with owner.begin() as conn:  # the owner lifts the append-only tables' triggers to empty them too
        without_append_only_guards(conn, [empty])


CLEAN = "_wuye_clean_database"


@pytest.fixture
def _wuye_clean_database(wuye_app):
    """Empties the tables after a test that uses `wuye_app` (put first in such a test's
    fixtures by pytest_collection_modifyitems below, so it is torn down last)."""
    yield
    with wuye_app.app_context():
        db.session.remove()
        limiter.reset()
    caches.clear_all(wuye_app)  # user ids and versions start over
    _empty_all_tables(wuye_app)


def pytest_collection_modifyitems(items):
    """The cleanup reaches exactly the tests whose fixtures include `wuye_app` (not autouse:
    another project's tests, and its own `app`, are never touched). A test that only asks for
    the app at run time (`request.getfixturevalue`) should name `wuye_app` among its arguments."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is not None and "wuye_app" in names and CLEAN not in names:
            names.insert(0, CLEAN)  # set up first, torn down last: after the test's other fixtures


@pytest.fixture
def wuye_owner_engine(wuye_app):
    """A SQLAlchemy `Engine` connected as the owner of the tables, to look behind the API (e.g.
    that a column holds ciphertext). On PostgreSQL, row-level security is FORCEd, so the owner
    too sees no tenant's rows until it sets `app.tenant_id` (`select set_config('app.tenant_id', '7', false)`)."""
    return wuye_app.extensions["wuye_test_owner_engine"]


# --- clients -----------------------------------------------------------------------------------


class ApiClient:
    """A test client that sends a bearer token and JSON: `get(path, **kw)`, `post(path, json=…)`,
    `put`, `patch`, `delete`, and `request(method, path, json=None, headers=None, **kw)`; each
    returns Flask's test `Response` (`.status_code`, `.get_json()`, `.headers`, `.data`). `token`
    is the bearer token (None: anonymous); extra keywords go to Flask's test client
    (`query_string=…`, `data=…`, `content_type=…`)."""

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
    """Log in through the API (`tenant` None: a platform operator); an `ApiClient` with the token.

    A password an administrator set (every user made through the API) must be changed at first
    login; the kit plays the person who already chose it: it clears the account's
    must_change_password in the database and logs in again, so tests keep the password they
    know. Tests of that change itself post to /api/v1/auth/token themselves."""
    client = app.test_client()
    body = {"tenant": tenant, "username": username, "password": password}
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 200, response.get_json()
    if response.get_json().get("password_change_required"):
        accept_password(app, tenant, username)
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 200, response.get_json()
    return ApiClient(app.test_client(), response.get_json()["access_token"])


class ConsoleClient:
    """A test client signed in at the web console (a session cookie, like a browser):
    `get(path, **kw)` and `post(path, data={…}, **kw)`, which adds the page's CSRF token to the
    form, return Flask's test `Response` (`.status_code`, `.headers["Location"]`, `.text`)."""

    _CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

    def __init__(self, flask_client):
        self.client = flask_client
        self._csrf: str | None = None

    def csrf_token(self) -> str:
        if self._csrf is None:
            page = self.client.get("/console/sign-in").get_data(as_text=True)
            self._csrf = self._CSRF.search(page).group(1)
        return self._csrf

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(path, data=data, **kw)


class ResidentClient(ConsoleClient):
    """A test client signed in at the residents' pages (/h5) as a resident (a session cookie, like
    a phone's browser): `get` and `post` as `ConsoleClient`'s (the CSRF token added to forms)."""

    def csrf_token(self) -> str:
        if self._csrf is None:
            page = self.client.get("/h5/me").get_data(as_text=True)  # open before agreeing to the notice too
            self._csrf = self._CSRF.search(page).group(1)
        return self._csrf


def resident_sign_in(app, tenant: str, community_id: int, phone: str, agree: bool = True) -> ResidentClient:
    """Sign in at the residents' pages by the community's link (its QR code) with a support-desk
    code (`resident_code`); having agreed to the privacy notice in force unless `agree` is False."""
    from .resident_access.codes import enter_tenant_by_slug
    from .resident_access.community_links import community_key

    with app.test_request_context():
        found = enter_tenant_by_slug(tenant)
        assert found is not None, tenant
        entry = f"/h5/c/{tenant}/{community_key(found.id, community_id)}"
    resident = ResidentClient(app.test_client())
    page = resident.client.get(entry).get_data(as_text=True)
    resident._csrf = resident._CSRF.search(page).group(1)
    response = resident.post(entry + "/sign-in", data={"phone": phone, "code": resident_code(app, tenant, phone)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    resident._csrf = None  # a new session after signing in: a new CSRF secret
    if agree:
        page = resident.get("/h5/privacy").get_data(as_text=True)
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        assert resident.post("/h5/privacy", data={"version": version}).status_code == 302
    return resident


def resident_code(app, tenant: str, phone: str) -> str:
    """A sign-in code for a resident's phone, as the support desk issues it (`wuye residents code`)."""
    from .resident_access.codes import enter_tenant_by_slug, issue_code

    with app.test_request_context():
        assert enter_tenant_by_slug(tenant) is not None, tenant
        code = issue_code(phone, channel="support", issued_by="test")
        db.session.commit()
    return code


def resident_login(app, tenant: str, phone: str, agree: bool = True) -> ApiClient:
    """A resident signed in through the API with a support-desk code (`resident_code`); having
    agreed to the privacy notice in force unless `agree` is False. An `ApiClient` with the token."""
    client = ApiClient(app.test_client())
    response = client.post("/api/v1/resident/auth/token",
                           json={"tenant": tenant, "phone": phone, "code": resident_code(app, tenant, phone)})
    assert response.status_code == 200, response.get_json()
    resident = ApiClient(app.test_client(), response.get_json()["access_token"])
    if agree:
        version = resident.get("/api/v1/resident/privacy").get_json()["version"]
        assert resident.post("/api/v1/resident/consent", json={"version": version}).status_code == 200
    return resident


def console_login(app, tenant: str | None, username: str, password: str) -> ConsoleClient:
    """Sign in at the console's sign-in page (the password accepted as for `login`); a
    `ConsoleClient` with the session."""
    accept_password(app, tenant, username)
    console = ConsoleClient(app.test_client())
    response = console.post("/console/sign-in", data={"tenant": tenant or "", "username": username,
                                                      "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    console._csrf = None  # a new session after signing in: a new CSRF secret
    return console


def page_problems(page) -> list[str]:
    """Start recording what goes wrong in a Playwright `page`: script errors, console errors (a
    Content-Security-Policy violation among them) and requests that failed (but those dropped as
    the page moved on) or answered 4xx/5xx.
    Returns the list it fills; a test asserts it stays empty."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    # a request the browser dropped because the page moved on (ERR_ABORTED: the favicon of a page
    # left at once) is no fault of the page
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    return problems


def browser_sign_in(page, base_url: str, tenant: str | None, username: str, password: str) -> None:
    """Sign in through the console's sign-in page in a Playwright `page` (the inputs `tenant`,
    `username`, `password`), and wait for the home page."""
    page.goto(f"{base_url}/console/sign-in")
    page.fill("input[name=tenant]", tenant or "")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/(\?.*)?$"))


def accept_password(app, tenant: str | None, username: str) -> None:
    """Mark the account's current password as chosen by its holder (no change required at the
    next login), as if they had changed it: a test shortcut, straight in the database."""
    from sqlalchemy import select, update

    from .auth.models import PlatformOperator, StaffUser
    from .tenancy import Tenant, tenant_context
    from .tenancy.context import reset_tenant

    with app.app_context():
        if tenant is None:
            db.session.execute(update(PlatformOperator).where(PlatformOperator.username == username)
                               .values(must_change_password=False))
            db.session.commit()
        else:
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == tenant))
            with tenant_context(tenant_id):
                db.session.execute(update(StaffUser).where(StaffUser.username == username)
                                   .values(must_change_password=False))
                db.session.commit()
        db.session.remove()
    reset_tenant()


@dataclass
class TenantHandle:
    """What `wuye_make_tenant` returns: `id` and `slug` of the tenant, `admin` (an `ApiClient`
    logged in as its tenant administrator `admin`), `app`; and `user(…)` for more staff."""

    id: int
    slug: str
    admin: ApiClient
    app: object

    def console(self, username: str = "admin", password: str = "admin-pass-123") -> ConsoleClient:
        """A `ConsoleClient` signed in at the web console as `username` (default: the admin)."""
        return console_login(self.app, self.slug, username, password)

    def resident(self, community_id: int, phone: str = "13800000000", agree: bool = True) -> ResidentClient:
        """A `ResidentClient` signed in at the residents' pages (/h5) by `community_id`'s link, as
        the register's resident of `phone` (default: `wuye_register`'s), having agreed to the
        privacy notice unless `agree` is False (API 1.12)."""
        return resident_sign_in(self.app, self.slug, community_id, phone, agree)

    def user(self, username: str, role: str, communities: list[int] | None = None,
             password: str = "password-123") -> ApiClient:
        """Create a staff user through the API with `role` in each of `communities` (None:
        tenant-wide) and return an `ApiClient` logged in as them."""
        roles = [{"role": role, "community_id": c} for c in communities] if communities else [{"role": role}]
        r = self.admin.post("/api/v1/users", json={"username": username, "password": password, "roles": roles})
        assert r.status_code == 201, r.get_json()
        return login(self.app, self.slug, username, password)


@pytest.fixture
def wuye_make_tenant(wuye_app):
    """`wuye_make_tenant(slug, kind="company", name=None)` creates a tenant (kind "company" or
    "subdistrict") with a tenant administrator and returns a `TenantHandle(id, slug, admin, app)`."""

    def _make(slug: str, kind: str = "company", name: str | None = None) -> TenantHandle:
        from .tenants.service import create_tenant

        with wuye_app.app_context():
            tenant = create_tenant(slug, name or slug, kind, admin_username="admin", admin_password="admin-pass-123")
            tenant_id = tenant.id
            db.session.commit()  # services leave the commit to their caller
            db.session.remove()
        from .tenancy.context import reset_tenant

        reset_tenant()
        return TenantHandle(tenant_id, slug, login(wuye_app, slug, "admin", "admin-pass-123"), wuye_app)

    return _make


@pytest.fixture
def wuye_operator(wuye_app) -> ApiClient:
    """An `ApiClient` logged in as a platform operator (`op`, role platform_admin, no tenant)."""
    from .auth.models import PlatformOperator
    from .auth.passwords import hash_password

    with wuye_app.app_context():
        db.session.add(PlatformOperator(username="op", password_hash=hash_password("op-pass-123")))
        db.session.commit()
    return login(wuye_app, None, "op", "op-pass-123")


@pytest.fixture
def wuye_register(wuye_make_tenant):
    """`wuye_register(tenant, prefix="")` fills a tenant's housing register through the API with
    one of everything — community (code "c1") → site → building → unit "101" → household (owner)
    → resident (tag 党员) — and returns their ids: a dict with the keys "community", "site",
    "building", "unit", "household", "resident". `prefix` goes in front of the names."""

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
def wuye_service_link():
    """`wuye_service_link(client, client_site, provider, provider_site)`: the provider (a company)
    proposes to serve its site, the client (a street) accepts naming its own site; returns the
    link's id. Both are TenantHandles; the sites are each tenant's own ids."""

    def _link(client: TenantHandle, client_site: int, provider: TenantHandle, provider_site: int,
              share_contact: bool = False) -> int:
        proposal = provider.admin.post("/api/v1/service-links", json={
            "partner": client.slug, "site_id": provider_site, "side": "provider", "share_contact": share_contact})
        assert proposal.status_code == 201, proposal.get_json()
        link_id = proposal.get_json()["id"]
        accepted = client.admin.post(f"/api/v1/service-links/{link_id}/accept", json={"site_id": client_site})
        assert accepted.status_code == 200, accepted.get_json()
        return link_id

    return _link


@pytest.fixture
def wuye_enable_plugin(wuye_app):
    """`wuye_enable_plugin(tenant, name, community_id, config=None)`: enable a plugin for the
    tenant and one community, through the API, as the tenant's admin; returns the community's
    plugin state as the API answers it (a dict with "enabled" and the loaded "config")."""

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
def wuye_outbox(wuye_app):
    """`wuye_outbox(tenant)`: the events recorded for a tenant so far (`Event` values, oldest
    first), delivered or not — to check what a plugin emitted."""

    def _events(tenant: TenantHandle) -> list:
        from sqlalchemy import select

        from .events.outbox import OutboxEvent
        from .tenancy import tenant_context

        with wuye_app.app_context(), tenant_context(tenant.id):
            rows = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
            return [row.to_event() for row in rows]

    return _events


@pytest.fixture
def wuye_run_job(wuye_app):
    """`wuye_run_job(tenant, plugin, job, **kwargs)`: run a plugin's job now, as a worker would
    (in the tenant's context, only while the plugin is enabled there); returns what it returns."""

    def _run(tenant: TenantHandle, plugin: str, job: str, **kwargs):
        from .events.plugin_jobs import run_plugin_job

        with wuye_app.app_context():
            return run_plugin_job(tenant_id=tenant.id, plugin=plugin, job=job, **kwargs)

    return _run


@pytest.fixture
def wuye_rotate_keys(wuye_app):
    """`wuye_rotate_keys()`: put a new encryption key in front, re-encrypt every encrypted column
    of every tenant (the core's and the plugins'), then drop the old key, as `wuye keys rotate`
    does in production. Returns `(rows rewritten, [(model, attribute), …] encrypted)`. The
    test's keys are restored afterwards."""
    from cryptography.fernet import Fernet

    from .common import encryption
    from .tenancy.key_rotation import encrypted_columns, rotate_all_keys

    old = encryption._fernet

    def _rotate():
        new = Fernet(Fernet.generate_key())
        with wuye_app.app_context():
            encryption._fernet = encryption.MultiFernet([new, *old._fernets])  # the old key still decrypts
            rewritten = rotate_all_keys()
        encryption._fernet = encryption.MultiFernet([new])  # and now it is gone
        return rewritten, encrypted_columns()

    yield _rotate
    encryption._fernet = old


@pytest.fixture
def wuye_race(wuye_app):
    """`wuye_race(api, method, path, json=None, n=16, **kw)`: send the same request `n` times at
    once — each from its own thread, so its own app context and database connection, all
    released together by a barrier — as `api` (an `ApiClient`: its token and headers); returns
    the `n` responses, in no particular order. For testing that concurrent identical changes
    have one winner (docs/plugins.md §5): on SQLite they queue behind its one-writer lock."""
    import threading

    def _race(api: ApiClient, method: str, path: str, json=None, n: int = 16, **kw) -> list:
        barrier = threading.Barrier(n)
        responses: list = [None] * n
        failures: list = []

        def send(i: int) -> None:
            client = ApiClient(wuye_app.test_client(), api.token, api.headers)
            try:
                barrier.wait(timeout=30)
                responses[i] = client.request(method, path, json=json, **kw)
            except BaseException as exc:  # reported in the test's thread
                failures.append(exc)

        threads = [threading.Thread(target=send, args=(i,), name=f"wuye-race-{i}") for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        if failures:
            raise failures[0]
        assert all(r is not None for r in responses), "a racing request did not finish in 120 s"
        return responses

    return _race


# --- a real browser: Debian's chromium driven by Playwright ----------------------------------

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser download is not used


@pytest.fixture
def wuye_live_server(wuye_app):
    """The app served over real HTTP on 127.0.0.1 (a werkzeug server in a thread, a free port)
    for the test's length: its base URL, e.g. "http://127.0.0.1:40123". For browser tests."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wuye_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="wuye-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def wuye_browser():
    """A headless Chromium driven by Playwright for Python: Debian's `chromium` (`apt-get install
    chromium`; `make test` installs it where it can), or the browser WUYE_TEST_CHROMIUM names.
    Tests that use it skip where the browser or the `playwright` package is missing."""
    import shutil

    path = os.environ.get("WUYE_TEST_CHROMIUM") or shutil.which("chromium") or CHROMIUM
    if not os.path.exists(path):
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def wuye_page(wuye_browser):
    """A fresh page in its own browser context (no cookies shared between tests) as the people
    who use wuye have it: zh-CN, Beijing time. The context closes after the test."""
    context = wuye_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def wuye_sign_in(wuye_app, wuye_live_server):
    """`wuye_sign_in(page, tenant, username, password)`: sign in at the console of the live server
    (`wuye_live_server`) through its sign-in page in a Playwright `page`, the password accepted as
    the user's own (as `login` does), and wait for the home page. For plugin authors' browser tests."""

    def _sign_in(page, tenant: str | None, username: str, password: str) -> None:
        accept_password(wuye_app, tenant, username)
        browser_sign_in(page, wuye_live_server, tenant, username, password)

    return _sign_in


@pytest.fixture
def wuye_page_problems():
    """`problems = wuye_page_problems(page)`: start recording a Playwright page's script errors,
    console errors (CSP violations among them) and failed or 4xx/5xx requests; assert
    `problems == []` after the steps that must go cleanly (`page_problems`)."""
    return page_problems


# --- the names of hook API 1.x, kept for plugins written against it ---------------------------
# Each warns and hands over the new fixture. pytest prefers a project's own fixtures (conftest.py,
# the test module) over a plugin's, so a project with an `app` of its own never reaches these.


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"wuye's fixture `{old}` is deprecated: use `{new}`", DeprecationWarning, stacklevel=3)


# Each names the new fixture as its argument (not getfixturevalue), so a test using the old name
# has `wuye_app` among its fixtures and gets the cleanup.
@pytest.fixture(scope="session")
def backend(wuye_backend):
    """Deprecated: use `wuye_backend`."""
    _deprecated("backend", "wuye_backend")
    return wuye_backend


@pytest.fixture(scope="session")
def app(wuye_app):
    """Deprecated: use `wuye_app`."""
    _deprecated("app", "wuye_app")
    return wuye_app


@pytest.fixture
def owner_engine(wuye_owner_engine):
    """Deprecated: use `wuye_owner_engine`."""
    _deprecated("owner_engine", "wuye_owner_engine")
    return wuye_owner_engine


@pytest.fixture
def make_tenant(wuye_make_tenant):
    """Deprecated: use `wuye_make_tenant`."""
    _deprecated("make_tenant", "wuye_make_tenant")
    return wuye_make_tenant


@pytest.fixture
def operator(wuye_operator):
    """Deprecated: use `wuye_operator`."""
    _deprecated("operator", "wuye_operator")
    return wuye_operator


@pytest.fixture
def register(wuye_register):
    """Deprecated: use `wuye_register`."""
    _deprecated("register", "wuye_register")
    return wuye_register


@pytest.fixture
def enable_plugin(wuye_enable_plugin):
    """Deprecated: use `wuye_enable_plugin`."""
    _deprecated("enable_plugin", "wuye_enable_plugin")
    return wuye_enable_plugin
