"""Hook implementations of the plugin `legacy` (see wuye's docs/plugins.md)."""

from __future__ import annotations

from pathlib import Path

from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from wuye_core.extensions import db
from wuye_core.plugins import Figure, PluginInfo, hookimpl

from .models import Note
from .routes import blp

NAME = "legacy"


class Config(Schema):
    """Per-community settings; every field has a default."""

    greeting = fields.String(load_default="你好", validate=validate.Length(max=50))
    note_new_households = fields.Boolean(load_default=True)


@hookimpl
def wuye_plugin_info():
    return PluginInfo(name=NAME, version="0.1.0", title_zh="legacy 插件", title_en="legacy plugin",
                      description="Notes per community, and a note for every new household.", api_version="1.0")


@hookimpl
def wuye_blueprints():
    return [blp]


@hookimpl
def wuye_models():
    return [Note]


@hookimpl
def wuye_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def wuye_config_schema():
    return Config


@hookimpl
def wuye_household_created(event):
    """Runs only where the plugin is enabled. Idempotent: one note per event id."""
    if db.session.scalar(select(Note.id).where(Note.source_event == event.id)):
        return
    db.session.add(Note(community_id=event.community_id, text=f"新住户 / new household #{event.object_id}",
                        source_event=event.id))
    db.session.commit()


@hookimpl
def wuye_dashboard_figures(community_id, config):
    count = db.session.scalar(select(func.count(Note.id)).where(Note.community_id == community_id))
    return [Figure("notes", f"{config['greeting']}：便签数", "Notes", count)]
