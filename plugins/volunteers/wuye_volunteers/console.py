"""The plugin's pages in wuye's web console (hook `wuye_console`, docs/plugins.md §3.2).

One blueprint, `pages`, mounted by the core under /console/plugins/volunteers behind the same gate
as the API. Each area adds its pages in its own module (`console_<area>.py`, imported at the end
of this file), its templates under templates/volunteers/, and has a tab in `_layout.html`:

- `/communities/<id>`                                   overview: figures, what needs doing
- `/communities/<id>/members`, `/members/<id>`, `/communities/<id>/teams`, `/teams/<id>`   (console_members)
- `/communities/<id>/activities`, `/activities/<id>`, `/activities/<id>/qr`, series      (console_activities)
- `/communities/<id>/records`, `/records/<id>`, certificates, `/communities/<id>/hours`,
  `/communities/<id>/party-report`                                                     (console_records)
- `/communities/<id>/tasks`, `/tasks/<id>`, `/tickets/<id>/task`                        (console_tasks)
- `/communities/<id>/trainings`, `/trainings/<id>`                                      (console_training)
- `/communities/<id>/time-bank`, `/members/<id>/time-bank`                              (console_time_bank)
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from wuye_core.plugins import (
    Community,
    ConsolePart,
    MenuEntry,
    Message,
    Panel,
    db,
    domain_errors,
    plugin_communities,
    plugin_config,
    render_page,
    require_staff,
)

from . import vocab
from .access import MANAGER, NAME, ORGANISER

pages = Blueprint("volunteers_console", __name__, template_folder="templates", static_folder="static")


# --- helpers shared by the areas' pages ------------------------------------------------------------


def communities() -> list[Community]:
    """The communities where the plugin is on and the caller reads, by name."""
    require_staff()
    ids = plugin_communities(NAME)
    if not ids:
        return []
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.name)).all())


def community(community_id: int) -> Community:
    return db.session.get(Community, community_id)  # the gate found it in the tenant


def time_bank_on(community_id: int) -> bool:
    """The community's config turns the time bank on (its tab shows only then)."""
    return bool(plugin_config(NAME, community_id).get("time_bank"))


def query(schema) -> tuple[dict, dict]:
    """A page's query string through the API's query schema, by the names the query string uses
    (`from`, `to`: fields whose data_key differs); empty inputs left out. A wrong value is shown
    (in the reader's language) and the page falls back to its defaults."""
    names = {field.data_key or name for name, field in schema.fields.items()}
    values = {k: v for k, v in request.args.items() if v != "" and k in names}
    try:
        return schema.load(values), {}
    except ValidationError as exc:
        return schema.load({}), _translated(dict(exc.messages))


def _translated(messages):
    """A marshmallow error structure in the reader's language: our messages (`N_`) and
    marshmallow's own (the core's catalog)."""
    from flask_babel import gettext

    if isinstance(messages, dict):
        return {key: _translated(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [_translated(m) for m in messages]
    if isinstance(messages, Message):
        return messages.translate()
    return gettext(messages) if isinstance(messages, str) else messages


def refusal(exc: Exception) -> tuple[dict, int]:
    """A service's refusal as a form shows it: errors by field, and its status (403, 409, 422…);
    anything else is not a refusal and goes on up."""
    errors = domain_errors(exc)
    if errors is None:
        raise exc
    return errors, getattr(exc, "code", None) or getattr(exc, "status", None) or 422


def choices(vocabulary: dict) -> list[tuple[str, str]]:
    """(code, label) pairs of a vocabulary for a <select>, in the reader's language."""
    return [(code, vocab.label(vocabulary, code)) for code in vocabulary]


def hours_text(minutes: int | None) -> str:
    """Minutes as hours the way people read them: 90 → "1.5", 120 → "2", None → ""."""
    if minutes is None:
        return ""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


pages.add_app_template_filter(hours_text, "volunteer_hours")


@pages.context_processor
def _tabs():
    """The tabs ask whether the community's time bank is on (its tab shows only then), whatever
    the page passed."""
    return {"vl_time_bank_on": time_bank_on}


# --- pages ------------------------------------------------------------------------------------------


@pages.route("/")
def index():
    """居民服务联盟: the caller's communities; with one, straight to its overview."""
    found = communities()
    if len(found) == 1:
        return redirect(url_for(".overview", community_id=found[0].id))
    return render_page("volunteers/index.html", communities=found)


@pages.route("/communities/<int:community_id>")
def overview(community_id):
    """A community's alliance at a glance: its figures (figures.py)."""
    from .figures import overview_figures

    return render_page("volunteers/overview.html", community=community(community_id), tab="overview",
                       figures=overview_figures(community_id), time_bank=time_bank_on(community_id))


def _panel(community_ids) -> str:
    from .figures import panel

    return panel(community_ids)


def console_part() -> ConsolePart:
    return ConsolePart(
        blueprint=pages,
        menu=(MenuEntry("volunteers", label_zh="居民服务联盟", label_en="Volunteer alliance", endpoint="index",
                        roles=(MANAGER, ORGANISER), order=75),),
        panels=(Panel("volunteers", title_zh="居民服务联盟", title_en="Volunteer alliance", render=_panel),),
    )


# the areas' pages, on the same blueprint (imported last: they import this module)
from . import (  # noqa: E402,F401
    console_activities,
    console_members,
    console_records,
    console_tasks,
    console_time_bank,
    console_training,
)
