"""Which Alembic branch `wuye db revision` writes on: the core's, or one plugin's.

Every installed plugin carries its own branch in its own folder, so the history has several
heads and Alembic's plain `revision` refuses ("Multiple heads"). A branch here is the set of
revisions in one folder; its head is the one no other revision of the folder builds on. The
comparison (`--autogenerate`) is limited to the branch's tables, so a plugin's revision never
creates, alters or drops the core's tables or another plugin's, and the core's never a plugin's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import to_tuple

CORE_FOLDER = Path(__file__).resolve().parent.parent / "migrations" / "versions"
CORE_MODULE = "wuye_core."
REVISION_ID_MAX = 32  # alembic_version.version_num is a VARCHAR(32)


@dataclass
class Branch:
    folder: Path
    head: str  # "base" for a plugin's first revision
    includes: Callable[[str], bool]  # table name → compared by --autogenerate?
    rev_id: str | None
    label: str | None = None  # set on a plugin's first revision only
    depends_on: str | None = None
    rls_module: str = "wuye_core.plugins"  # where the revision imports enable_tenant_rls from
    file_template: str = "%%(rev)s_%%(slug)s"


def _in_folder(script: ScriptDirectory, folder: Path) -> list:
    folder = folder.resolve()
    return [r for r in script.walk_revisions() if Path(r.path).resolve().parent == folder]


def _head(revisions: list, where: str) -> str | None:
    parents = {d for r in revisions for d in to_tuple(r.down_revision, default=())}
    heads = [r.revision for r in revisions if r.revision not in parents]
    if len(heads) > 1:
        raise LookupError(f"{where} 有多个头，请先合并 / has several heads {heads}: merge them first")
    return heads[0] if heads else None


def _slug(message: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")


def _core_tables() -> set[str]:
    from .extensions import db

    return {m.local_table.name for m in db.Model.registry.mappers
            if m.class_.__module__.startswith(CORE_MODULE) and m.local_table is not None}


def branch_for(config, host, plugin: str | None, message: str) -> Branch:
    """The branch of `plugin` (None: the core) as Alembic's `revision` needs it."""
    script = ScriptDirectory.from_config(config)
    taken = {r.revision for r in script.walk_revisions()}
    core = _in_folder(script, CORE_FOLDER)
    core_head = _head(core, "core")
    if plugin is None:
        tables = _core_tables()
        rev_id = f"{len(core) + 1:04d}_{_slug(message)}"[:REVISION_ID_MAX].rstrip("_")
        return Branch(CORE_FOLDER, core_head, tables.__contains__, rev_id if rev_id not in taken else None,
                      rls_module="wuye_core.tenancy.rls", file_template="%%(rev)s")

    loaded = host.plugins.get(plugin)
    if loaded is None:
        installed = ", ".join(sorted(host.plugins)) or "-"
        raise LookupError(f"没有安装这个插件 / no such plugin installed: {plugin} (installed: {installed})")
    if loaded.migrations is None:
        raise LookupError(f"{plugin} 没有迁移目录：实现 wuye_migrations() / "
                          f"{plugin} has no migrations folder: implement wuye_migrations()")
    prefix = f"{plugin}_"
    # a plugin `red` must not claim the tables of a plugin `red_property`
    longer = tuple(f"{other}_" for other in host.plugins if other != plugin and other.startswith(prefix))

    def includes(table: str) -> bool:
        return table.startswith(prefix) and not table.startswith(longer or ("\0",))

    revisions = _in_folder(script, loaded.migrations)
    rev_id = f"{plugin}_{len(revisions) + 1:04d}"
    rev_id = rev_id if len(rev_id) <= REVISION_ID_MAX and rev_id not in taken else None
    head = _head(revisions, plugin)
    if head is None:  # the plugin's first revision starts its branch (docs/plugins.md §4)
        return Branch(loaded.migrations, "base", includes, rev_id, label=plugin, depends_on=core_head)
    return Branch(loaded.migrations, head, includes, rev_id)
