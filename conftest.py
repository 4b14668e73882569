"""The fixtures live in wuye_core.testing (a pytest plugin shipped for plugin authors too).

This file sits at the top of the repository so that it applies to the whole session — the
core's tests/ and the plugins' tests under plugins/ alike: the session's app is built once,
with the same plugins, whichever test happens to run first.

The core's own suite also loads `sample`: the plugin that `wuye plugin new` generates,
rendered fresh for the session and loaded through an entry point exactly like an installed
one. So every core test — the isolation matrix above all — runs with a plugin's routes,
models and hooks in place.
"""

from __future__ import annotations

import sys
from importlib import metadata

import pytest

from wuye_core.host.manager import ENTRY_POINT_GROUP
from wuye_core.plugins.scaffold import render

SAMPLE = "sample"

# A frozen 1.x plugin whose own tests tests/test_compat.py runs in a process of their own.
collect_ignore = ["tests/compat"]


@pytest.fixture(scope="session")
def wuye_plugin_entry_points(tmp_path_factory):
    root = render(SAMPLE, tmp_path_factory.mktemp("plugins"))
    sys.path.insert(0, str(root))
    installed = [ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.name != SAMPLE]
    yield [*installed, metadata.EntryPoint(SAMPLE, f"wuye_{SAMPLE}.plugin", ENTRY_POINT_GROUP)]
    sys.path.remove(str(root))
