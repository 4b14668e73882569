"""What a plugin imports from wuye_core besides its public facade.

Since hook API 1.3 a plugin imports wuye only through `wuye_core.plugins` (docs/plugins.md §3).
A plugin written against 1.x before that may still import the modules §3 listed then
(`wuye_core.extensions`, `wuye_core.tenancy`, `wuye_core.api.access`, …): it keeps working, and
the host warns at start-up, naming each module, so its author can move before 2.0.
"""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

PUBLIC = "wuye_core.plugins"


def _sources(obj) -> list[Path]:
    """The plugin's Python files: its whole top-level package, or its one module."""
    module = obj if inspect.ismodule(obj) else inspect.getmodule(obj)
    if module is None:
        return []
    top = sys.modules.get(module.__name__.split(".")[0], module)
    if top.__name__ == "tests" or top.__name__.startswith("wuye_core"):  # wuye's own test fixtures
        top = module
    paths = list(getattr(top, "__path__", None) or [])
    if paths:
        return sorted(p for root in paths for p in Path(root).rglob("*.py"))
    return [Path(top.__file__)] if getattr(top, "__file__", None) else []


def private_imports(obj) -> list[str]:
    """Sorted wuye_core modules the plugin's code imports outside `wuye_core.plugins`."""
    found = set()
    for path in _sources(obj):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found.update(name for name in names if name.split(".")[0] == "wuye_core"
                         and name != PUBLIC and not name.startswith(PUBLIC + "."))
    return sorted(found)
