"""One registry for the per-process caches: each declares its expiry and what invalidates it."""

from __future__ import annotations

import pytest
from flask import Flask

from wuye_core.common.caches import TtlCache, cache, clear_all, declare, declared
from wuye_core.extensions import db


def test_every_cache_of_the_app_says_how_it_goes_stale(wuye_app):
    found = {c.name: c for c in declared(wuye_app)}
    assert set(found) == {"identity", "list_totals", "plugin_enablement", "plugin_config", "supervised_links"}
    for c in found.values():
        assert c.why and (c.forget_on_commit_of or c.keyed_by_version), c.name
        if c.keyed_by_version:
            assert c.cache.seconds is None  # a version in the key: entries never go stale


def test_a_cache_without_invalidation_is_refused():
    app = Flask(__name__)
    with pytest.raises(ValueError, match="declares no invalidation"):
        declare(app, "forever", seconds=None, why="nothing")
    declare(app, "versions", seconds=None, keyed_by_version=True, why="a version in the key")
    with pytest.raises(ValueError, match="declared twice"):
        declare(app, "versions", seconds=None, keyed_by_version=True, why="again")


def test_a_commit_that_writes_a_watched_table_empties_the_cache(wuye_app, wuye_make_tenant):
    from wuye_core.auth.models import StaffUser
    from wuye_core.tenancy import tenant_context

    t = wuye_make_tenant("acme")
    with wuye_app.app_context():
        identity = cache("identity")
        identity.put("k", "v")
        with tenant_context(t.id):
            db.session.get(StaffUser, 1)  # a read commits nothing that matters
            db.session.commit()
        assert identity.get("k") == "v"
        with tenant_context(t.id):
            db.session.scalars(db.select(StaffUser)).first().username = "admin2"
            db.session.commit()
        assert identity.get("k") is None
        cache("list_totals").put("k", 1)
        clear_all(wuye_app)
        assert cache("list_totals").get("k") is None


def test_ttl_zero_keeps_nothing_and_the_size_is_bounded():
    off = TtlCache(0)
    off.put("k", 1)
    assert off.get("k") is None
    small = TtlCache(None, max_entries=2)
    for key in "abc":
        small.put(key, key)
    assert small.get("c") == "c" and len(small._entries) <= 2
