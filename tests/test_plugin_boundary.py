"""The plugin boundary is checked, not hoped for: the plugins in this repository (their tests
included) import from wuye_core only its public facade, `wuye_core.plugins`, only names it
exports, and docs/plugins.md lists every one of them."""

from __future__ import annotations

import ast
from pathlib import Path

import wuye_core.plugins as public

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "wuye_core.plugins"


def _core_imports(path: Path):
    """(line, module, names) of every import of wuye_core in a file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "wuye_core":
                    yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "wuye_core":
            yield node.lineno, node.module, [alias.name for alias in node.names]


def _plugin_files():
    return sorted(p for p in (ROOT / "plugins").rglob("*.py") if "build" not in p.parts)


def test_plugins_import_only_the_public_facade():
    files = _plugin_files()
    assert len(files) > 20  # both plugins, their migrations and tests
    offending = []
    for path in files:
        for line, module, names in _core_imports(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if module != PUBLIC:
                offending.append(f"{where} imports {module}")
            offending += [f"{where} imports {name!r}, which {PUBLIC} does not export"
                          for name in names if name not in public.__all__]
    assert not offending, "\n".join(offending)


def test_the_scaffold_imports_only_the_public_facade(tmp_path):
    """What `wuye plugin new` writes is what third parties copy first."""
    from wuye_core.plugins.scaffold import render

    root = render("boundary", tmp_path)
    offending = [f"{path.name}:{line} {module} {names}" for path in root.rglob("*.py")
                 for line, module, names in _core_imports(path)
                 if module != PUBLIC or any(name not in public.__all__ for name in names)]
    assert not offending, offending


def test_the_check_sees_a_private_import(tmp_path):
    """The check itself can fail: a private import, at any depth, is reported."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from wuye_core.auth.models import StaffUser\n"
                      "from wuye_core.plugins import hookimpl, _private\n", encoding="utf-8")
    found = list(_core_imports(sample))
    assert (2, "wuye_core.auth.models", ["StaffUser"]) in found
    assert any(module == PUBLIC and "_private" in names and "_private" not in public.__all__
               for _, module, names in found)


def test_every_exported_name_exists_and_is_documented():
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = docs.split("## 3.", 1)[1].split("\n## 4.", 1)[0]
    missing = [name for name in public.__all__ if not hasattr(public, name)]
    assert not missing, missing
    undocumented = [name for name in public.__all__ if f"`{name}`" not in section]
    assert not undocumented, f"docs/plugins.md §3 does not list: {undocumented}"
