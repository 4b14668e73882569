"""Plugins that misbehave on purpose, loaded through entry points like any other.

Each object below is what an entry point `name = "tests.plugin_fixtures:<object>"` loads.
"""

from __future__ import annotations

import click
from sqlalchemy import text

from wuye_core.plugins import (
    Community,
    Figure,
    Link,
    PluginInfo,
    PluginVeto,
    Role,
    Schedule,
    TenantScoped,
    db,
    hookimpl,
    services,
)


def _info(name, api_version="1.0"):
    return PluginInfo(name=name, version="9.9", title_zh=f"{name}插件", title_en=name, api_version=api_version)


class Exploding:
    """Its event hook always raises; its dashboard figures too."""

    calls = 0

    @hookimpl
    def wuye_plugin_info(self):
        return _info("exploding")

    @hookimpl
    def wuye_household_created(self, event):
        Exploding.calls += 1
        raise RuntimeError("boom")

    @hookimpl
    def wuye_dashboard_figures(self):
        raise RuntimeError("no figures today")


class Strict:
    """Vetoes residents without a phone number (a validation hook); adds a role and a command."""

    @hookimpl
    def wuye_plugin_info(self):
        return _info("strict")

    @hookimpl
    def wuye_roles(self):
        return [Role("strict_inspector", "核查员", "Inspector", can_read=True, can_write=False)]

    ran_for: list = []

    @hookimpl
    def wuye_jobs(self):
        def census(tenant_id):
            Strict.ran_for.append(tenant_id)
            return tenant_id

        return {"census": census}

    @hookimpl
    def wuye_schedules(self):
        return [Schedule("nightly_census", "census", 24 * 3600)]

    @hookimpl
    def wuye_cli_commands(self):
        @click.command("hello")
        def hello():
            """Say hello."""
            click.echo("strict says 你好")

        return [hello]

    @hookimpl
    def wuye_validate_resident(self, data, resident_id):  # a subset of the spec's arguments
        if not data.get("phone"):
            raise PluginVeto("登记居民必须填写电话", field="phone")


class Misspelled:
    @hookimpl
    def wuye_plugin_info(self):
        return _info("misspelled")

    @hookimpl
    def wuye_housold_created(self, event):  # typo on purpose
        pass


class FromTheFuture:
    @hookimpl
    def wuye_plugin_info(self):
        return _info("future", api_version="2.0")


class BadModel(TenantScoped, db.Model):
    __tablename__ = "not_prefixed_things"
    id = db.Column(db.Integer, primary_key=True)


class BadTable:
    @hookimpl
    def wuye_plugin_info(self):
        return _info("badtable")

    @hookimpl
    def wuye_models(self):
        return [BadModel]


class WrongArgument:
    @hookimpl
    def wuye_plugin_info(self):
        return _info("wrongarg")

    @hookimpl
    def wuye_household_created(self, evnt):  # not an argument of the hook
        pass


class Linker:
    """API 1.2: emits its own event for every new ticket, hears it back, links tickets, and opens
    a follow-up ticket through the core's services when a ticket mentions 回访."""

    heard: list = []

    @hookimpl
    def wuye_plugin_info(self):
        return _info("linker", api_version="1.2")

    @hookimpl
    def wuye_ticket_created(self, event):
        services.emit("linker", "seen", event.community_id, event.object_id, title_length=3)
        services.commit()

    @hookimpl
    def wuye_plugin_event(self, event):
        Linker.heard.append((event.name, event.object_id, event.data, event.id))

    @hookimpl
    def wuye_ticket_links(self, ticket_id):
        return [Link(f"note:{ticket_id}", "联动便签", "Linked note", f"/somewhere/{ticket_id}")]


def _note(event_id: str, user_id: int, kind: str) -> None:
    """A row of a core table (notifications), so these fixtures need no migration of their own."""
    from wuye_core.tickets.notifications.models import Notification

    db.session.add(Notification(user_id=user_id, event_id=event_id, kind=kind, text=kind))
    db.session.flush()  # in the database now, inside the hook's savepoint


class Halfway:
    """Writes a row, then raises (while `failing`): its row must never be committed."""

    failing = True
    only: set | None = None  # the object ids it fails for (None: every one)
    calls = 0

    @hookimpl
    def wuye_plugin_info(self):
        return _info("halfway")

    @hookimpl
    def wuye_household_created(self, event):
        Halfway.calls += 1
        _note(event.id, 1, "halfway")
        if Halfway.failing and (Halfway.only is None or event.object_id in Halfway.only):
            raise RuntimeError("half done")

    @hookimpl
    def wuye_ticket_sla_policy(self, category):
        _note(f"sla-{category}", 1, "halfway-sla")
        db.session.execute(text("select 1 from no_such_table"))  # a database error (PostgreSQL: aborts)
        return {"arrive_minutes": 1}


class Tally:
    """Counts its calls and writes a row for each event (it never fails)."""

    calls = 0

    @hookimpl
    def wuye_plugin_info(self):
        return _info("tally")

    @hookimpl
    def wuye_household_created(self, event):
        Tally.calls += 1
        _note(event.id, 2, "tally")


class Blocker:
    """Writes a row for each event; in a process whose WUYE_TEST_BLOCK_DIR is set, it then stops
    at an event whose data says `block`: it writes `blocked` in that folder and waits (to be
    killed) until a file `release` appears there."""

    @hookimpl
    def wuye_plugin_info(self):
        return _info("blocker")

    @hookimpl
    def wuye_household_created(self, event):
        import os
        import time
        from pathlib import Path

        _note(event.id, 3, "blocker")
        folder = os.environ.get("WUYE_TEST_BLOCK_DIR")
        if folder and event.data.get("block"):
            (Path(folder) / "blocked").write_text(event.id)
            while not (Path(folder) / "release").exists():
                time.sleep(0.05)


class Careless:
    """Value hooks that write, fail or run SQL as told (`mode`), for the lazy savepoint: each call
    records whether a savepoint was open when it started and after its statement (if any)."""

    mode = "plain"
    seen: list = []

    @hookimpl
    def wuye_plugin_info(self):
        return _info("careless")

    @hookimpl
    def wuye_dashboard_figures(self, community_id):
        from wuye_core.tickets.notifications.models import Notification

        mode, session = Careless.mode, db.session()
        Careless.seen.append(("start", session.in_nested_transaction()))
        if mode == "bad_sql":
            session.execute(text("select 1 from no_such_table"))  # PostgreSQL: aborts the transaction
        elif mode == "query":
            session.execute(text("select 1"))
        elif mode == "identity_map":
            assert session.get(Community, community_id) is not None  # loaded by the view: no SQL
        elif mode == "add_then_raise":  # no SQL at all: the row would be flushed by the request's commit
            session.add(Notification(user_id=1, event_id="careless", kind="careless", text="x"))
            raise RuntimeError("added, then failed")
        elif mode == "flush_then_raise":
            _note("careless", 1, "careless")
            raise RuntimeError("flushed, then failed")
        elif mode == "add_invalid":  # returns normally; the row fails at its flush (NOT NULL)
            session.add(Notification(user_id=1, event_id="careless", kind=None, text="x"))
        elif mode == "change_then_raise":
            session.get(Community, community_id).name = "改坏了"
            raise RuntimeError("changed, then failed")
        elif mode == "delete_then_raise":
            session.delete(session.get(Community, community_id))
            raise RuntimeError("deleted, then failed")
        Careless.seen.append(("end", session.in_nested_transaction()))
        return [Figure("careless", "随意", "careless", 7)]

    @hookimpl
    def wuye_validate_resident(self, data):
        name = data.get("name")
        if name == "写后否决":
            _note("careless-veto", 1, "careless-veto")
            raise PluginVeto("不行", field="name")
        if name == "写后出错":
            _note("careless-error", 1, "careless-error")
            raise RuntimeError("wrote, then failed")


exploding = Exploding()
halfway = Halfway()
tally = Tally()
blocker = Blocker()
careless = Careless()
linker = Linker()
strict = Strict()
misspelled = Misspelled()
from_the_future = FromTheFuture()
bad_table = BadTable()
wrong_argument = WrongArgument()
