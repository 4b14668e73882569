"""`wuye plugin new NAME`: a working, installable plugin package to start from.

The template uses the placeholder `__NAME__` for the plugin's name (in file contents and paths)
and `__HOOK_API_VERSION__` for the hook API version of this wuye (hookspecs.HOOK_API_VERSION),
so a new plugin always targets the current API. The plugin's catalog (.po) is compiled to its
.mo as it is written.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...host.hookspecs import HOOK_API_VERSION

TEMPLATE = Path(__file__).parent / "template"
PLACEHOLDER = "__NAME__"
API_PLACEHOLDER = "__HOOK_API_VERSION__"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def render(name: str, destination: Path) -> Path:
    """Write the plugin package `wuye-plugin-<name>` under `destination`; returns its folder."""
    if not NAME.match(name) or name == "core":
        raise ValueError(f"invalid plugin name {name!r}: use [a-z][a-z0-9_]* (2–40 characters)")
    root = Path(destination) / f"wuye-plugin-{name}"
    if root.exists():
        raise FileExistsError(f"{root} already exists")
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = str(source.relative_to(TEMPLATE)).replace(PLACEHOLDER, name).removesuffix(".tmpl")
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8").replace(PLACEHOLDER, name).replace(API_PLACEHOLDER, HOOK_API_VERSION)
        target.write_text(text, encoding="utf-8")
    for po in root.rglob("*.po"):  # the catalog, compiled (the template holds text files only)
        _compile(po)
    return root


def _compile(po: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f)
    with po.with_suffix(".mo").open("wb") as f:
        write_mo(f, catalog)
