"""Compatibility (docs/plugins.md §7): a plugin written against hook API 1.x before the public
facade existed still installs and passes its own tests, and what it uses that is deprecated
warns. The plugin is a frozen copy (tests/compat/README.md), installed here for real: a
`.dist-info` with its entry point on the path of a separate pytest process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wuye_core.host.boundary import private_imports

LEGACY = Path(__file__).resolve().parent / "compat" / "wuye-plugin-legacy"


def _install(site: Path) -> None:
    dist = site / "wuye_plugin_legacy-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: wuye-plugin-legacy\nVersion: 0.1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[wuye.plugins]\nlegacy = wuye_legacy.plugin\n", encoding="utf-8")


@pytest.mark.slow_subprocess
def test_a_plugin_written_for_hook_api_1_x_passes_its_own_tests_and_is_warned(tmp_path):
    site = tmp_path / "site"
    _install(site)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), str(LEGACY), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "always::DeprecationWarning", "tests"],
        cwd=LEGACY, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    backends = 2 if os.environ.get("WUYE_TEST_DATABASE_URL") else 1
    assert f"{4 * backends} passed" in output, output[-2000:]
    # what it imports outside the facade is named, with the way out
    assert "plugin legacy imports wuye_core.api.access, wuye_core.extensions" in output, output[-4000:]
    assert "import from wuye_core.plugins instead" in output


def test_private_imports_are_found_at_any_depth():
    import wuye_core.plugins as facade

    sys.path.insert(0, str(LEGACY))
    try:
        import wuye_legacy.plugin as legacy

        assert private_imports(legacy) == ["wuye_core.api.access", "wuye_core.extensions",
                                           "wuye_core.households.access", "wuye_core.tenancy",
                                           "wuye_core.tenancy.rls"]
    finally:
        sys.path.remove(str(LEGACY))
        for name in [n for n in sys.modules if n.startswith("wuye_legacy")]:
            del sys.modules[name]
    assert private_imports(facade.services) == []  # the facade itself is not private
