"""A third party's path, end to end: scaffold a plugin, install it, migrate, run its tests."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wuye_core.plugins import HOOK_API_VERSION

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
    # the plugin's folder first, then what the suite runs with (a worktree's wuye_core before the venv's)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    # its catalog was compiled when it was written, and ships in the package
    assert (site / "wuye_greenery" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "greenery.mo").is_file()
    return root, env


def test_wuye_db_upgrade_creates_the_plugins_tables(installed_plugin, tmp_path):
    root, env = installed_plugin
    env = {**env, "WUYE_INSTANCE_DIR": str(tmp_path)}
    listing = _run([str(BIN / "wuye"), "plugins", "list"], env, tmp_path).stdout
    assert "greenery" in listing and f"API {HOOK_API_VERSION}" in listing  # the scaffold targets the current API
    _run([str(BIN / "wuye"), "db", "upgrade"], env, tmp_path)
    with sqlite3.connect(tmp_path / "wuye.sqlite3") as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
        heads = {row[0] for row in conn.execute("select version_num from alembic_version")}
    assert {"greenery_notes", "households"} <= tables
    assert "greenery_0001" in heads  # its branch is applied (it depends on 0001_core)


def test_the_scaffolded_plugin_passes_its_own_tests(installed_plugin, wuye_backend):
    root, env = installed_plugin
    if wuye_backend.is_postgresql:  # its tests run where ours do: on PostgreSQL + Redis too
        env = {**env, "WUYE_TEST_DATABASE_URL": os.environ["WUYE_TEST_DATABASE_URL"],
               "WUYE_TEST_REDIS_URL": os.environ.get("WUYE_TEST_REDIS_URL", "")}
    result = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")], env, root)
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_db_revision_autogenerates_on_the_plugins_branch(installed_plugin, tmp_path):
    """A plugin author changes a model and lets `wuye db revision --plugin` write the migration:
    it lands in the plugin's folder, on the plugin's branch, with that column and nothing else."""
    _, env = installed_plugin
    site = tmp_path / "site"
    shutil.copytree(env["PYTHONPATH"].split(os.pathsep)[0], site)  # a copy of our own to change
    env = {**env, "PYTHONPATH": os.pathsep.join([str(site), *env["PYTHONPATH"].split(os.pathsep)[1:]]),
           "WUYE_INSTANCE_DIR": str(tmp_path / "instance")}
    package = site / "wuye_greenery"
    _run([str(BIN / "wuye"), "db", "upgrade"], env, tmp_path)
    models = package / "models.py"
    # a plain column, and two of the public API's column types (an encrypted text, a UTC time)
    models.write_text(models.read_text(encoding="utf-8").replace(
        "from wuye_core.plugins import ", "from wuye_core.plugins import EncryptedString, UTCDateTime, ").replace(
        "    created_at:", "    colour: Mapped[str | None] = mapped_column(String(20))\n"
        "    secret: Mapped[str | None] = mapped_column(EncryptedString(255))\n"
        "    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())\n    created_at:"), encoding="utf-8")
    before = set((package / "migrations").glob("*.py"))

    out = _run([str(BIN / "wuye"), "db", "revision", "--plugin", "greenery", "--autogenerate", "-m", "add colour"],
               env, tmp_path).stdout
    written = set((package / "migrations").glob("*.py")) - before
    assert len(written) == 1, out
    script = written.pop()
    text = script.read_text(encoding="utf-8")
    assert script.name == "greenery_0002_add_colour.py"
    assert "revision = 'greenery_0002'" in text and "down_revision = 'greenery_0001'" in text
    assert "add_column(sa.Column('colour', sa.String(length=20)" in text
    # the public types are written as what the database holds (ciphertext in a string, a
    # timezone-aware time), never by the core's private module paths, which the file cannot import
    assert "add_column(sa.Column('secret', sa.String(length=255)" in text
    assert "add_column(sa.Column('seen_at', sa.DateTime(timezone=True)" in text
    assert "wuye_core.common" not in text
    # nothing of the core's or another plugin's tables, and only the public import root
    assert re.findall(r"(?:table|batch_alter_table)\('(\w+)'", text) == ["greenery_notes", "greenery_notes"]
    assert "from wuye_core.plugins import" in text and "wuye_core.tenancy" not in text
    assert not (Path(__file__).resolve().parents[1] / "migrations" / "versions" / script.name).exists()

    _run([str(BIN / "wuye"), "db", "upgrade"], env, tmp_path)
    with sqlite3.connect(tmp_path / "instance" / "wuye.sqlite3") as conn:
        columns = {row[1] for row in conn.execute("pragma table_info(greenery_notes)")}
        heads = {row[0] for row in conn.execute("select version_num from alembic_version")}
    assert "colour" in columns
    assert "greenery_0002" in heads and "greenery_0001" not in heads

    # a plugin that is not installed is refused by name (the core's branch: test_migration_branches.py)
    result = subprocess.run([str(BIN / "wuye"), "db", "revision", "--plugin", "nosuch", "-m", "x"],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "no such plugin installed: nosuch" in result.stderr


def test_commands_that_need_no_database_leave_nothing_behind(tmp_path):
    """`wuye plugin new` in an empty folder writes the plugin's folder and nothing else (no
    `instance/`: the SQLite folder is made when the database is first used, not with the app)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUYE_")}  # the default: ./instance
    work = tmp_path / "empty"
    work.mkdir()
    for args in (["--help"], ["plugin", "--help"], ["plugin", "docs", "--check"], ["plugin", "new", "greenery"]):
        _run([str(BIN / "wuye"), *args], env, work)
    assert sorted(p.name for p in work.iterdir()) == ["wuye-plugin-greenery"]
    _run([str(BIN / "wuye"), "plugin", "docs"], env, work)  # writes wuye's docs/plugins.md, if anything
    assert sorted(p.name for p in work.iterdir()) == ["wuye-plugin-greenery"]

    _run([str(BIN / "wuye"), "db", "upgrade"], env, work)  # the database is used: now it is made
    assert (work / "instance" / "wuye.sqlite3").is_file()
