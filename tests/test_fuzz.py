"""No 500 for any input: every API operation, fuzzed from our own OpenAPI document.

Schemathesis reads /api/v1/openapi.json and, for each operation (one test each), sends requests
through the Flask test client in its three phases: the schema's examples, "coverage" (every
boundary and every kind of violation the schema implies: wrong types, out-of-range numbers,
too long or empty strings, missing and extra fields, non-objects as bodies, bad path and query
values, unexpected methods) and random fuzzing, each with schema-conforming and
schema-violating data. Whatever comes in, the answer must be below 500, JSON, and — for an
error — the documented body `{"code", "status", "message", "errors"?}`.

Requests carry the tenant admin's token (the operator's for /api/v1/tenants), so they get past
authentication into validation and the database. Generated ids, half of the time, name rows
that exist (one of everything, seeded with `register`, plus another tenant's), so updates,
deletes and parent lookups run for real, not only their 404 path.

Two things no schema describes are tried on their own: bodies that are not JSON at all (cut
short, not UTF-8, nested past the recursion limit, integers past Python's 4300 digits), sent to
every operation that takes a body, and garbage Authorization headers.

Generation is deterministic (fixed seed, derandomized, no example database) and bounded, so CI
sees the same cases on every run.
"""

from __future__ import annotations

import json
import re
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from wuye_core import testing as wuye_testing
from wuye_core.app import create_app
from wuye_core.auth.roles import PLATFORM_ADMIN, TENANT_ROLES
from wuye_core.extensions import db

MAX_EXAMPLES = 25  # per operation in the fuzzing phase; the coverage phase adds its own cases
ERROR_KEYS = {"code", "status", "message", "errors"}
KINDS = ("community", "site", "building", "unit", "household", "resident")
ID_NAMES = [f"{kind}_id" for kind in KINDS] + ["user_id", "tenant_id"]
# Ids only exist once rows do, after collection: generated data carries these stand-ins, which
# the test swaps for real ids (stand-in → index into the existing ids of that name).
STAND_INS = {1_999_999_001: 0, 1_999_999_002: 1}
TENANT_SLUG, ADMIN = "fuzz", "admin"


def _read_app():
    """The OpenAPI document and installed plugins, read at collection time so that each
    operation becomes its own test (the requests go to the `app` fixture of each backend)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/openapi.sqlite3"
        application = create_app(wuye_testing.settings_for(wuye_testing.Backend("sqlite", url, url)))
        document = application.test_client().get("/api/v1/openapi.json").get_json()
        installed = getattr(application.extensions.get("wuye_plugins"), "plugins", None) or {}
        plugins = sorted(installed)
        roles_of = {name: [role.name for role in getattr(plugin, "roles", ())] for name, plugin in installed.items()}
        plugin_roles = {role for names in roles_of.values() for role in names}
        roles = sorted(set(TENANT_ROLES) | plugin_roles) + [PLATFORM_ADMIN]  # the last one: refused
        with application.app_context():
            db.engine.dispose()
    return document, plugins, roles, roles_of


def _config(plugins: list[str], roles: list[str]) -> SchemathesisConfig:
    half = 0.5
    dictionaries = {
        "existing": {"values": list(STAND_INS)},
        "tenant": {"values": [TENANT_SLUG]},
        "username": {"values": [ADMIN, "victim"]},
        "role": {"values": roles},
    }
    parameters = {
        f"{location}.{name}": {"dictionary": "existing", "probability": half}
        for location in ("path", "query", "body") for name in ID_NAMES
    }
    parameters["body.roles[*].community_id"] = {"dictionary": "existing", "probability": half}
    parameters["body.roles[*].role"] = {"dictionary": "role", "probability": half}
    # Real credentials' halves: logins reach the password check, new users clash with old ones.
    parameters["body.tenant"] = {"dictionary": "tenant", "probability": half}
    parameters["body.username"] = {"dictionary": "username", "probability": half}
    if plugins:
        dictionaries["plugin"] = {"values": plugins}
        parameters["path.plugin_name"] = {"dictionary": "plugin", "probability": half}
    return SchemathesisConfig.from_dict({
        "seed": 20240601,
        "suppress-health-check": ["all"],
        "generation": {
            "mode": "all",  # schema-conforming and schema-violating
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The token is ours; garbage Authorization headers are fuzzed separately below.
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
        "dictionaries": dictionaries,
        "parameters": parameters,
    })


_document, _plugins, _roles, _roles_of = _read_app()
schema = schemathesis.openapi.from_dict(_document, config=_config(_plugins, _roles))


@pytest.fixture
def fuzz_world(request, wuye_app):
    """`fuzz_world(path)`: rows for ids to point at and the token to send, built on first use
    (operator endpoints need no tenant data, tenant endpoints no operator)."""
    world = {}

    def build(path: str) -> dict:
        if world:
            return world
        wuye_make_tenant, wuye_register = request.getfixturevalue("wuye_make_tenant"), request.getfixturevalue("wuye_register")
        other = wuye_make_tenant("fuzz-other")  # another tenant's rows: must answer like missing ones
        if path.startswith("/api/v1/tenants"):
            world.update(token=request.getfixturevalue("wuye_operator").token,
                         existing={"tenant_id": [other.id]}, protected={})
            return world
        tenant = wuye_make_tenant(TENANT_SLUG)
        ids, other_ids = wuye_register(tenant), wuye_register(other, prefix="其他")
        victim = tenant.admin.post("/api/v1/users", json={
            "username": "victim", "password": "password-123", "roles": [{"role": "tenant_admin"}]})
        assert victim.status_code == 201, victim.get_json()
        users = tenant.admin.get("/api/v1/users", query_string={"q": ADMIN}).get_json()["items"]
        existing = {f"{kind}_id": [ids[kind], other_ids[kind]] for kind in KINDS}
        existing["user_id"] = [victim.get_json()["id"]]
        plugin = re.match(r"/api/v1/plugins/(\w+)/", path)
        if plugin and plugin.group(1) in _roles_of:
            # a plugin's routes are fuzzed where it is on, by a user holding its roles (care data,
            # for one, answers 404 to everybody else): validation and the database, not the gate
            name = plugin.group(1)
            request.getfixturevalue("wuye_enable_plugin")(tenant, name, ids["community"])
            me = next(u for u in users if u["username"] == ADMIN)
            grants = [{"role": "tenant_admin"}] + [{"role": role} for role in _roles_of[name]]
            r = tenant.admin.patch(f"/api/v1/users/{me['id']}", json={"roles": grants})
            assert r.status_code == 200, r.get_json()
        world.update(
            token=tenant.admin.token,
            existing=existing,
            # The admin must keep their roles and stay active, or every later request is a 401/403;
            # another tenant_admin takes the hits.
            protected={"user_id": next(u["id"] for u in users if u["username"] == ADMIN)},
        )
        return world

    return build


def _as_int(value):
    """Path and query values may come as text."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _point_at_existing_rows(case, world) -> None:
    """Swap stand-ins for the ids of rows that exist, and protected ids for harmless ones."""
    existing, protected = world["existing"], world["protected"]

    def swap(name, value):
        if name in existing and _as_int(value) in STAND_INS:
            ids = existing[name]
            return ids[STAND_INS[_as_int(value)] % len(ids)]
        return value

    for container in (case.path_parameters, case.query, case.body):
        if isinstance(container, dict):
            for name, value in container.items():
                container[name] = swap(name, value)
    roles = case.body.get("roles") if isinstance(case.body, dict) else None
    for grant in roles if isinstance(roles, list) else ():
        if isinstance(grant, dict) and "community_id" in grant:
            grant["community_id"] = swap("community_id", grant["community_id"])
    for name, value in (case.path_parameters or {}).items():
        if name in protected and protected[name] == _as_int(value):
            case.path_parameters[name] = existing[name][0]


def check_answer(status: int, content_type: str, content: bytes, what: str,
                 documented: frozenset[str] = frozenset()) -> None:
    assert status < 500, f"{what}\n→ {status}: {content[:2000].decode('utf-8', 'replace')}"
    if not content and status < 400:
        return  # 204, and Flask's automatic answer to OPTIONS
    if status < 400 and content_type.split(";")[0].strip() in documented:
        return  # a documented non-JSON success (an .xlsx export, a file download)
    assert content_type.startswith("application/json"), f"{what}\n→ {status} {content_type}"
    body = json.loads(content)
    if status >= 400:
        assert isinstance(body, dict) and set(body) <= ERROR_KEYS, f"{what}\n→ {status} {body}"
        assert body["code"] == status and body["status"] and body["message"], f"{what}\n→ {body}"


@schema.parametrize()
def test_no_server_error(case, wuye_app, fuzz_world):
    world = fuzz_world(case.path)
    _point_at_existing_rows(case, world)
    response = case.call(app=wuye_app, headers={"Authorization": f"Bearer {world['token']}"})
    content_type = (response.headers.get("content-type") or [""])[0]  # name → [values]
    responses = case.operation.definition.raw.get("responses", {})
    documented = frozenset(media for code, answer in responses.items() if str(code).startswith("2")
                           for media in (answer.get("content") or {}) if media != "application/json")
    check_answer(response.status_code, content_type, response.content, case.as_curl_command(), documented)


# --- bodies no schema describes -----------------------------------------------------------------

MALFORMED_JSON = {
    "truncated": b'{"name": "x"',
    "not-utf-8": b'{"name": "\xff\xfe"}',
    "nested-arrays": b"[" * 100_000 + b"]" * 100_000,  # past the recursion limit
    "nested-objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "huge-integer": b'{"id": 1' + b"0" * 5000 + b"}",  # past Python's 4300-digit limit
}
BODY_OPERATIONS = [
    (method.upper(), path)
    for path, item in _document["paths"].items()
    for method, operation in item.items()
    if isinstance(operation, dict) and "requestBody" in operation
]


@pytest.mark.parametrize("body", list(MALFORMED_JSON.values()), ids=list(MALFORMED_JSON))
def test_malformed_json_is_a_400(wuye_app, wuye_make_tenant, wuye_operator, body):
    admin = wuye_make_tenant(TENANT_SLUG).admin
    for method, path in BODY_OPERATIONS:
        client = wuye_operator if path.startswith("/api/v1/tenants") else admin
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = client.request(method, url, data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (method, path, response.status_code, response.get_json())
        check_answer(response.status_code, response.content_type, response.data, f"{method} {path}")


# --- the token itself -------------------------------------------------------------------------

_TOKEN_PART = st.from_regex(r"[A-Za-z0-9_=-]{0,60}", fullmatch=True)
AUTHORIZATION = st.one_of(
    st.text(max_size=300),
    st.builds("Bearer {}".format, st.text(max_size=300)),
    st.builds("Bearer {}.{}.{}".format, _TOKEN_PART, _TOKEN_PART, _TOKEN_PART),
)


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(authorization=AUTHORIZATION, path=st.sampled_from(
    ["/api/v1/auth/me", "/api/v1/communities", "/api/v1/tenants", "/api/v1/users/1"]))
def test_no_server_error_for_any_authorization_header(wuye_app, authorization, path):
    try:
        response = wuye_app.test_client().get(path, headers={"Authorization": authorization})
    except (UnicodeEncodeError, ValueError):
        return  # not even sendable as an HTTP header
    assert response.status_code == 401, (authorization, response.status_code, response.get_json())
    check_answer(response.status_code, response.content_type, response.data, repr(authorization))
