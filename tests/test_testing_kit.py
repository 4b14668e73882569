"""The fixtures wuye ships to plugin authors (wuye_core/testing.py) as a product: namespaced,
nothing autouse, harmless to another project in the same environment, old names still working
(with a warning), the PostgreSQL test database and app role configurable."""

from __future__ import annotations

import os
import textwrap
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

from wuye_core import testing
from wuye_core.testing import BackendSettings

pytest_plugins = ["pytester"]

WUYE_FIXTURES = ["wuye_app", "wuye_backend", "wuye_make_tenant", "wuye_register", "wuye_enable_plugin",
                 "wuye_operator", "wuye_owner_engine", "wuye_outbox", "wuye_run_job", "wuye_rotate_keys",
                 "wuye_race", "wuye_plugin_entry_points"]
OLD_NAMES = {"app": "wuye_app", "backend": "wuye_backend", "make_tenant": "wuye_make_tenant",
             "register": "wuye_register", "enable_plugin": "wuye_enable_plugin", "operator": "wuye_operator",
             "owner_engine": "wuye_owner_engine"}


def test_every_fixture_is_namespaced_documented_and_none_is_autouse(pytestconfig, request):
    assert pytestconfig.pluginmanager.get_plugin("wuye") is testing  # the pytest11 entry point
    manager = request.session._fixturemanager
    ours = {}
    for name in vars(testing):
        for fd in manager.getfixturedefs(name, request.node) or ():
            if getattr(fd.func, "__module__", None) == testing.__name__:
                ours[name] = fd
    assert set(WUYE_FIXTURES) <= set(ours)
    for name, fd in ours.items():
        assert name.startswith("wuye_") or name in OLD_NAMES or name == testing.CLEAN, name
        assert (fd.func.__doc__ or "").strip(), f"{name} has no docstring"
    # this test asks for none of them: an autouse fixture would be among its fixtures anyway
    assert not set(request.fixturenames) & set(ours), "nothing of wuye's is autouse"
    docs = (testing.__file__.rsplit("/wuye_core/", 1)[0] + "/docs/plugins.md")
    section = open(docs, encoding="utf-8").read().split("## 6.")[1].split("## 7.")[0]
    for name in WUYE_FIXTURES:
        assert f"`{name}" in section, f"docs/plugins.md §6 does not document {name}"


@pytest.mark.parametrize("old", sorted(set(OLD_NAMES) - {"app", "backend"}))
def test_the_old_names_warn_and_hand_over_the_new_fixture(wuye_app, request, old):
    with pytest.warns(DeprecationWarning, match=f"`{old}` is deprecated: use `{OLD_NAMES[old]}`"):
        value = request.getfixturevalue(old)
    assert value is request.getfixturevalue(OLD_NAMES[old])


# --- another project in the same environment ----------------------------------------------------


FOREIGN_CONFTEST = '''
    import pytest
    from pathlib import Path


    class TheirApp:
        """Their own app: records any attribute wuye might reach for (the old cleanup did
        app.app_context() and app.extensions["wuye_…"] after every test that had an `app`)."""

        def __getattr__(self, name):
            Path(__file__).with_name("touched").write_text(name)
            raise AttributeError(name)


    @pytest.fixture
    def app():
        return TheirApp()


    @pytest.fixture
    def make_tenant():
        return lambda slug: slug.upper()
'''

FOREIGN_TESTS = '''
    def test_their_app(app):
        assert type(app).__name__ == "TheirApp"


    def test_their_make_tenant(make_tenant):
        assert make_tenant("acme") == "ACME"


    def test_no_fixture_at_all():
        assert True
'''


def test_a_project_with_its_own_app_fixture_is_unaffected(pytester):
    pytester.makeconftest(textwrap.dedent(FOREIGN_CONFTEST))
    pytester.makepyfile(test_theirs=textwrap.dedent(FOREIGN_TESTS))
    # wuye is loaded (the entry point), its old names would warn: make any warning an error
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error::DeprecationWarning")
    result.assert_outcomes(passed=3)
    assert not (pytester.path / "touched").exists(), "wuye reached into their app"
    listing = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fixtures").stdout.str()
    assert "wuye_app" in listing and "wuye_make_tenant" in listing  # wuye's are there, beside theirs


OLD_PLUGIN_TESTS = '''
    """A plugin's tests written against hook API 1.x, with the fixtures' old names."""


    def test_first(app, backend, make_tenant, register, enable_plugin, owner_engine, operator):
        tenant = make_tenant("acme")  # twice in one session: the tables are emptied in between
        ids = register(tenant)
        state = enable_plugin(tenant, "red_property", ids["community"])
        assert state["enabled"] is True
        assert operator.get("/api/v1/tenants").status_code == 200
        assert backend.name in ("sqlite", "postgresql") and owner_engine is not None
        assert app.config["TESTING"]


    def test_second(make_tenant, register):
        tenant = make_tenant("acme")
        assert register(tenant)["community"] == 1  # ids start over: the cleanup ran
'''


def test_a_plugins_tests_with_the_old_names_still_pass_and_warn(pytester):
    pytester.makepyfile(test_old=textwrap.dedent(OLD_PLUGIN_TESTS))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "default::DeprecationWarning")
    backends = len(testing.available_backends())
    result.assert_outcomes(passed=2 * backends)
    out = result.stdout.str()
    for old, new in OLD_NAMES.items():
        assert f"`{old}` is deprecated: use `{new}`" in out, old


# --- the PostgreSQL test database and app role ----------------------------------------------------


def test_backend_settings_come_from_the_environment():
    assert BackendSettings.from_env({}) == BackendSettings(None, None, "wuye_test_", "wuye_app")
    custom = BackendSettings.from_env({"WUYE_TEST_DATABASE_URL": "postgresql://u@h/db",
                                       "WUYE_TEST_DATABASE_PREFIX": "acme_ci_", "WUYE_TEST_APP_ROLE": "acme_app"})
    assert (custom.database_url, custom.database_prefix, custom.app_role) == ("postgresql://u@h/db", "acme_ci_",
                                                                             "acme_app")
    for bad in ("Acme", "acme; drop table x", "a" * 41, "1abc"):
        with pytest.raises(pytest.UsageError, match="WUYE_TEST_APP_ROLE"):
            BackendSettings.from_env({"WUYE_TEST_APP_ROLE": bad})
        with pytest.raises(pytest.UsageError, match="WUYE_TEST_DATABASE_PREFIX"):
            BackendSettings.from_env({"WUYE_TEST_DATABASE_PREFIX": bad})


def test_the_database_prefix_and_the_app_role_are_used(wuye_backend):
    if not wuye_backend.is_postgresql:
        pytest.skip("PostgreSQL only (WUYE_TEST_DATABASE_URL)")
    role = f"kit_role_{uuid.uuid4().hex[:6]}"
    settings = BackendSettings(os.environ["WUYE_TEST_DATABASE_URL"], None, "kit_prefix_", role)
    made = testing.postgres_backend(settings)
    admin = create_engine(make_url(settings.database_url).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    try:
        name = make_url(made.owner_url).database
        assert name.startswith("kit_prefix_") and len(name) == len("kit_prefix_") + 8
        assert make_url(made.app_url).username == role and make_url(made.app_url).database == name
        app = create_engine(made.app_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with app.connect() as conn:
            assert conn.execute(text("select current_user, current_database()")).one() == (role, name)
            flags = conn.execute(text("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")).one()
            assert tuple(flags) == (False, False)
        app.dispose()
    finally:
        for fn in made.cleanup:
            fn()
        with admin.connect() as conn:
            assert conn.execute(text("select count(*) from pg_database where datname like 'kit_prefix_%'")).scalar() == 0
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
