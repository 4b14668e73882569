"""The core's layers are a contract CI checks (pyproject.toml, [tool.importlinter]): a feature
never imports the app or the CLI, the host never imports a feature, the base imports nothing
above it — a cycle cannot creep back unnoticed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--config", str(config), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_core_keeps_its_layers():
    result = _lint(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_feature_importing_the_app_breaks_the_contract(tmp_path):
    """The check can fail: the same contract, on a copy of the core where a feature imports app."""
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(ROOT / "wuye_core", copy / "wuye_core", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    tickets = copy / "wuye_core" / "tickets" / "states.py"
    tickets.write_text(tickets.read_text(encoding="utf-8") + "\n\ndef _app():\n    from ..app import create_app\n",
                       encoding="utf-8")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    result = subprocess.run([str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"], cwd=copy,
                            capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "wuye_core.tickets.states -> wuye_core.app" in result.stdout
