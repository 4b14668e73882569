"""The probe plugin of bench/faults.py: a third-party plugin, written to a folder at run time.

`write(folder)` writes the package `wuye_probe` and a `.dist-info` next to it that declares its
entry point (`wuye.plugins`: probe = wuye_probe.plugin), so any process with `folder` on its
PYTHONPATH — gunicorn, `wuye worker`, `wuye db upgrade` — finds and loads it like an installed
plugin. It imports nothing but `wuye_core.plugins` (the public API, docs/plugins.md §3).

Every event hook inserts one row into `probe_deliveries` (event id, event name, the worker's pid,
how many rows the probe already saw for that event, the insert's clock time) in the delivery's own
transaction (the hook's savepoint; the core commits it with the delivery record). The table has
NO unique constraint on the event id: a second delivery of an event leaves a second row, so
"side effects doubled" is a count (rows per event id > 1) and "lost" is an outbox event without
a row.
"""

from __future__ import annotations

from pathlib import Path

NAME = "probe"
TABLE = "probe_deliveries"

# every delivered hook of hookspecs.py ("per tenant ... delivered"), and plugins' own events
EVENT_HOOKS = ("household_created", "household_changed", "household_moved_out", "resident_created",
               "resident_changed", "resident_moved_out", "ticket_created", "ticket_transitioned",
               "ticket_assigned", "ticket_rated", "ticket_sla_breached", "plugin_event")

PLUGIN = '''"""probe: logs every event delivery it receives (bench/faults.py)."""

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import DateTime, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from wuye_core.plugins import PluginInfo, TenantScoped, db, hookimpl


class Delivery(TenantScoped, db.Model):
    __tablename__ = "{table}"
    __extra_table_args__ = (Index(None, "tenant_id", "event_id"),)  # not unique: doubles are countable

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    event_name: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[int | None] = mapped_column(Integer)
    pid: Mapped[int] = mapped_column(Integer)
    seen_before: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())


@hookimpl
def wuye_plugin_info():
    return PluginInfo(name="{name}", version="0.1.0", title_zh="故障探针", title_en="Fault probe",
                      description="Logs every event delivery (bench/faults.py).", api_version="1.3")


@hookimpl
def wuye_models():
    return [Delivery]


@hookimpl
def wuye_migrations():
    return Path(__file__).parent / "migrations"


def _log(event):
    seen = db.session.scalar(select(func.count(Delivery.id)).where(Delivery.event_id == event.id))
    db.session.add(Delivery(event_id=event.id, event_name=event.name, object_id=event.object_id,
                            pid=os.getpid(), seen_before=seen or 0))
    db.session.flush()
'''

HOOK = '''

@hookimpl
def wuye_{hook}(event):
    _log(event)
'''

MIGRATION = '''"""probe: the delivery log"""

import sqlalchemy as sa
from alembic import op

from wuye_core.plugins import disable_tenant_rls, enable_tenant_rls

revision = "{name}_0001"
down_revision = None
branch_labels = ("{name}",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "{table}",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("event_name", sa.String(length=80), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("seen_before", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_{table}_tenant_id_tenants",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_{table}"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_{table}_tenant_id_id"),
    )
    op.create_index("ix_{table}_tenant_id_event_id", "{table}", ["tenant_id", "event_id"])
    enable_tenant_rls("{table}")


def downgrade():
    disable_tenant_rls("{table}")
    op.drop_table("{table}")
'''


def write(folder: Path) -> Path:
    """Write the probe package and its entry point under `folder`; returns `folder` (for PYTHONPATH)."""
    folder = Path(folder)
    package = folder / "wuye_probe"
    (package / "migrations").mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    fill = {"name": NAME, "table": TABLE}
    source = PLUGIN.format(**fill) + "".join(HOOK.format(hook=hook) for hook in EVENT_HOOKS)
    (package / "plugin.py").write_text(source)
    (package / "migrations" / f"{NAME}_0001.py").write_text(MIGRATION.format(**fill))
    dist = folder / "wuye_plugin_probe-0.1.0.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: wuye-plugin-probe\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text(f"[wuye.plugins]\n{NAME} = wuye_probe.plugin\n")
    return folder
