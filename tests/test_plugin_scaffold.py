"""A third party's path, end to end: scaffold a plugin, install it, migrate, run its tests."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _run(args, env, cwd, timeout=300):
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory):
    """`wuye plugin new greenery`, installed with pip into a folder of its own (not the venv)."""
    work = tmp_path_factory.mktemp("scaffold")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUYE_")}
    _run([str(BIN / "wuye"), "plugin", "new", "greenery", "--dir", str(work)], env, work)
    root = work / "wuye-plugin-greenery"
    assert (root / "pyproject.toml").is_file() and (root / "wuye_greenery" / "migrations").is_dir()
    site = work / "site"
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(root)], env, work)
    # the checkout under test (a worktree on PYTHONPATH) stays ahead of the installed wuye
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return root, env


def test_wuye_db_upgrade_creates_the_plugins_tables(installed_plugin, tmp_path):
    root, env = installed_plugin
    env = {**env, "WUYE_INSTANCE_DIR": str(tmp_path)}
    listing = _run([str(BIN / "wuye"), "plugins", "list"], env, tmp_path).stdout
    assert "greenery" in listing and "API 1.3" in listing
    _run([str(BIN / "wuye"), "db", "upgrade"], env, tmp_path)
    with sqlite3.connect(tmp_path / "wuye.sqlite3") as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
        heads = {row[0] for row in conn.execute("select version_num from alembic_version")}
    assert {"greenery_notes", "households"} <= tables
    assert "greenery_0001" in heads  # its branch is applied (it depends on 0001_core)


def test_the_scaffolded_plugin_passes_its_own_tests(installed_plugin, backend):
    root, env = installed_plugin
    if backend.is_postgresql:  # its tests run where ours do: on PostgreSQL + Redis too
        env = {**env, "WUYE_TEST_DATABASE_URL": os.environ["WUYE_TEST_DATABASE_URL"],
               "WUYE_TEST_REDIS_URL": os.environ.get("WUYE_TEST_REDIS_URL", "")}
    result = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")], env, root)
    assert " passed" in result.stdout and "failed" not in result.stdout
